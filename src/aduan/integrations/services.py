"""Writes of the agency integration: endpoints, the deliveries of events (inside the
workflow's transaction, through its listener) and the agency's integration tokens, for an
active agency admin of their own agency only. Detail: docs/integrations.md.
"""

from __future__ import annotations

import secrets
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.accounts.capabilities import agency_admins_q, may_manage_integrations
from aduan.accounts.models import ApiToken, Role, User, hash_token
from aduan.accounts.services import token_revoke
from aduan.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed

from .delivery import deliveries_enqueue, endpoint_deactivate
from .models import SUBSCRIBABLE_EVENTS, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .payloads import webhook_event_for
from .urlguard import url_check

if TYPE_CHECKING:
    from aduan.agencies.models import Agency
    from aduan.reports.models import Report, ReportEvent
    from aduan.sla.models import Deadline

INTEGRATION_TOKEN_PREFIX = ApiToken.PREFIX + "int_"
DESCRIPTION_MAX = 200


# --- Who ----------------------------------------------------------------------------------


def integration_admin_check(actor: User) -> Agency:
    """The agency ``actor`` administers; ``PermissionDenied`` for anyone else."""
    if not may_manage_integrations(actor, getattr(actor, "agency", None)):
        raise PermissionDenied(_("Only an agency admin can manage the agency's integration."))
    return actor.agency


def endpoint_get_for_admin(*, actor: User, endpoint_id: int) -> WebhookEndpoint:
    agency = integration_admin_check(actor)
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, agency=agency).first()
    if endpoint is None:
        raise NotFound
    return endpoint


# --- Endpoints ----------------------------------------------------------------------------


def _events_check(events: list[str]) -> list[str]:
    allowed = [value for value, _label in SUBSCRIBABLE_EVENTS]
    chosen = [value for value in allowed if value in set(events or [])]
    unknown = set(events or []) - set(allowed)
    if unknown or not chosen:
        raise ValidationFailed(field_errors={"events": [_("Choose at least one event.")]})
    return chosen


ENDPOINTS_PER_AGENCY = 10


@transaction.atomic
def endpoint_create(
    *, actor: User, url: str, events: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint for the actor's agency; returns it and its secret (shown once)."""
    agency = integration_admin_check(actor)
    # Every event goes to every endpoint: a cap keeps one agency from turning Aduan into
    # an amplifier towards whatever addresses it registers.
    if WebhookEndpoint.objects.filter(agency=agency).count() >= ENDPOINTS_PER_AGENCY:
        raise ValidationFailed(
            _("Your agency already has %(n)d webhooks, the most allowed. Delete one first.")
            % {"n": ENDPOINTS_PER_AGENCY}
        )
    target_errors: dict[str, list[str]] = {}
    try:
        url_check(url)
    except ValidationFailed as error:
        target_errors.update(error.field_errors)
    try:
        chosen = _events_check(events)
    except ValidationFailed as error:
        target_errors.update(error.field_errors)
    if target_errors:
        raise ValidationFailed(field_errors=target_errors)
    endpoint = WebhookEndpoint.objects.create(
        agency=agency,
        url=url.strip(),
        description=" ".join((description or "").split())[:DESCRIPTION_MAX],
        events=chosen,
        secret_salt=secrets.token_hex(16),
        created_by=actor,
    )
    return endpoint, endpoint.secret


@transaction.atomic
def endpoint_rotate_secret(*, actor: User, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """A new secret for the endpoint (the old one stops working at once)."""
    endpoint = endpoint_get_for_admin(actor=actor, endpoint_id=endpoint_id)
    endpoint.secret_salt = secrets.token_hex(16)
    endpoint.save(update_fields=["secret_salt"])
    return endpoint, endpoint.secret


def endpoint_disable(*, actor: User, endpoint_id: int) -> WebhookEndpoint:
    """Stop the endpoint: no new deliveries, and its pending ones are cancelled."""
    endpoint = endpoint_get_for_admin(actor=actor, endpoint_id=endpoint_id)
    endpoint_deactivate(
        endpoint_id=endpoint.pk,
        reason=_("Disabled by %(name)s.") % {"name": actor.full_name or actor.email},
    )
    endpoint.refresh_from_db()
    return endpoint


@transaction.atomic
def endpoint_enable(*, actor: User, endpoint_id: int) -> WebhookEndpoint:
    """Start the endpoint again, with its failure count at zero. Deliveries cancelled
    while it was disabled stay cancelled; new events are delivered."""
    endpoint = endpoint_get_for_admin(actor=actor, endpoint_id=endpoint_id)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, failure_count=0, disabled_reason="", disabled_at=None
    )
    endpoint.refresh_from_db()
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: User, endpoint_id: int) -> None:
    """Remove the endpoint and its delivery log."""
    endpoint = endpoint_get_for_admin(actor=actor, endpoint_id=endpoint_id)
    endpoint.delete()


@transaction.atomic
def webhook_send_test(*, actor: User, endpoint_id: int) -> WebhookDelivery:
    """A ``ping`` delivery to the endpoint, posted like every other."""
    endpoint = endpoint_get_for_admin(actor=actor, endpoint_id=endpoint_id)
    if not endpoint.is_active:
        raise InvalidTransition(_("Enable the endpoint before sending a test event."))
    key = f"test:{secrets.token_hex(8)}"
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=WebhookEvent.PING,
        event_key=key,
        occurred_at=timezone.now(),
        idempotency_key=f"{key}:{endpoint.pk}",
    )
    transaction.on_commit(partial(deliveries_enqueue, [delivery.pk]), robust=True)
    return delivery


