"""Every change to a report after it was submitted: one function per action.

Each function takes the acting user (``actor=``) and keyword arguments only, runs in one
transaction that locks the report row, checks the move against the one transition table
and the actor's capacity, writes the report, appends its chained event, starts or stops
the deadlines the calendar computes, and writes the notifications to the outbox, which
is delivered only once the transaction commits.

``workflow.actions`` maps each action to its input schema and its function here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.accounts.models import User
from aduan.agencies.models import NON_RECEIVING_KINDS, Agency
from aduan.categories.models import Category
from aduan.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aduan.core.text import storable
from aduan.core.tracking import normalise_tracking_id
from aduan.reports.attachments import PreparedFile, attachment_store, attachments_discard
from aduan.reports.models import (
    BODY_MAX,
    TITLE_MAX,
    TITLE_MIN,
    EventAction,
    Rating,
    Report,
    ReportEvent,
    ReportFollower,
    Status,
)
from aduan.sla import services as sla
from aduan.sla.models import DeadlineKind

from . import notify
from .permissions import action_authorize
from .transitions import Action, transition_check

logger = logging.getLogger(__name__)

NOTE_MIN, NOTE_MAX = 5, 4000
RESPONSE_MIN = 20


# --- Plumbing shared by every action ---------------------------------------------------


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
    locked = _locked(report)
    action_authorize(user=actor, report=locked, action=action)
    return locked, transition_check(action=action, status=locked.status)


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
    return ReportEvent.objects.create(
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
        stored.append(attachment.file.name)


def _with_files_rolled_back(fn: Callable[[list[str]], Report]) -> Report:
    """Run ``fn`` in a transaction; files it stored are removed if it does not commit."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            return fn(stored)
    except BaseException:
        attachments_discard(stored)
        raise


# --- The national admin's desk -----------------------------------------------------------


@transaction.atomic
def report_dispose(
    *,
    report: Report,
    actor: User,
    agency_id: int,
    note: str = "",
    title: str | None = None,
    category_id: int | None = None,
    anonymous: bool | None = None,
    confidential: bool | None = None,
    ip_address: str | None = None,
) -> Report:
    """Verify the report and send it to the agency responsible (``dispositioned``).

    The admin may correct the title and category and set the privacy flags in the same
    step: the verification screen shows both flags so that they cannot be overlooked.
    """
    report, target = _begin(report, actor=actor, action=Action.DISPOSE)
    agency = _receiving_agency(agency_id)
    changed = ["status", "agency", "disposed_agency", "suggested_agency"]
    if title is not None and title.strip() != report.title:
        clean = " ".join(title.split())
        if not TITLE_MIN <= len(clean) <= TITLE_MAX:
            raise ValidationFailed(
                field_errors={
                    "title": [
                        _("The title needs %(min)d to %(max)d characters.")
                        % {"min": TITLE_MIN, "max": TITLE_MAX}
                    ]
                }
            )
        report.title = clean
        changed.append("title")
    if category_id is not None:
        category = Category.objects.filter(pk=category_id, is_active=True).first()
        if category is None:
            raise ValidationFailed(field_errors={"category_id": [_("Choose a category.")]})
        report.category = category
        changed.append("category")
    flags_note = _apply_flags(report, anonymous=anonymous, confidential=confidential)
    if flags_note:
        changed += ["anonymous", "confidential"]
    from_status = report.status
    report.status = target
    report.agency = report.disposed_agency = agency
    report.suggested_agency = None
    sla.deadline_meet(report=report, kind=DeadlineKind.VERIFICATION)
    sla.deadline_start(report=report, kind=DeadlineKind.RESPONSE, agency=agency, actor=actor)
    sla.deadline_start(report=report, kind=DeadlineKind.COMPLETION, agency=agency, actor=actor)
    _save(report, *changed)
    event = _event(
        report,
        actor=actor,
        action=EventAction.DISPOSED,
        from_status=from_status,
        note=" ".join(filter(None, [note.strip(), flags_note])),
        target_agency=agency,
        ip_address=ip_address,
    )
    notify.reporter(report=report, event=event)
    notify.agency_staff(report=report, event=event, agency=agency, kind="disposition_received")
    return report


