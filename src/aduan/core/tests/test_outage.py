"""While the database is unreachable, pages answer an HTML 503 and the API a problem+json
503, both with Retry-After, instead of Django's HTML 500."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from aduan.api.tests.utils import assert_problem
from aduan.core.outage import RETRY_AFTER_SECONDS, server_error
from aduan.core.security_headers import PAGE_POLICY

from .inline_code import inline_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    """Every query fails as it does while PostgreSQL restarts (the error Django raises
    for psycopg's "server closed the connection unexpectedly")."""

    def refuse(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:
        for name in ("execute", "executemany"):
            patch.setattr(CursorWrapper, name, refuse)
        yield


def test_a_page_answers_503_with_retry_after(database_down):
    response = Client(raise_request_exception=False).get("/laporan/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Sebentar tidak tersedia" in html  # Indonesian by default
    assert 'http-equiv="refresh"' in html  # a GET reloads by itself


def test_a_form_sent_during_the_outage_is_told_it_was_not_saved(database_down):
    response = Client(raise_request_exception=False).post(
        "/akun/login/", {"login": "warga@contoh.id", "password": "rahasia-sekali"}
    )
    assert response.status_code == 503
    html = response.content.decode()
    assert "http-equiv" not in html
    assert "tidak tersimpan" in html


def test_the_api_answers_problem_json_503_with_retry_after(client, database_down):
    response = client.get("/api/v1/reports")
    body = assert_problem(response, 503)
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert body["title"] == "Service unavailable"
    assert "try again in a few seconds" in body["detail"]


def test_an_error_in_middleware_answers_503_too(database_down):
    # The integration-token middleware looks the token up before any view runs: its
    # error reaches handler500, which answers the same 503.
    response = Client(raise_request_exception=False).get(
        "/api/v1/inbox", headers={"authorization": "Bearer adn_int_" + "x" * 40}
    )
    assert_problem(response, 503)
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


@pytest.mark.parametrize(
    ("error", "status"),
    [(RuntimeError("a bug"), 500), (OperationalError("connection refused"), 503)],
)
def test_handler500_turns_only_a_lost_connection_into_503(rf, error, status):
    request = rf.get("/laporan/")
    try:
        raise error
    except Exception:
        response = server_error(request)  # as Django calls it: inside the except block
    assert response.status_code == status


def test_the_503_page_works_under_the_content_security_policy(database_down):
    response = Client(raise_request_exception=False).get("/laporan/")
    assert response.status_code == 503
    assert response["Content-Security-Policy"] == PAGE_POLICY
    html = response.content.decode()
    assert inline_code(html) == []
    assert "/static/web/outage.css" in html  # its styling, from this origin
