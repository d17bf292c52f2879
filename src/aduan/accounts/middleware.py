"""Staff see no page (reports, lists, the admin site) before they prove a second factor.

A signed-in user who must use one (``capabilities.must_use_second_factor``) and has not
proved it in this session (``mfa.second_factor_passed``) is sent to enrol an authenticator
app, or, with one enrolled, to enter its code; only the pages needed for that (allauth's
two-factor, re-authentication, e-mail confirmation and sign-out pages, the language switch,
the app's manifest, service worker and offline page) answer meanwhile. The API is left to its own bearer tokens (``accounts.api`` asks staff
for a code before it issues one); static files never reach this (whitenoise).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django_htmx.http import HttpResponseClientRedirect

from . import capabilities
from .mfa import NEXT_SESSION_KEY, has_authenticator_app, second_factor_passed

API_PREFIX = "/api/"
# allauth's pages that a staff member needs on the way to a second factor (every mfa_* one
# too), and the language switch.
OPEN_URL_NAMES = frozenset(
    {
        "account_logout",
        "account_login",
        "account_reauthenticate",
        "account_request_reauthentication_code",
        "account_confirm_reauthentication_code",
        "account_email",
        "account_confirm_email",
        "account_email_verification_sent",
        "set_language",
    }
)
# The installable app's files (web/pwa.py): no user data, and a browser fetches them on
# its own (a worker's update check must not become the page shown after enrolment).
OPEN_VIEW_NAMES = frozenset({"web:manifest", "web:service_worker", "web:offline"})


def _open_to_everyone(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    name = match.url_name or ""
    return name.startswith("mfa_") or name in OPEN_URL_NAMES or match.view_name in OPEN_VIEW_NAMES


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not request.path_info.startswith(API_PREFIX)
            and capabilities.must_use_second_factor(request.user)
            and not second_factor_passed(request)
            and not _open_to_everyone(request)
        ):
            return self._second_factor_page(request)
        return self.get_response(request)

    def _second_factor_page(self, request: HttpRequest) -> HttpResponse:
        target = request.get_full_path() if request.method == "GET" else reverse("web:home")
        if getattr(request, "htmx", False):
            # A fragment's request: the whole page goes, not the fragment's box.
            target = request.htmx.current_url_abs_path or reverse("web:home")  # type: ignore[attr-defined]
        if has_authenticator_app(request.user):
            page = reverse("mfa_reauthenticate")
        else:
            page = reverse("mfa_activate_totp")
            request.session[NEXT_SESSION_KEY] = target
        url = f"{page}?{urlencode({REDIRECT_FIELD_NAME: target})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)
