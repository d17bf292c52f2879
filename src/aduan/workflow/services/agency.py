"""The agency's desk: accept, return to the national desk, forward, extend, respond."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.accounts.models import User
from aduan.core.errors import ValidationFailed
from aduan.reports.attachments import PreparedFile
from aduan.reports.models import EventAction, Report, Status
from aduan.sla import services as sla
from aduan.sla.models import DeadlineKind

from .. import listeners
from ..transitions import Action
from ._common import (
    RESPONSE_MIN,
    _begin,
    _event,
    _files_check,
    _move,
    _receiving_agency,
    _save,
    _store_files,
    _text,
    _with_files_rolled_back,
)


@transaction.atomic
def report_accept(*, report: Report, actor: User, ip_address: str | None = None) -> Report:
    report, target = _begin(report, actor=actor, action=Action.ACCEPT)
    event = _move(report, target, actor=actor, action=EventAction.ACCEPTED, ip_address=ip_address)
    listeners.tell_reporter(report=report, event=event)
    return report


@transaction.atomic
def report_return(
    *, report: Report, actor: User, reason: str, ip_address: str | None = None
) -> Report:
    """Not this agency's authority: back to the national admin's queue with the reason."""
    report, target = _begin(report, actor=actor, action=Action.RETURN)
    reason = _text(reason, field="reason", minimum=10)
    return _back_to_national_queue(
        report, actor=actor, target=target, note=reason, suggested=None, ip_address=ip_address
    )


def _back_to_national_queue(report, *, actor, target, note, suggested, ip_address) -> Report:
    report.agency = None
    report.suggested_agency = suggested
    sla.deadline_cancel(report=report, kinds=[DeadlineKind.RESPONSE, DeadlineKind.COMPLETION])
    sla.deadline_start(report=report, kind=DeadlineKind.VERIFICATION, actor=actor)
    event = _move(
        report,
        target,
        actor=actor,
        action=EventAction.FORWARDED if suggested else EventAction.RETURNED,
        fields=("agency", "suggested_agency"),
        note=note,
        ip_address=ip_address,
    )
    listeners.tell_reporter(report=report, event=event)
    return report


@transaction.atomic
def report_forward(
    *, report: Report, actor: User, agency_id: int, note: str = "", ip_address: str | None = None
) -> Report:
    """Pass the report to one of the agency's own units, or, for another agency, back to
    the national admin with that agency as the suggestion (only the national admin disposes
    across agencies)."""
    report, _target = _begin(report, actor=actor, action=Action.FORWARD)
    target_agency = _receiving_agency(agency_id)
    if target_agency.pk == report.agency_id:
        raise ValidationFailed(
            field_errors={"agency_id": [_("The report is already with this agency.")]}
        )
    own_path = actor.agency.path
    if target_agency.path.startswith(own_path):
        from_status = report.status
        report.agency = target_agency
        sla.deadline_reassign(report=report, agency=target_agency)
        _save(report, "agency")
        event = _event(
            report,
            actor=actor,
            action=EventAction.FORWARDED,
            from_status=from_status,
            note=note.strip(),
            target_agency=target_agency,
            ip_address=ip_address,
        )
        listeners.tell_agency(
            report=report, event=event, agency=target_agency, kind="disposition_received"
        )
        return report
    text = _("Suggested agency: %(name)s.") % {"name": target_agency.name}
    return _back_to_national_queue(
        report,
        actor=actor,
        target=Status.RETURNED,
        note=" ".join(filter(None, [text, note.strip()])),
        suggested=target_agency,
        ip_address=ip_address,
    )


@transaction.atomic
def report_extend(
    *, report: Report, actor: User, working_days: int, reason: str, ip_address: str | None = None
) -> Report:
    report, _target = _begin(report, actor=actor, action=Action.EXTEND)
    reason = _text(reason, field="reason", minimum=10)
    deadline = sla.deadline_extend(report=report, working_days=working_days, reason=reason)
    _save(report)
    _event(
        report,
        actor=actor,
        action=EventAction.EXTENDED,
        from_status=report.status,
        note=_("%(days)d working days more, until %(due)s. %(reason)s")
        % {
            "days": int(working_days),
            "due": deadline.due_at.astimezone(ZoneInfo(deadline.timezone)).strftime("%Y-%m-%d"),
            "reason": reason,
        },
        ip_address=ip_address,
    )
    return report


def report_respond(
    *,
    report: Report,
    actor: User,
    body: str,
    files: Sequence[PreparedFile] = (),
    ip_address: str | None = None,
) -> Report:
    """The agency's follow-up. The reporter then has the auto-close period to answer."""

    def run(stored: list[str]) -> Report:
        locked, target = _begin(report, actor=actor, action=Action.RESPOND)
        text = _text(body, field="body", minimum=RESPONSE_MIN)
        _files_check(locked, files)
        locked.responded_at = timezone.now()
        sla.deadline_meet(report=locked, kind=DeadlineKind.RESPONSE)
        sla.deadline_start(
            report=locked, kind=DeadlineKind.AUTOCLOSE, agency=locked.agency, actor=actor
        )
        event = _move(
            locked,
            target,
            actor=actor,
            action=EventAction.RESPONDED,
            fields=("responded_at",),
            note=text,
            ip_address=ip_address,
        )
        _store_files(locked, event, files, actor, stored)
        listeners.tell_reporter(report=locked, event=event, kind="response_posted")
        return locked

    return _with_files_rolled_back(run)
