"""The reporter's side: comment, answer, accept (close), rate, reopen; and the changes no
person makes by hand (the automatic close, a system note, a change of the reporter's
account)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.accounts.models import User
from aduan.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aduan.reports.attachments import PreparedFile
from aduan.reports.models import EventAction, Rating, Report, Status
from aduan.sla import services as sla
from aduan.sla.models import DeadlineKind

from .. import listeners
from ..transitions import Action, transition_check
from ._common import (
    _begin,
    _begin_in_capacity,
    _event,
    _files_check,
    _locked,
    _move,
    _save,
    _store_files,
    _text,
    _with_files_rolled_back,
)


def report_comment(
    *,
    report: Report,
    actor: User,
    body: str,
    internal: bool = False,
    files: Sequence[PreparedFile] = (),
    ip_address: str | None = None,
) -> Report:
    """A comment on an open report. Staff may write internal notes the reporter never sees."""

    def run(stored: list[str]) -> Report:
        locked, _target, capacity = _begin_in_capacity(report, actor=actor, action=Action.COMMENT)
        if internal and capacity.value == "reporter":
            raise PermissionDenied(_("Only staff can write internal notes."))
        text = _text(body, field="body", minimum=2)
        _files_check(locked, files)
        _save(locked)
        event = _event(
            locked,
            actor=actor,
            action=EventAction.NOTE if internal else EventAction.COMMENTED,
            from_status=locked.status,
            note=text,
            is_public=not internal,
            ip_address=ip_address,
        )
        _store_files(locked, event, files, actor, stored)
        if internal:
            return locked
        if capacity.value == "reporter":
            if locked.agency_id:
                listeners.tell_agency(
                    report=locked, event=event, agency=locked.agency, kind="comment_posted"
                )
        else:
            listeners.tell_reporter(report=locked, event=event, kind="comment_posted")
        return locked

    return _with_files_rolled_back(run)


@transaction.atomic
def report_system_note(*, report: Report, note: str) -> Report:
    """An internal note written by the system, not a person: a channel telling the staff
    something about where the report came from (e.g. the X post was deleted by its
    author). Only staff who handle the report read it; no status, clock or notification
    changes."""
    locked = _locked(report)
    text = _text(note, field="note")
    _save(locked)
    _event(
        locked,
        actor=None,
        action=EventAction.NOTE,
        from_status=locked.status,
        note=text,
        is_public=False,
    )
    return locked


@transaction.atomic
def report_reporter_transfer(
    *, report: Report, to_user: User, note: str, hide_name: bool = True
) -> Report:
    """Give the report to another account of the same person: the SMS-only or X account
    the report came from, once its owner proved it is theirs from a web account
    (``aduan.channels.claim``), or back when the number's holder undoes that. The change
    of owner is on the audit chain, as an internal note that says which channel proved
    it. ``hide_name``: the report becomes anonymous, so that it keeps showing what it
    showed (a channel account's placeholder name, never the web account's real name)."""
    locked = _locked(report)
    if locked.reporter_id == to_user.pk:
        return locked
    locked.reporter = to_user
    fields = ["reporter"]
    if hide_name and not locked.anonymous:
        locked.anonymous = True
        fields.append("anonymous")
    _save(locked, *fields)
    _event(
        locked,
        actor=None,
        action=EventAction.REPORTER_LINKED,
        from_status=locked.status,
        note=note,
        is_public=False,
    )
    return locked


@transaction.atomic
def report_answer(
    *, report: Report, actor: User, body: str, ip_address: str | None = None
) -> Report:
    """The reporter answers: to a response (back to the agency, with a new response
    deadline) or to the national admin's question (back to verification)."""
    report, target = _begin(report, actor=actor, action=Action.ANSWER)
    text = _text(body, field="body")
    if report.status == Status.ON_HOLD:
        sla.deadline_start(report=report, kind=DeadlineKind.VERIFICATION, actor=actor)
    else:
        sla.deadline_cancel(report=report, kinds=[DeadlineKind.AUTOCLOSE])
        sla.deadline_start(
            report=report, kind=DeadlineKind.RESPONSE, agency=report.agency, actor=actor
        )
    event = _move(
        report, target, actor=actor, action=EventAction.ANSWERED, note=text, ip_address=ip_address
    )
    if report.agency_id:
        listeners.tell_agency(
            report=report, event=event, agency=report.agency, kind="comment_posted"
        )
    return report


