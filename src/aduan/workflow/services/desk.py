"""The national admin's desk: verify and send on, correct the privacy flags and the public
text, tag the national priority programmes, ask the reporter, archive, merge duplicates."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.accounts.models import User
from aduan.categories.models import Category
from aduan.core.errors import ValidationFailed
from aduan.core.text import storable
from aduan.core.tracking import normalise_tracking_id
from aduan.programmes.models import Programme, ReportProgramme
from aduan.programmes.selectors import programmes_implied_by
from aduan.reports.models import (
    BODY_MAX,
    TITLE_MAX,
    TITLE_MIN,
    EventAction,
    Report,
    ReportFollower,
    Status,
)
from aduan.sla import services as sla
from aduan.sla.models import DeadlineKind

from .. import listeners
from ..transitions import Action
from ._common import _begin, _event, _move, _receiving_agency, _save, _text


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
    changed = ["agency", "disposed_agency", "suggested_agency"]
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
    report.agency = report.disposed_agency = agency
    report.suggested_agency = None
    sla.deadline_meet(report=report, kind=DeadlineKind.VERIFICATION)
    sla.deadline_start(report=report, kind=DeadlineKind.RESPONSE, agency=agency, actor=actor)
    sla.deadline_start(report=report, kind=DeadlineKind.COMPLETION, agency=agency, actor=actor)
    event = _move(
        report,
        target,
        actor=actor,
        action=EventAction.DISPOSED,
        fields=tuple(changed),
        note=" ".join(filter(None, [note.strip(), flags_note])),
        target_agency=agency,
        ip_address=ip_address,
    )
    _tag_implied_programmes(report, actor=actor, ip_address=ip_address)
    listeners.tell_reporter(report=report, event=event)
    listeners.tell_agency(report=report, event=event, agency=agency, kind="disposition_received")
    return report


def _tag_implied_programmes(report: Report, *, actor: User, ip_address: str | None) -> None:
    """Tag the report with the programmes its (final) category implies, on disposition:
    added to what the desk tagged, never removed, written down as the desk's own event."""
    implied = list(
        programmes_implied_by(category_id=report.category_id).exclude(report_tags__report=report)
    )
    if not implied:
        return
    ReportProgramme.objects.bulk_create(
        [ReportProgramme(report=report, programme=p, tagged_by=actor) for p in implied]
    )
    _programmes_event(
        report,
        actor=actor,
        note=_("Priority programmes from the category: %(names)s")
        % {"names": ", ".join(p.name for p in implied)},
        ip_address=ip_address,
    )


def _programmes_event(report: Report, *, actor: User, note: str, ip_address: str | None) -> None:
    # Not public: a classification between the desk and the overseers, like the privacy.
    _event(
        report,
        actor=actor,
        action=EventAction.PROGRAMMES_SET,
        from_status=report.status,
        note=note,
        is_public=False,
        ip_address=ip_address,
    )


@transaction.atomic
def report_set_programmes(
    *,
    report: Report,
    actor: User,
    programme_ids: list[int],
    ip_address: str | None = None,
) -> Report:
    """Tag the report with exactly these national priority programmes (the KSP oversees
    the reports tagged with one). A programme switched off may stay on a report that has
    it, never be added. The event names what was added and removed."""
    report, _target = _begin(report, actor=actor, action=Action.SET_PROGRAMMES)
    tags = {t.programme_id: t for t in report.programme_tags.select_related("programme")}
    wanted_ids = set(programme_ids)
    wanted = {
        p.pk: p
        for p in Programme.objects.filter(pk__in=wanted_ids).exclude(
            Q(is_active=False) & ~Q(pk__in=list(tags))
        )
    }
    if set(wanted) != wanted_ids:
        raise ValidationFailed(
            field_errors={"programme_ids": [_("Choose active programmes from the list.")]}
        )
    added = [p for pk, p in sorted(wanted.items()) if pk not in tags]
    removed = [t for pk, t in tags.items() if pk not in wanted]
    if not added and not removed:
        return report
    ReportProgramme.objects.filter(pk__in=[t.pk for t in removed]).delete()
    ReportProgramme.objects.bulk_create(
        [ReportProgramme(report=report, programme=p, tagged_by=actor) for p in added]
    )
    notes = []
    if added:
        notes.append(
            _("Priority programmes added: %(names)s") % {"names": ", ".join(p.name for p in added)}
        )
    if removed:
        notes.append(
            _("Priority programmes removed: %(names)s")
            % {"names": ", ".join(t.programme.name for t in removed)}
        )
    _programmes_event(report, actor=actor, note="; ".join(notes), ip_address=ip_address)
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
    sla.deadline_cancel(report=report, kinds=[DeadlineKind.VERIFICATION])
    event = _move(
        report, target, actor=actor, action=EventAction.HELD, note=question, ip_address=ip_address
    )
    listeners.tell_reporter(report=report, event=event)
    return report


@transaction.atomic
def report_archive(
    *, report: Report, actor: User, reason: str, ip_address: str | None = None
) -> Report:
    report, target = _begin(report, actor=actor, action=Action.ARCHIVE)
    reason = _text(reason, field="reason", minimum=10)
    report.closed_at = timezone.now()
    sla.deadline_cancel(report=report)
    event = _move(
        report,
        target,
        actor=actor,
        action=EventAction.ARCHIVED,
        fields=("closed_at",),
        note=reason,
        ip_address=ip_address,
    )
    listeners.tell_reporter(report=report, event=event)
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
    report.merged_into = survivor
    report.closed_at = timezone.now()
    sla.deadline_cancel(report=report)
    text = _("Duplicate of %(id)s.") % {"id": survivor.tracking_id}
    event = _move(
        report,
        target,
        actor=actor,
        action=EventAction.MERGED,
        fields=("merged_into", "closed_at"),
        note=" ".join(filter(None, [text, note.strip()])),
        ip_address=ip_address,
    )
    followers = {report.reporter_id, *report.followers.values_list("user_id", flat=True)}
    followers.discard(survivor.reporter_id)
    ReportFollower.objects.bulk_create(
        [ReportFollower(report=survivor, user_id=user_id) for user_id in followers],
        ignore_conflicts=True,
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
    listeners.tell_reporter(report=report, event=event, kind="report_merged")
    return report
