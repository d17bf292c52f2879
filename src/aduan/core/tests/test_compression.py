"""Pages and JSON are gzipped for browsers that accept it, with Django's random padding
against BREACH, and answers that show a secret never are (aduan.core.compression)."""

from __future__ import annotations

import gzip
import re

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory

from aduan.core.compression import may_compress

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
FNAME = 0x08  # gzip header flag: a zero-terminated file name follows the 10-byte header


def padding_length(body: bytes) -> int:
    """The length of the file name in a gzip header: Django's random padding."""
    assert body[:2] == b"\x1f\x8b"
    assert body[3] & FNAME, "no file name in the gzip header: the padding is gone"
    return body.index(b"\x00", 10) - 10


def test_a_page_is_gzipped_when_the_browser_accepts_it():
    response = Client().get("/", **GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert "<!doctype html>" in html
    assert int(response["Content-Length"]) == len(response.content) < len(html.encode()) / 2
    plain = Client().get("/")
    assert "Content-Encoding" not in plain
    assert plain.content.startswith(b"<!doctype html>")


def test_json_and_the_service_worker_are_gzipped_too():
    for url in ("/api/v1/openapi.json", "/sw.js", "/manifest.webmanifest"):
        response = Client().get(url, **GZIP)
        assert response.status_code == 200, url
        assert response.get("Content-Encoding") == "gzip", url
        gzip.decompress(response.content)


def test_every_compressed_page_is_padded_by_a_random_length():
    """Heal the Breach: the same page compresses to sizes that differ by up to 100 bytes,
    so an attacker can not read a guess's success from one answer's length."""
    client = Client()
    lengths = {padding_length(client.get("/laporan/?q=rahasia", **GZIP).content) for _ in range(20)}
    assert len(lengths) > 5, lengths
    assert max(lengths) < 100


def test_the_csrf_token_in_a_page_is_masked_anew_each_time():
    client = Client()
    tokens = set()
    for _ in range(3):
        html = gzip.decompress(client.get("/", **GZIP).content).decode()
        tokens.update(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert len(tokens) == 3


def test_account_pages_and_no_store_answers_are_never_compressed(client, django_user_model):
    assert "Content-Encoding" not in Client().get("/akun/login/", **GZIP)
    user = django_user_model.objects.create_user(
        email="warga@example.id", password="x-1234567", full_name="Warga"
    )
    client.force_login(user)
    response = client.post("/akun/token/", {"name": "skrip saya"}, **GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert response.content.startswith(b"<!doctype html>")


@pytest.mark.parametrize(
    ("path", "response", "expected"),
    [
        ("/laporan/", HttpResponse("x" * 500), True),
        ("/laporan/", HttpResponse("x" * 500, content_type="application/json"), True),
        ("/laporan/", HttpResponse(b"\x89PNG" * 200, content_type="image/png"), False),
        (
            "/laporan/",
            HttpResponse("x" * 500, headers={"Cache-Control": "private, no-store"}),
            False,
        ),
        ("/akun/2fa/totp/activate/", HttpResponse("x" * 500), False),
        (
            "/laporan/",
            StreamingHttpResponse(iter([b"a,b\n"] * 200), content_type="text/csv"),
            False,
        ),
    ],
)
def test_what_may_be_compressed(path, response, expected):
    assert may_compress(RequestFactory().get(path), response) is expected
