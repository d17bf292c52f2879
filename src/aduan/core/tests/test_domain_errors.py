"""The one place a page's uncaught domain error becomes an answer (``core.middleware``)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from aduan.core.errors import InvalidTransition, NotFound, PermissionDenied
from aduan.core.middleware import DomainErrorMiddleware


def _middleware() -> DomainErrorMiddleware:
    return DomainErrorMiddleware(lambda request: HttpResponse("ok"))


@pytest.mark.parametrize(("error", "status"), [(NotFound, 404), (PermissionDenied, 403)])
def test_not_found_and_denied_are_the_sites_404_and_403_pages(error, status):
    request = RequestFactory().get("/lacak/AB23CD45EF/")
    response = _middleware().process_exception(request, error())
    assert response.status_code == status


def test_a_refusal_that_belongs_next_to_a_form_is_not_answered_here():
    request = RequestFactory().post("/staf/laporan/AB23CD45EF/")
    assert _middleware().process_exception(request, InvalidTransition()) is None


@pytest.mark.django_db
def test_a_report_nobody_may_see_is_the_404_page(client):
    response = client.get("/lacak/7K3MX9PQ2R/")
    assert response.status_code == 404
