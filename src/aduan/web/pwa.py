"""The installable app (issue 14): the web app manifest, the service worker at the root
scope and the page it shows offline.

The worker is a template with the URLs of the app shell's static files in it: with the
manifest storage those URLs carry each file's hash, so a deploy that changes any of them
changes the worker's bytes, and browsers install the new worker. Pages are cached for
offline reading only when the view opts in (``offline_readable``) and the finished
response sets no new cookie and is not ``no-store``, and never for staff
(``OfflineCopyMiddleware``); the worker can not see Set-Cookie itself, so the server decides.

Who is signed in now is told on every page (header ``Aduan-Account``) and kept in a cookie
script can read (``aduan_account``), both the same opaque tag: the worker empties the kept
pages when a live page is for someone else than their owner, and offline.js keeps and
restores drafts only on a page of the account the cookie names (a shared phone, ADR 0023).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from aduan.accounts.capabilities import is_staff_member
from aduan.core.security_headers import WORKER_POLICY

# The site's colours, as site.css names them (--brand, --bg); a test keeps them in step.
THEME_COLOR = "#9b1c1c"
BACKGROUND_COLOR = "#ffffff"

# Static files every page needs, fetched when the worker installs.
SHELL_FILES = (
    "web/site.css",
    "web/site.js",
    "web/offline.js",
    "web/htmx.min.js",
    "web/favicon.ico",
    "web/icons/icon-192.png",
    "web/icons/icon-512.png",
    "web/icons/icon-maskable-512.png",
    "web/icons/apple-touch-icon.png",
)
# Paths the worker never stores, whatever the answer says (staff pages, the API and its
# tokens, accounts, notifications, the admin).
NEVER_STORED = ("/staf/", "/api/", "/akun/", "/admin/", "/notifikasi/", "/i18n/", "/open311/")
# How many pages of the citizen's own reports are kept for offline reading.
PAGES_KEPT = 30
OFFLINE_HEADER = "Aduan-Offline"
# Who is signed in, on every page: the account tag, or ANONYMOUS.
ACCOUNT_HEADER = "Aduan-Account"
ACCOUNT_COOKIE = "aduan_account"
ANONYMOUS = "anon"


def offline_readable(view: Callable) -> Callable:
    """Mark a page's 200 GET answers as worth keeping on the phone for offline reading
    (``OfflineCopyMiddleware`` has the last word)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            response.offline_readable = True  # type: ignore[attr-defined]
        return response

    return wrapped


class OfflineCopyMiddleware:
    """Adds ``Aduan-Offline: keep <account tag>`` to an opted-in page unless the reader is
    staff, or it sets a cookie (other than Django's renewal of the CSRF cookie the browser
    already holds) or must not be stored; tells every page whom it is for
    (``Aduan-Account``) and keeps the ``aduan_account`` cookie in step with the session.
    Listed above the session and CSRF middleware, so it sees their cookies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not hasattr(request, "user") or not _is_page(response):
            return response  # static files and the API: nobody to tell about
        tag = account_tag(request)
        if (
            getattr(response, "offline_readable", False)
            and not is_staff_member(request.user)
            and _storable(request, response)
        ):
            response[OFFLINE_HEADER] = f"keep {tag}"
        response[ACCOUNT_HEADER] = tag
        _account_cookie(request, response, tag)
        return response


def _is_page(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def account_tag(request: HttpRequest) -> str:
    """Who a page is for, as an opaque tag (``anon`` when nobody is signed in): the worker
    drops the pages it kept when a page for someone else arrives, and offline drafts are
    stamped with it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return salted_hmac("aduan.web.pwa.account", str(user.pk)).hexdigest()[:16]


def _account_cookie(request: HttpRequest, response: HttpResponse, tag: str) -> None:
    """Set at sign-in, removed at sign-out (or when the session ended): offline, offline.js
    reads it to know who is signed in, as a cached page can not tell."""
    held = request.COOKIES.get(ACCOUNT_COOKIE)
    if tag == ANONYMOUS:
        if held is not None:
            response.delete_cookie(ACCOUNT_COOKIE, samesite="Lax")
    elif held != tag:
        response.set_cookie(
            ACCOUNT_COOKIE,
            tag,
            max_age=None
            if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
            else settings.SESSION_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=False,  # offline.js reads it
            samesite="Lax",
        )


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if "no-store" in response.get("Cache-Control", ""):
        return False
    for name, morsel in response.cookies.items():
        renewal = name == settings.CSRF_COOKIE_NAME and request.COOKIES.get(name) == morsel.value
        if not renewal:
            return False
    return True


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: what Chromium and Safari need to install the site."""
    data = {
        "name": "Aduan",
        "short_name": "Aduan",
        "description": "Lapor ke pemerintah dan ikuti tindak lanjutnya.",
        "lang": "id",
        "dir": "ltr",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            _icon("web/icons/icon-192.png", 192, "any"),
            _icon("web/icons/icon-512.png", 512, "any"),
            _icon("web/icons/icon-maskable-512.png", 512, "maskable"),
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json")
    patch_cache_control(response, public=True, max_age=3600)
    return response


def _icon(name: str, size: int, purpose: str) -> dict:
    return {"src": static(name), "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """The page the worker shows for a page it can not fetch: no user data, no form, so
    one copy serves every visitor of the phone."""
    return render(request, "web/offline.html")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker at the root, so its scope is the whole site; ``no-cache`` makes browsers
    ask for it on every update check, and its version follows the shell's files."""
    shell = [static(name) for name in SHELL_FILES]
    offline_url = reverse("web:offline")
    config = {
        "version": _version(shell),
        "shell": [offline_url, *shell],
        "offline": offline_url,
        "never": list(NEVER_STORED),
        "pagesKept": PAGES_KEPT,
        "header": OFFLINE_HEADER.lower(),
        "accountHeader": ACCOUNT_HEADER.lower(),
        "accountCookie": ACCOUNT_COOKIE,
        "signOut": reverse("account_logout"),
        "icon": static("web/icons/icon-192.png"),
    }
    body = render_to_string(
        "web/sw.js",
        {"config": mark_safe(json.dumps(config, sort_keys=True))},  # noqa: S308 - JSON of our own URLs
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Content-Security-Policy"] = WORKER_POLICY
    response["Service-Worker-Allowed"] = "/"
    return response


def _version(shell: list[str]) -> str:
    """A digest of the shell's URLs (hashed by the manifest storage in production) and of
    the offline page's template (its source: the version must not follow the language); with a storage that does not hash names (development,
    tests), of the files' bytes too, so an edit still makes a new worker."""
    digest = hashlib.sha256("\n".join(shell).encode())
    digest.update(get_template("web/offline.html").template.source.encode())
    if not hasattr(staticfiles_storage, "hashed_files"):
        for name in SHELL_FILES:
            if path := finders.find(name):
                with open(path, "rb") as file:
                    digest.update(file.read())
    return digest.hexdigest()[:16]
