"""The signed-in user's notification list and notification settings (thin views)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aduan.core.errors import ValidationFailed
from aduan.core.pagination import CappedPaginator

from .selectors import (
    notification_get_for_user,
    notification_list_for_user,
    preference_table,
    unread_count,
)
from .senders.push import push_enabled
from .services import (
    notification_mark_read,
    preferences_update,
    push_endpoint_remember,
    push_subscription_claim,
    push_subscription_delete,
    push_subscription_save,
)


def _list_context(request: HttpRequest) -> dict:
    paginator = CappedPaginator(
        notification_list_for_user(user=request.user), settings.ADUAN_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return {
        "page": page,
        "has_unread": any(n.is_unread for n in page) or unread_count(user=request.user) > 0,
    }


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/list.html", _list_context(request))


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification_mark_read(user=request.user, notification_ids=[notification_id])
    notification = notification_get_for_user(user=request.user, notification_id=notification_id)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    if request.htmx:
        return render(request, "notifications/partials/item.html", {"notification": notification})
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = notification_mark_read(user=request.user, all_unread=True)
    if request.htmx:
        return render(request, "notifications/partials/list_body.html", _list_context(request))
    if marked:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        enabled = {
            tuple(name.split(":", 1))
            for name in request.POST
            if ":" in name and request.POST.get(name) == "on"
        }
        # Only pairs that exist are kept; anything else in the form is ignored.
        known = {
            (row.kind, cell.channel)
            for row in preference_table(user=request.user)
            for cell in row.cells
        }
        preferences_update(user=request.user, enabled=enabled & known)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": preference_table(user=request.user),
            "vapid_public_key": settings.ADUAN_VAPID_PUBLIC_KEY if push_enabled() else "",
        },
    )


def _json_body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """The browser's ``PushSubscription`` as JSON: ``{endpoint, keys: {p256dh, auth}}``."""
    data = _json_body(request)
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    try:
        push_subscription_save(
            user=request.user,
            endpoint=data.get("endpoint"),
            p256dh=keys.get("p256dh"),
            auth=keys.get("auth"),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ValidationFailed as exc:
        return JsonResponse({"error": exc.message}, status=400)
    push_endpoint_remember(request.session, data["endpoint"])  # signing out turns it off
    return JsonResponse({"subscribed": True}, status=201)


@login_required
@require_POST
def push_check(request: HttpRequest) -> JsonResponse:
    """``{endpoint}``: is this browser's push for the signed-in user? The settings page asks
    before it says "on" (the browser's subscription may be another account's)."""
    endpoint = _json_body(request).get("endpoint")
    mine = push_subscription_claim(user=request.user, endpoint=endpoint)
    if mine:
        push_endpoint_remember(request.session, endpoint)
    return JsonResponse({"mine": mine})


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> JsonResponse:
    """``{endpoint}``: push off for that browser of the signed-in user."""
    removed = push_subscription_delete(
        user=request.user, endpoint=_json_body(request).get("endpoint")
    )
    return JsonResponse({"removed": removed})