# --- Emission -----------------------------------------------------------------------------


def _agency_and_ancestors(agency: Agency) -> list[int]:
    ids = [int(part) for part in (agency.path or "").strip("/").split("/") if part]
    return ids or [agency.pk]


def _emit(
    *,
    agency: Agency,
    event_kind: str,
    key: str,
    report: Report,
    event: ReportEvent | None = None,
    extra: dict | None = None,
    endpoints: list[WebhookEndpoint] | None = None,
) -> list[WebhookDelivery]:
    """``endpoints``: the active endpoints of ``agency`` and the agencies above it, when
    the caller read them already (default: read here)."""
    if endpoints is None:
        endpoints = list(
            WebhookEndpoint.objects.filter(
                is_active=True, agency_id__in=_agency_and_ancestors(agency)
            ).order_by("pk")
        )
    endpoints = [endpoint for endpoint in endpoints if endpoint.wants(event_kind)]
    if not endpoints:
        return []
    occurred_at = event.created_at if event is not None else timezone.now()
    written, created_ids = [], []
    for endpoint in endpoints:
        # Only what identifies the event: the payload is built at each attempt.
        delivery, created = WebhookDelivery.objects.get_or_create(
            idempotency_key=f"{key}:{endpoint.pk}"[:200],
            defaults={
                "endpoint": endpoint,
                "event": event_kind,
                "event_key": key[:200],
                "occurred_at": occurred_at,
                "report": report,
                "report_event": event,
                "details": extra or {},
            },
        )
        written.append(delivery)
        if created:
            created_ids.append(delivery.pk)
    if created_ids:
        transaction.on_commit(partial(deliveries_enqueue, created_ids), robust=True)
    return written


def webhooks_emit(
    *, report: Report, event: ReportEvent, agency: Agency, kind: str
) -> list[WebhookDelivery]:
    """Deliveries for a notification to ``agency``'s staff (``kind`` is the notification
    kind), to the endpoints of ``agency`` and the agencies above it that want it."""
    event_kind = webhook_event_for(notification_kind=kind, event=event)
    if event_kind is None:
        return []
    return _emit(
        agency=agency,
        event_kind=event_kind,
        key=f"event:{event.pk}:{event_kind}",
        report=report,
        event=event,
    )


def webhooks_emit_deadline_reminder(*, deadline: Deadline, report: Report) -> list[WebhookDelivery]:
    """Deliveries for a reminder of an agency's deadline (not the national admin's or the
    reporter's), keyed by the due time like the sweep's notifications."""
    return webhooks_emit_deadline_reminders([(deadline, report)])


def webhooks_emit_deadline_reminders(
    reminders: list[tuple[Deadline, Report]],
) -> list[WebhookDelivery]:
    """``webhooks_emit_deadline_reminder`` for each of ``reminders`` (the sweep's batch),
    with the endpoints of all their agencies read in one statement."""
    reminders = [(deadline, report) for deadline, report in reminders if deadline.agency_id]
    if not reminders:
        return []
    lines = {
        deadline.agency_id: _agency_and_ancestors(deadline.agency) for deadline, _r in reminders
    }
    endpoints = list(
        WebhookEndpoint.objects.filter(
            is_active=True, agency_id__in={pk for line in lines.values() for pk in line}
        ).order_by("pk")
    )
    written = []
    for deadline, report in reminders:
        line = set(lines[deadline.agency_id])
        mine = [endpoint for endpoint in endpoints if endpoint.agency_id in line]
        if not mine:
            continue
        written += _emit(
            agency=deadline.agency,
            event_kind=WebhookEvent.DEADLINE_REMINDER,
            key=f"deadline:{deadline.pk}:reminder:{int(deadline.due_at.timestamp())}",
            report=report,
            extra={"deadline": {"kind": deadline.kind, "due_at": deadline.due_at.isoformat()}},
            endpoints=mine,
        )
    return written


# --- Integration tokens -------------------------------------------------------------------


def _service_account(agency: Agency) -> User:
    account = (
        User.objects.filter(
            agency_admins_q([agency.pk]),
            is_active=True,
            api_tokens__agency=agency,
        )
        .order_by("pk")
        .first()
    )
    if account is not None:
        return account
    return User.objects.create_user(
        email=None,
        password=None,
        full_name=(_("Integration: %(agency)s") % {"agency": agency.name})[:150],
        role=Role.AGENCY_ADMIN,
        agency=agency,
    )


@transaction.atomic
def integration_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A bearer token for the actor's agency's own system; the raw value is returned
    once. It acts as the agency's service account and only on the workflow API."""
    agency = integration_admin_check(actor)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(field_errors={"name": [_("Give the token a name.")]})
    if len(name) > 100:
        raise ValidationFailed(field_errors={"name": [_("At most 100 characters.")]})
    account = _service_account(agency)
    raw = INTEGRATION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=account, agency=agency, name=name, key_hash=hash_token(raw), hint=raw[:12]
    )
    return token, raw


def integration_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    agency = integration_admin_check(actor)
    token = ApiToken.objects.select_related("user").filter(pk=token_id, agency=agency).first()
    if token is None:
        raise NotFound
    token_revoke(token=token, actor=actor)
    return token