def _apply_flags(report: Report, *, anonymous: bool | None, confidential: bool | None) -> str:
    """Set the privacy flags; a note for the timeline naming what changed ('' if nothing)."""
    notes = []
    if anonymous is not None and bool(anonymous) != report.anonymous:
        report.anonymous = bool(anonymous)
        notes.append(
            _("Reporter's identity hidden.") if anonymous else _("Reporter's identity shown.")
        )
    if confidential is not None and bool(confidential) != report.confidential:
        report.confidential = bool(confidential)
        notes.append(_("Report made confidential.") if confidential else _("Report made public."))
    return " ".join(notes)


@transaction.atomic
def report_set_flags(
    *,
    report: Report,
    actor: User,
    anonymous: bool | None = None,
    confidential: bool | None = None,
    ip_address: str | None = None,
) -> Report:
    report, _target = _begin(report, actor=actor, action=Action.SET_FLAGS)
    note = _apply_flags(report, anonymous=anonymous, confidential=confidential)
    if not note:
        return report
    _save(report, "anonymous", "confidential")
    # Not public: announcing "made confidential" on a public timeline defeats the point.
    _event(
        report,
        actor=actor,
        action=EventAction.FLAGS_SET,
        from_status=report.status,
        note=note,
        is_public=False,
        ip_address=ip_address,
    )
    return report


@transaction.atomic
def report_redact(
    *,
    report: Report,
    actor: User,
    public_title: str = "",
    public_body: str = "",
    ip_address: str | None = None,
) -> Report:
    """Set the public version of the title and text (blank: the original), for personal
    data the reporter typed into them. The original stays for the reporter and the desks;
    the public reads this version, masked again (``reports.selectors.report_text_for``).
    The event's note, for the desks only, holds the new public version, never the original.
    """
    report, _target = _begin(report, actor=actor, action=Action.REDACT)
    title = " ".join(storable(public_title).split())
    body = storable(public_body).strip()
    if title == report.title:
        title = ""
    if body == report.body.strip():
        body = ""
    if title and not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise ValidationFailed(
            field_errors={
                "public_title": [
                    _("The title needs %(min)d to %(max)d characters.")
                    % {"min": TITLE_MIN, "max": TITLE_MAX}
                ]
            }
        )
    if len(body) > BODY_MAX:
        raise ValidationFailed(
            field_errors={"public_body": [_("Write at most %(n)d characters.") % {"n": BODY_MAX}]}
        )
    lines = []
    if title != report.public_title:
        lines.append(
            _("Public title: %(text)s") % {"text": title}
            if title
            else _("Public title: the original.")
        )
    if body != report.public_body:
        lines.append(
            _("Public text: %(text)s") % {"text": body} if body else _("Public text: the original.")
        )
    if not lines:
        return report
    report.public_title, report.public_body = title, body
    report.save(update_fields=["public_title", "public_body", "updated_at"])
    _event(
        report,
        actor=actor,
        action=EventAction.REDACTED,
        from_status=report.status,
        note="\n\n".join(lines),
        ip_address=ip_address,
    )
    return report


@transaction.atomic
def report_hold(
    *, report: Report, actor: User, question: str, ip_address: str | None = None
) -> Report:
    """Ask the reporter for missing information; the verification clock stops until they answer."""
    report, target = _begin(report, actor=actor, action=Action.HOLD)
    question = _text(question, field="question", minimum=10)
    from_status, report.status = report.status, target
    sla.deadline_cancel(report=report, kinds=[DeadlineKind.VERIFICATION])
    _save(report, "status")
    event = _event(
        report,
        actor=actor,
        action=EventAction.HELD,
        from_status=from_status,
        note=question,
        ip_address=ip_address,
    )
    notify.reporter(report=report, event=event)
    return report


