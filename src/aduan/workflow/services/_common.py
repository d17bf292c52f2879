"""Plumbing shared by every action on a report: the lock, the check, the event, the save.

Private to ``aduan.workflow.services``: each action starts with ``_begin`` (lock the row,
check the actor's capacity and the move) and ends by writing its chained ``_event``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from aduan.accounts.models import User
from aduan.agencies.models import NON_RECEIVING_KINDS, Agency
from aduan.core.errors import ValidationFailed
from aduan.core.text import storable
from aduan.reports.attachments import (
    PreparedFile,
    attachment_store,
    attachment_stored_names,
    attachments_discard,
)
from aduan.reports.models import Report, ReportEvent, Status
from aduan.sla import services as sla

from .. import listeners
from ..permissions import action_authorize
from ..transitions import Action, Actor, transition_check

NOTE_MIN, NOTE_MAX = 5, 4000
RESPONSE_MIN = 20


def _locked(report: Report) -> Report:
    """The report's row, locked for this transaction, with what the checks read."""
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("agency", "reporter", "category")
        .get(pk=report.pk)
    )


def _begin(report: Report, *, actor: User, action: Action) -> tuple[Report, Status]:
    """Lock the report, check the actor's capacity and the move: the start of every action.
    Returns the locked report and the status the action leads to."""
    locked, target, _capacity = _begin_in_capacity(report, actor=actor, action=action)
    return locked, target


def _begin_in_capacity(
    report: Report, *, actor: User, action: Action
) -> tuple[Report, Status, Actor]:
    """``_begin``, also giving the capacity the actor acts in (for the one action whose
    effect depends on it: a reporter's comment is for the agency, a staff one for them)."""
    locked = _locked(report)
    capacity = action_authorize(user=actor, report=locked, action=action)
    return locked, transition_check(action=action, status=locked.status), capacity


def _text(
    value: str | None, *, field: str, minimum: int = NOTE_MIN, maximum: int = NOTE_MAX
) -> str:
    text = storable(value).strip()
    if len(text) < minimum:
        raise ValidationFailed(
            field_errors={field: [_("Write at least %(n)d characters.") % {"n": minimum}]}
        )
    if len(text) > maximum:
        raise ValidationFailed(
            field_errors={field: [_("Write at most %(n)d characters.") % {"n": maximum}]}
        )
    return text


def _event(
    report: Report,
    *,
    actor: User | None,
    action: str,
    from_status: str,
    note: str = "",
    is_public: bool = True,
    ip_address: str | None = None,
    target_agency: Agency | None = None,
) -> ReportEvent:
    """Append the action's event. Who may read ``note`` depends on ``action``
    (``reports.selectors.NOTE_AUDIENCE``): pass only what that audience may read."""
    event = ReportEvent.objects.create(
        report=report,
        actor=actor,
        actor_role=actor.role if actor else "system",
        actor_agency=actor.agency if actor and actor.agency_id else None,
        action=action,
        from_status=from_status,
        to_status=report.status,
        note=note,
        target_agency=target_agency,
        is_public=is_public,
        ip_address=ip_address or None,
    )
    listeners.listeners_record(report=report, event=event)
    return event


def _move(
    report: Report,
    target: Status,
    *,
    actor: User | None,
    action: str,
    fields: tuple[str, ...] = (),
    note: str = "",
    ip_address: str | None = None,
    target_agency: Agency | None = None,
) -> ReportEvent:
    """Put ``report`` in ``target``, save it with ``fields`` and append the action's event.
    Change the deadlines first: the saved due state is computed from them."""
    from_status, report.status = report.status, target
    _save(report, "status", *fields)
    return _event(
        report,
        actor=actor,
        action=action,
        from_status=from_status,
        note=note,
        ip_address=ip_address,
        target_agency=target_agency,
    )


def _save(report: Report, *fields: str) -> None:
    """Save the changed fields, with the current deadline recomputed from the stored ones."""
    report.due_at, report.is_overdue = sla.report_due_state(report=report)
    report.save(update_fields=[*fields, "due_at", "is_overdue", "updated_at"])


def _receiving_agency(agency_id: Any, *, field: str = "agency_id") -> Agency:
    try:
        pk = int(agency_id)
    except (TypeError, ValueError):
        pk = 0
    agency = (
        Agency.objects.filter(pk=pk, is_active=True).exclude(kind__in=NON_RECEIVING_KINDS).first()
        if pk > 0
        else None
    )
    if agency is None:
        raise ValidationFailed(field_errors={field: [_("Choose an active agency from the list.")]})
    return agency


def _store_files(report: Report, event: ReportEvent, files: Sequence[PreparedFile], actor, stored):
    for prepared in files:
        attachment = attachment_store(report=report, prepared=prepared, actor=actor)
        attachment.event = event
        attachment.save(update_fields=["event"])
        stored.extend(attachment_stored_names(attachment))


def _with_files_rolled_back(fn: Callable[[list[str]], Report]) -> Report:
    """Run ``fn`` in a transaction; files it stored are removed if it does not commit."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            return fn(stored)
    except BaseException:
        attachments_discard(stored)
        raise


def _files_check(report: Report, files: Sequence[PreparedFile]) -> None:
    limit = settings.ADUAN_ATTACHMENT_MAX_COUNT
    if len(files) > limit:
        raise ValidationFailed(
            field_errors={"files": [_("At most %(n)d attachments.") % {"n": limit}]}
        )
