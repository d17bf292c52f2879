"""Language selection: Bahasa Indonesia unless the visitor chose otherwise.

Browsers send Accept-Language on their own, and many Indonesian phones are set to
English; following it would show most citizens an English site they never asked for.
So web pages are Indonesian unless the language switch (Django's ``set_language``, whose
cookie the profile page also sets) says otherwise. The JSON API is called by programs
that choose their language on purpose, so there Accept-Language is honoured.

Domain errors on every app's pages are answered in one place (``DomainErrorMiddleware``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import check_for_language, get_supported_language_variant

from .errors import NotFound, PermissionDenied
from .ratelimit import retry_after_value

API_PREFIX = "/api/"


def language_for_request(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen and check_for_language(chosen):
        try:
            return get_supported_language_variant(chosen)
        except LookupError:
            pass
    if request.path.startswith(API_PREFIX):
        return translation.get_language_from_request(request)
    return settings.LANGUAGE_CODE


class LanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        translation.activate(language_for_request(request))
        request.LANGUAGE_CODE = translation.get_language()


class DomainErrorMiddleware:
    """A service's ``NotFound`` that a page lets through is the site's 404 page, and its
    ``PermissionDenied`` the 403 page, as Django answers ``Http404`` and its own
    ``PermissionDenied``: a report someone may not see is "not found" like a missing one.
    A refusal the user can correct belongs next to the form (``core.forms``); the JSON API
    answers its own errors (``aduan.api.errors``)."""

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


class RetryAfterMiddleware:
    """Every 429 says when to come back: an answer that did not say (allauth's sign-up and
    sign-in limits) gets ``DEFAULT_RETRY_AFTER`` seconds."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 429 and "Retry-After" not in response.headers:
            response["Retry-After"] = retry_after_value(None)
        return response