@transaction.atomic
def report_archive(
    *, report: Report, actor: User, reason: str, ip_address: str | None = None
) -> Report:
    report, target = _begin(report, actor=actor, action=Action.ARCHIVE)
    reason = _text(reason, field="reason", minimum=10)
    from_status, report.status = report.status, target
    report.closed_at = timezone.now()
    sla.deadline_cancel(report=report)
    _save(report, "status", "closed_at")
    event = _event(
        report,
        actor=actor,
        action=EventAction.ARCHIVED,
        from_status=from_status,
        note=reason,
        ip_address=ip_address,
    )
    notify.reporter(report=report, event=event)
    return report


@transaction.atomic
def report_merge(
    *, report: Report, actor: User, into: str, note: str = "", ip_address: str | None = None
) -> Report:
    """Archive ``report`` as a duplicate of ``into``; its reporter follows ``into`` from now on."""
    report, target = _begin(report, actor=actor, action=Action.MERGE)
    tracking_id = normalise_tracking_id(into or "")
    survivor = (
        Report.objects.select_for_update(of=("self",)).filter(tracking_id=tracking_id).first()
        if tracking_id
        else None
    )
    if survivor is None or survivor.pk == report.pk:
        raise ValidationFailed(
            field_errors={"into": [_("Enter the tracking id of another report.")]}
        )
    if survivor.status == Status.ARCHIVED:
        raise ValidationFailed(
            field_errors={"into": [_("A report cannot be merged into an archived one.")]}
        )
    from_status, report.status = report.status, target
    report.merged_into = survivor
    report.closed_at = timezone.now()
    sla.deadline_cancel(report=report)
    _save(report, "status", "merged_into", "closed_at")
    followers = {report.reporter_id, *report.followers.values_list("user_id", flat=True)}
    followers.discard(survivor.reporter_id)
    ReportFollower.objects.bulk_create(
        [ReportFollower(report=survivor, user_id=user_id) for user_id in followers],
        ignore_conflicts=True,
    )
    text = _("Duplicate of %(id)s.") % {"id": survivor.tracking_id}
    event = _event(
        report,
        actor=actor,
        action=EventAction.MERGED,
        from_status=from_status,
        note=" ".join(filter(None, [text, note.strip()])),
        ip_address=ip_address,
    )
    _event(
        survivor,
        actor=actor,
        action=EventAction.MERGED_FROM,
        from_status=survivor.status,
        note=_("Report %(id)s was merged into this one.") % {"id": report.tracking_id},
        is_public=False,
        ip_address=ip_address,
    )
    notify.reporter(report=report, event=event, kind="report_merged")
    return report


# --- The agency --------------------------------------------------------------------------


