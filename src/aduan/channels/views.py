"""The signed-in citizen's "SMS and X" page: link an SMS number or an X account to the
web account with a one-time code, see what is linked, unlink. Thin: ``claim`` decides."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aduan.core.errors import DomainError

from . import claim
from .x.client import x_config


@login_required
@require_http_methods(["GET", "POST"])
def linked_channels(request: HttpRequest) -> HttpResponse:
    """GET: what is linked. POST: a new code, shown in this answer only."""
    user = request.user
    code = None
    if request.method == "POST":
        try:
            _row, code = claim.claim_code_issue(user=user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("channels:linked")
    current = claim.claim_code_current(user=user)
    response = render(
        request,
        "channels/linked.html",
        {
            "identities": claim.identity_list_for_user(user=user),
            "allowed": claim.claim_allowed(user),
            "code": claim.code_display(code) if code else None,
            "current": current,
            "minutes": claim.CODE_MINUTES,
            "shortcode": settings.ADUAN_SMS_SHORTCODE,
            "x_handle": x_config().handle if x_config().receives else "",
        },
    )
    if code:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def identity_unlink(request: HttpRequest, identity_id: int) -> HttpResponse:
    identity = claim.identity_unlink(user=request.user, identity_id=identity_id)
    messages.success(
        request,
        _("%(what)s is no longer linked to your account.")
        % {"what": identity.handle or identity.address},
    )
    return redirect("channels:linked")
