"""Helpers for API tests across apps: bearer headers and problem+json assertions."""

from __future__ import annotations

import io

from PIL import Image

from aduan.accounts.services import token_create
from aduan.reports.tests.factories import pdf_bytes

PROBLEM = "application/problem+json"


def bearer(user) -> dict[str, str]:
    """Client kwargs that authenticate as ``user`` with a fresh API token."""
    _token, raw = token_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_problem(response, status: int) -> dict:
    """The response is an RFC 9457 problem with ``status``; returns its JSON."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["detail"]
    assert isinstance(body["errors"], dict)
    if status == 429:  # says when to come back: the limit's window end, in seconds
        assert int(response["Retry-After"]) > 0
    return body


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


PDF_BYTES = pdf_bytes()