@transaction.atomic
def report_accept(*, report: Report, actor: User, ip_address: str | None = None) -> Report:
    report, target = _begin(report, actor=actor, action=Action.ACCEPT)
    from_status, report.status = report.status, target
    _save(report, "status")
    event = _event(
        report,
        actor=actor,
        action=EventAction.ACCEPTED,
        from_status=from_status,
        ip_address=ip_address,
    )
    notify.reporter(report=report, event=event)
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
    from_status, report.status = report.status, target
    report.agency = None
    report.suggested_agency = suggested
    sla.deadline_cancel(report=report, kinds=[DeadlineKind.RESPONSE, DeadlineKind.COMPLETION])
    sla.deadline_start(report=report, kind=DeadlineKind.VERIFICATION, actor=actor)
    _save(report, "status", "agency", "suggested_agency")
    action = EventAction.FORWARDED if suggested else EventAction.RETURNED
    event = _event(
        report,
        actor=actor,
        action=action,
        from_status=from_status,
        note=note,
        ip_address=ip_address,
    )
    notify.reporter(report=report, event=event)
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
        notify.agency_staff(
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
        locked = _locked(report)
        action_authorize(user=actor, report=locked, action=Action.RESPOND)
        target = transition_check(action=Action.RESPOND, status=locked.status)
        text = _text(body, field="body", minimum=RESPONSE_MIN)
        _files_check(locked, files)
        from_status, locked.status = locked.status, target
        locked.responded_at = timezone.now()
        sla.deadline_meet(report=locked, kind=DeadlineKind.RESPONSE)
        sla.deadline_start(
            report=locked, kind=DeadlineKind.AUTOCLOSE, agency=locked.agency, actor=actor
        )
        _save(locked, "status", "responded_at")
        event = _event(
            locked,
            actor=actor,
            action=EventAction.RESPONDED,
            from_status=from_status,
            note=text,
            ip_address=ip_address,
        )
        _store_files(locked, event, files, actor, stored)
        notify.reporter(report=locked, event=event, kind="response_posted")
        return locked

    return _with_files_rolled_back(run)


def _files_check(report: Report, files: Sequence[PreparedFile]) -> None:
    limit = settings.ADUAN_ATTACHMENT_MAX_COUNT
    if len(files) > limit:
        raise ValidationFailed(
            field_errors={"files": [_("At most %(n)d attachments.") % {"n": limit}]}
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
        locked = _locked(report)
        capacity = action_authorize(user=actor, report=locked, action=Action.COMMENT)
        transition_check(action=Action.COMMENT, status=locked.status)
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
                notify.agency_staff(
                    report=locked, event=event, agency=locked.agency, kind="comment_posted"
                )
        else:
            notify.reporter(report=locked, event=event, kind="comment_posted")
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


# --- The reporter ---------------------------------------------------------------------


@transaction.atomic
def report_answer(
    *, report: Report, actor: User, body: str, ip_address: str | None = None
) -> Report:
    """The reporter answers: to a response (back to the agency, with a new response
    deadline) or to the national admin's question (back to verification)."""
    report, target = _begin(report, actor=actor, action=Action.ANSWER)
    text = _text(body, field="body")
    from_status, report.status = report.status, target
    if from_status == Status.ON_HOLD:
        sla.deadline_start(report=report, kind=DeadlineKind.VERIFICATION, actor=actor)
    else:
        sla.deadline_cancel(report=report, kinds=[DeadlineKind.AUTOCLOSE])
        sla.deadline_start(
            report=report, kind=DeadlineKind.RESPONSE, agency=report.agency, actor=actor
        )
    _save(report, "status")
    event = _event(
        report,
        actor=actor,
        action=EventAction.ANSWERED,
        from_status=from_status,
        note=text,
        ip_address=ip_address,
    )
    if report.agency_id:
        notify.agency_staff(report=report, event=event, agency=report.agency, kind="comment_posted")
    return report


@transaction.atomic
def report_close(*, report: Report, actor: User, ip_address: str | None = None) -> Report:
    """The reporter accepts the response."""
    report = _locked(report)
    action_authorize(user=actor, report=report, action=Action.CLOSE)
    return _close(report, actor=actor, action=EventAction.CLOSED, ip_address=ip_address)


def _close(report: Report, *, actor: User | None, action: str, ip_address=None) -> Report:
    target = transition_check(
        action=Action.CLOSE if actor else Action.AUTO_CLOSE, status=report.status
    )
    from_status, report.status = report.status, target
    report.closed_at = timezone.now()
    sla.deadline_meet(report=report, kind=DeadlineKind.AUTOCLOSE)
    sla.deadline_meet(report=report, kind=DeadlineKind.COMPLETION)
    _save(report, "status", "closed_at")
    event = _event(
        report, actor=actor, action=action, from_status=from_status, ip_address=ip_address
    )
    notify.reporter(report=report, event=event)
    if report.agency_id:
        notify.agency_staff(report=report, event=event, agency=report.agency, kind="status_changed")
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
    return _close(report, actor=None, action=EventAction.AUTO_CLOSED)


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
    from_status, report.status = report.status, target
    report.reopen_count += 1
    report.closed_at = None
    sla.deadline_start(report=report, kind=DeadlineKind.RESPONSE, agency=report.agency, actor=actor)
    _save(report, "status", "reopen_count", "closed_at")
    event = _event(
        report,
        actor=actor,
        action=EventAction.REOPENED,
        from_status=from_status,
        note=reason,
        ip_address=ip_address,
    )
    notify.agency_staff(report=report, event=event, agency=report.agency, kind="status_changed")
    return report


def reopen_deadline_for(report: Report) -> dt.datetime | None:
    """Until when the reporter may reopen a closed report (None when they cannot)."""
    if report.status != Status.CLOSED or report.reopen_count >= 1 or report.closed_at is None:
        return None
    return sla.reopen_until(report=report)