@transaction.atomic
def report_close(*, report: Report, actor: User, ip_address: str | None = None) -> Report:
    """The reporter accepts the response."""
    report, target = _begin(report, actor=actor, action=Action.CLOSE)
    return _close(
        report, actor=actor, action=EventAction.CLOSED, target=target, ip_address=ip_address
    )


def _close(
    report: Report, *, actor: User | None, action: str, target: Status, ip_address=None
) -> Report:
    report.closed_at = timezone.now()
    sla.deadline_meet(report=report, kind=DeadlineKind.AUTOCLOSE)
    sla.deadline_meet(report=report, kind=DeadlineKind.COMPLETION)
    event = _move(
        report, target, actor=actor, action=action, fields=("closed_at",), ip_address=ip_address
    )
    listeners.tell_reporter(report=report, event=event)
    if report.agency_id:
        listeners.tell_agency(
            report=report, event=event, agency=report.agency, kind="status_changed"
        )
    return report


@transaction.atomic
def report_auto_close(*, report: Report) -> Report | None:
    """Close a responded report whose auto-close time has passed (the sweep calls this).
    Returns None when there is nothing to do (already answered, closed, not yet due)."""
    report = _locked(report)
    if report.status != Status.RESPONDED:
        return None
    if not sla.deadline_passed(report=report, kind=DeadlineKind.AUTOCLOSE):
        return None
    target = transition_check(action=Action.AUTO_CLOSE, status=report.status)
    return _close(report, actor=None, action=EventAction.AUTO_CLOSED, target=target)


@transaction.atomic
def report_rate(
    *, report: Report, actor: User, score: int, comment: str = "", ip_address: str | None = None
) -> Report:
    report, _target = _begin(report, actor=actor, action=Action.RATE)
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationFailed(field_errors={"score": [_("Give a score from 1 to 5.")]})
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise ValidationFailed(field_errors={"comment": [_("Write at most 1000 characters.")]})
    if Rating.objects.filter(report=report).exists():
        raise InvalidTransition(_("This report has already been rated."))
    Rating.objects.create(
        report=report, agency=report.disposed_agency or report.agency, score=score, comment=comment
    )
    _save(report)
    _event(
        report,
        actor=actor,
        action=EventAction.RATED,
        from_status=report.status,
        note=f"{score}/5" + (f" {comment}" if comment else ""),
        ip_address=ip_address,
    )
    return report


@transaction.atomic
def report_reopen(
    *, report: Report, actor: User, reason: str, ip_address: str | None = None
) -> Report:
    """Once, within the reopen window (working days after closing), back to the agency."""
    report, target = _begin(report, actor=actor, action=Action.REOPEN)
    reason = _text(reason, field="reason", minimum=10)
    if report.reopen_count >= 1:
        raise InvalidTransition(_("A report can be reopened only once."))
    if report.agency_id is None or report.closed_at is None:
        raise InvalidTransition(_("This report cannot be reopened."))
    if not sla.within_reopen_window(report=report, now=timezone.now()):
        raise InvalidTransition(_("The time to reopen this report has passed."))
    report.reopen_count += 1
    report.closed_at = None
    sla.deadline_start(report=report, kind=DeadlineKind.RESPONSE, agency=report.agency, actor=actor)
    event = _move(
        report,
        target,
        actor=actor,
        action=EventAction.REOPENED,
        fields=("reopen_count", "closed_at"),
        note=reason,
        ip_address=ip_address,
    )
    listeners.tell_agency(report=report, event=event, agency=report.agency, kind="status_changed")
    return report


def reopen_deadline_for(report: Report) -> dt.datetime | None:
    """Until when the reporter may reopen a closed report (None when they cannot)."""
    if report.status != Status.CLOSED or report.reopen_count >= 1 or report.closed_at is None:
        return None
    return sla.reopen_until(report=report)
