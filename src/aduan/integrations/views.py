"""The agency admin's integration screen (mounted at ``staf/integrasi/``): webhook
endpoints, their delivery logs, and the agency's integration tokens.

Anonymous visitors are sent to sign in; any signed-in account other than an agency
admin gets 403; another agency's endpoint or token is 404. A new secret or token is
shown once, on a page that is not cached, and never put in the session or a message.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NamedTuple

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from aduan.core.errors import InvalidTransition, ValidationFailed
from aduan.core.forms import form_add_service_errors

from . import services
from .forms import EndpointForm, TokenForm
from .models import DeliveryState
from .selectors import LOG_SIZE, delivery_log, endpoint_list, integration_token_list


def agency_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        services.integration_admin_check(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def _page(request: HttpRequest, *, endpoint_form=None, token_form=None, status: int = 200):
    agency = request.user.agency
    return render(
        request,
        "webhooks/integration.html",
        {
            "agency": agency,
            "endpoints": endpoint_list(agency=agency),
            "tokens": integration_token_list(agency=agency),
            "form": endpoint_form or EndpointForm(),
            "token_form": token_form or TokenForm(),
        },
        status=status,
    )


class ShownOnce(NamedTuple):
    """A new secret or token, with the page's title and the note under it."""

    title: str
    value: str
    note: str


def _shown_once(request: HttpRequest, *, title: str, value: str, note: str) -> HttpResponse:
    return render(
        request,
        "webhooks/shown_once.html",
        {"title": title, "value": value, "note": note},
    )


def _create_and_show_once(
    request: HttpRequest,
    *,
    form: forms.Form,
    form_name: str,
    create: Callable[[dict[str, Any]], ShownOnce],
) -> HttpResponse:
    """Run ``create`` with the valid form's data and show its value once; otherwise the
    integration page again with ``form`` (as ``form_name``) and its errors, status 422.
    """
    if form.is_valid():
        try:
            shown = create(form.cleaned_data)
        except ValidationFailed as error:
            form_add_service_errors(form, error)
        else:
            return _shown_once(request, **shown._asdict())
    return _page(request, status=422, **{form_name: form})


@agency_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def integration(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)

    def create(data: dict[str, Any]) -> ShownOnce:
        endpoint, secret = services.endpoint_create(
            actor=request.user,
            url=data["url"],
            events=data["events"],
            description=data["description"],
        )
        return ShownOnce(
            title=_("Webhook added: %(url)s") % {"url": endpoint.url},
            value=secret,
            note=_(
                "This is the secret your receiver uses to check our signatures. "
                "It is shown only now: copy it into your system's settings."
            ),
        )

    return _create_and_show_once(
        request, form=EndpointForm(request.POST), form_name="endpoint_form", create=create
    )


@agency_admin_required
@require_http_methods(["GET"])
def endpoint_log(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = services.endpoint_get_for_admin(actor=request.user, endpoint_id=pk)
    failed_only = request.GET.get("failed") == "1"
    return render(
        request,
        "webhooks/endpoint_log.html",
        {
            "endpoint": endpoint,
            "deliveries": delivery_log(endpoint=endpoint, failed_only=failed_only),
            "failed_only": failed_only,
            "log_size": LOG_SIZE,
            "states": DeliveryState,
        },
    )


@agency_admin_required
@require_POST
def endpoint_disable(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = services.endpoint_disable(actor=request.user, endpoint_id=pk)
    messages.success(
        request,
        _("%(url)s is disabled; its waiting deliveries are cancelled.") % {"url": endpoint.url},
    )
    return redirect("webhooks:integration")


@agency_admin_required
@require_POST
def endpoint_enable(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = services.endpoint_enable(actor=request.user, endpoint_id=pk)
    messages.success(request, _("%(url)s is enabled again.") % {"url": endpoint.url})
    return redirect("webhooks:integration")


@agency_admin_required
@never_cache
@require_POST
def endpoint_secret(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint, secret = services.endpoint_rotate_secret(actor=request.user, endpoint_id=pk)
    return _shown_once(
        request,
        title=_("New secret for %(url)s") % {"url": endpoint.url},
        value=secret,
        note=_(
            "The old secret no longer works. This one is shown only now: "
            "copy it into your system's settings."
        ),
    )


@agency_admin_required
@require_POST
def endpoint_test(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        delivery = services.webhook_send_test(actor=request.user, endpoint_id=pk)
    except InvalidTransition as error:
        messages.error(request, error.message)
        return redirect("webhooks:integration")
    messages.success(
        request,
        _("Test event %(id)s queued; its outcome appears in the delivery log.")
        % {"id": delivery.pk},
    )
    return redirect("webhooks:endpoint_log", pk=pk)


@agency_admin_required
@require_http_methods(["GET", "POST"])
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = services.endpoint_get_for_admin(actor=request.user, endpoint_id=pk)
    if request.method == "POST":
        services.endpoint_delete(actor=request.user, endpoint_id=pk)
        messages.success(request, _("%(url)s is deleted.") % {"url": endpoint.url})
        return redirect("webhooks:integration")
    return render(request, "webhooks/endpoint_delete.html", {"endpoint": endpoint})


@agency_admin_required
@never_cache
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    def create(data: dict[str, Any]) -> ShownOnce:
        token, raw = services.integration_token_create(actor=request.user, name=data["name"])
        return ShownOnce(
            title=_("Integration token “%(name)s”") % {"name": token.name},
            value=raw,
            note=_(
                "Send it as “Authorization: Bearer <token>” to /api/v1/inbox and the "
                "report actions. It is shown only now."
            ),
        )

    return _create_and_show_once(
        request, form=TokenForm(request.POST), form_name="token_form", create=create
    )


@agency_admin_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = services.integration_token_revoke(actor=request.user, token_id=pk)
    messages.success(request, _("Token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("webhooks:integration")
