"""Domain errors on the site's pages, answered in one place.

A service's ``NotFound`` that a page lets through is the site's 404 page, and its
``PermissionDenied`` the 403 page, exactly as Django answers ``Http404`` and its own
``PermissionDenied``: a report someone may not see is "not found" like a missing one. The
refusals a user can correct (a rule of the status, a field) belong next to the form that
was sent, which ``web.actions`` does for every workflow action. The JSON API answers its
own errors (``aduan.api.errors``) and never lets one through to here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse

from aduan.core.errors import NotFound, PermissionDenied


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404())
        if isinstance(exception, PermissionDenied):
            return response_for_exception(request, DjangoPermissionDenied())
        return None
