"""Reads of reports. Every interface goes through the one visibility rule here.

The public sees verified reports sent to an agency that are not confidential; the owner,
the national admin, oversight, the KSP overseer (reports tagged with a priority programme)
and the handling agency see more. A report the caller may
not see is ``NotFound``, like one that does not exist. Who the reporter is, who reads a
note and which text a reader gets are separate questions. Details: docs/reports.md.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    prefetch_related_objects,
)
from django.utils.translation import gettext_lazy

from aduan.accounts.capabilities import (
    is_agency_staff,
    is_citizen_role,
    may_see_reporter_identity,
    may_support_reports,
    sees_all_reports,
    sees_programme_reports_only,
    staff_agency,
)
from aduan.accounts.models import Role, User, role_label
from aduan.agencies.models import Agency
from aduan.agencies.selectors import agency_subtree_ids
from aduan.core.errors import NotFound
from aduan.core.text import as_pk
from aduan.core.tracking import normalise_tracking_id
from aduan.regions.models import ANCESTORS

from .models import (
    VERIFIED_STATUSES,
    Attachment,
    AttachmentState,
    EventAction,
    Report,
    ReportEvent,
    ReportFollower,
    ReportSupport,
    Status,
)
from .pii import pii_mask

AnyUser = User | AnonymousUser | None


def _is_authenticated(user: AnyUser) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def public_reports_q() -> Q:
    """Verified by the national desk, with an agency, and not confidential."""
    return Q(confidential=False, status__in=sorted(VERIFIED_STATUSES))


def report_is_public(report: Report) -> bool:
    """``public_reports_q`` for one report already in memory."""
    return not report.confidential and report.status in VERIFIED_STATUSES


def programme_reports_q() -> Q:
    """Reports tagged with a national priority programme, in any status: the KSP
    overseer's scope. The tags are ``aduan.programmes``' rows (an app above this one),
    read through their reverse relation; a subquery, so a report with two tags is one row."""
    return Q(pk__in=Report.objects.filter(programme_tags__isnull=False).values("pk"))


def report_visibility_q(*, user: AnyUser) -> Q:
    """The filter that leaves exactly the reports ``user`` may see."""
    if not _is_authenticated(user):
        return public_reports_q()
    if sees_all_reports(user):
        return Q()
    visible = public_reports_q() | Q(reporter=user)
    if sees_programme_reports_only(user):
        return visible | programme_reports_q()
    handled = handled_reports_q(user=user)
    return visible | handled if handled is not None else visible


def handled_reports_q(*, user: AnyUser, subtree_as_ids: bool = False) -> Q | None:
    """The reports ``user`` works on as staff (the agency scope of every staff list and of
    ``report_visibility_q``): all of them for those who see all, their agency's and its
    units' for agency staff, the priority programmes' for the KSP overseer (who reads
    them in the inbox, never acts), ``None`` for anyone else. ``subtree_as_ids``: the subtree as a
    list of ids (one query more) rather than a join on the path, which lets the planner
    estimate a big agency's inbox (bench/README.md, the busiest inbox)."""
    if sees_all_reports(user):
        return Q()
    if sees_programme_reports_only(user):
        return programme_reports_q()
    agency = staff_agency(user)
    if agency is None:
        return None
    if subtree_as_ids:
        return Q(agency_id__in=list(agency_subtree_ids(agency)))
    return Q(agency__path__startswith=agency.path)


def agency_handles_report(*, agency: Agency, report: Report) -> bool:
    """Whether ``agency`` handles ``report`` now: it is the handling agency or above it.
    Also what an agency's own system (its webhooks) may be told about."""
    if not report.agency_id:
        return False
    # An empty path would be a prefix of every agency's: never widen access on bad data.
    return bool(agency.path) and report.agency.path.startswith(agency.path)


def user_handles_report(*, user: AnyUser, report: Report) -> bool:
    """Whether ``user`` works on ``report`` as staff: national admin, oversight, the KSP
    overseer for a report tagged with a priority programme, or staff of the handling agency
    or of an agency above it. Seeing a public report is not enough. (Overseers read as
    staff do; ``workflow.permissions`` gives them no capacity to act.)"""
    if not _is_authenticated(user):
        return False
    assert isinstance(user, User)
    if sees_all_reports(user):
        return True
    if sees_programme_reports_only(user):
        return report_is_programme_tagged(report)
    if not (is_agency_staff(user) and user.agency_id):
        return False
    if user.agency_id == report.agency_id:  # the common case, without loading either
        return True
    return agency_handles_report(agency=user.agency, report=report)


def report_visible(*, user: AnyUser, report: Report) -> bool:
    """``report_visibility_q`` for one report already in memory: whether ``user`` may open
    it (and so be told about it)."""
    if report_is_public(report):
        return True
    if not _is_authenticated(user):
        return False
    assert isinstance(user, User)
    return report.reporter_id == user.pk or user_handles_report(user=user, report=report)


def report_is_programme_tagged(report: Report) -> bool:
    """``programme_reports_q`` for one report (a query unless the tags are prefetched)."""
    return bool(report.pk) and report.programme_tags.exists()  # type: ignore[attr-defined]


def reads_original_text(*, user: AnyUser, report: Report) -> bool:
    """The reporter and those who handle the report read its text as written; everyone
    else reads ``report_public_text``."""
    if not _is_authenticated(user):
        return False
    assert isinstance(user, User)
    return report.reporter_id == user.pk or user_handles_report(user=user, report=report)


def report_public_text(report: Report) -> tuple[str, str]:
    """``(title, body)`` as the public reads them: the desk's redaction where there is one,
    and personal data the desk missed masked in any case (``reports.pii``)."""
    return (
        pii_mask(report.public_title or report.title),
        pii_mask(report.public_body or report.body),
    )


def report_text_for(*, user: AnyUser, report: Report) -> tuple[str, str]:
    """``(title, body)`` of ``report`` as ``user`` may read them (they may see the report).
    Most reports hold nothing to mask: then no question about ``user`` (no query) is asked."""
    public = report_public_text(report)
    if public == (report.title, report.body) or not reads_original_text(user=user, report=report):
        return public
    return report.title, report.body


def report_title_for(*, user: AnyUser, report: Report) -> str:
    """``report_text_for``'s title alone (a list's card): the body is not read for it."""
    public = pii_mask(report.public_title or report.title)
    if public == report.title or not reads_original_text(user=user, report=report):
        return public
    return report.title


def reports_visible_to(*, user: AnyUser) -> QuerySet[Report]:
    return Report.objects.filter(report_visibility_q(user=user))


class FeedSort(models.TextChoices):
    # With words: the best matches among the newest (``search.selectors``); without, newest.
    BEST_MATCH = "best_match", gettext_lazy("Best match")
    NEWEST = "newest", gettext_lazy("Newest")
    MOST_SUPPORTED = "most_supported", gettext_lazy("Most supported")
    OLDEST_UNANSWERED = "oldest_unanswered", gettext_lazy("Oldest unanswered")


# "Unanswered": verified and with the agency, no response yet (a reopened report is
# ``in_progress`` again: unanswered again). Served by the index ``report_public_unanswered``.
UNANSWERED_STATUSES = (Status.DISPOSITIONED, Status.IN_PROGRESS)
# "Answered": the agency's response stands (sent back or reopened, it is unanswered again).
ANSWERED_STATUSES = (Status.RESPONDED, Status.CLOSED)


def report_answered(report: Report) -> bool:
    return report.status in ANSWERED_STATUSES


def report_late(report: Report) -> bool:
    """Unanswered and past a deadline someone must act on (``is_overdue``, which the
    reporter's own time to reply never sets)."""
    return report.is_overdue and not report_answered(report)


FEED_ORDER = {
    FeedSort.BEST_MATCH: ("-created_at", "-id"),
    FeedSort.NEWEST: ("-created_at", "-id"),
    FeedSort.MOST_SUPPORTED: ("-support_count", "-created_at", "-id"),
    FeedSort.OLDEST_UNANSWERED: ("created_at", "id"),
}


@dataclass(frozen=True)
class FeedFilters:
    status: str | None = None
    agency_id: int | None = None
    region_code: str | None = None
    category_id: int | None = None
    classification: str | None = None
    mine: bool = False
    sort: str = FeedSort.NEWEST


def search_order(sort: str | None) -> str | None:
    """How ``search_reports`` orders the feed's words for ``sort`` (None: the default,
    best match): by rank, newest first, or the list's own order (support, unanswered)."""
    if sort in (None, "", FeedSort.BEST_MATCH):
        return "rank"
    return "newest" if sort == FeedSort.NEWEST else None


# Kemendagri's codes: two digits per level, four for the village (``32.73.01.1001``).
REGION_CODE_FORMAT = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?")


def region_q(code: str, field: str = "region__code") -> Q:
    """This region and every region inside it (codes nest by prefix: ``32`` ⊃ ``32.73``).

    A well-formed code is a plain prefix: each level has a fixed width, so only the region
    itself and those inside it start with it, and one index range answers (the ``OR`` of
    the code and its prefix with a dot made PostgreSQL scan the whole public feed to count
    a province, bench/README.md). ``region__code`` is the foreign key's own column (no
    join); Django refuses ``startswith`` on ``region_id`` itself."""
    if REGION_CODE_FORMAT.fullmatch(code):
        return Q(**{f"{field}__startswith": code})
    return Q(**{field: code}) | Q(**{f"{field}__startswith": code + "."})


def report_list(*, user: AnyUser, filters: FeedFilters | None = None) -> QuerySet[Report]:
    """The feed: what ``user`` may see, narrowed by ``filters``, in ``filters.sort``'s order
    (newest first by default), ready to render with ``supported_by_me``.

    ``agency_id`` includes the agency's units and ``region_code`` the regions inside it;
    words are searched by ``aduan.search.selectors.search_reports`` within this list.
    ``FeedSort.OLDEST_UNANSWERED`` keeps only reports still waiting for a response.
    """
    filters = filters or FeedFilters()
    if filters.mine:
        if not _is_authenticated(user):
            return Report.objects.none()
        qs = Report.objects.filter(reporter=user)
    else:
        # The feed is the public one for everyone, staff included: they have their inboxes.
        qs = Report.objects.filter(public_reports_q())
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.agency_id:
        agency_pk = as_pk(filters.agency_id)
        agency_path = (
            Agency.objects.filter(pk=agency_pk).values_list("path", flat=True).first()
            if agency_pk is not None
            else None
        )
        if not agency_path:
            return Report.objects.none()
        qs = qs.filter(agency__path__startswith=agency_path)
    if filters.region_code and filters.region_code.strip():
        qs = qs.filter(region_q(filters.region_code.strip()))
    if filters.category_id:
        category_pk = as_pk(filters.category_id)
        if category_pk is None:
            return Report.objects.none()
        qs = qs.filter(category_id=category_pk)
    if filters.classification:
        qs = qs.filter(classification=filters.classification)
    sort = filters.sort if filters.sort in FEED_ORDER else FeedSort.NEWEST
    if sort == FeedSort.OLDEST_UNANSWERED:
        qs = qs.filter(status__in=UNANSWERED_STATUSES)
    qs = with_support_state(qs, user=user)
    return qs.select_related(
        "agency", "requested_agency", "category", f"region__{ANCESTORS}", "reporter"
    ).order_by(*FEED_ORDER[sort])


def with_support_state(qs: QuerySet[Report], *, user: AnyUser) -> QuerySet[Report]:
    """``qs`` with ``supported_by_me`` (whether ``user`` supports each report) in the same
    query: a list shows it without a query per report. Only citizens may support; for
    anyone else it is ``False`` without a subquery."""
    if not may_support_reports(user):
        return qs.annotate(supported_by_me=Value(False))
    return qs.annotate(
        supported_by_me=Exists(ReportSupport.objects.filter(report=OuterRef("pk"), user=user))
    )


def report_supported_by(*, user: AnyUser, report: Report) -> bool:
    """Whether ``user`` supports ``report``: the annotation of ``with_support_state`` when
    the report was read with it, else one query."""
    annotated = getattr(report, "supported_by_me", None)
    if annotated is not None:
        return bool(annotated)
    if not may_support_reports(user):
        return False
    return ReportSupport.objects.filter(report=report, user=user).exists()


def report_followed_by(*, user: AnyUser, report: Report) -> bool:
    """Whether ``user`` is told of ``report``'s updates as a follower (the reporter always is)."""
    if not _is_authenticated(user):
        return False
    return ReportFollower.objects.filter(report=report, user=user).exists()


REPORT_RELATED = ("agency", "requested_agency", "category", f"region__{ANCESTORS}", "reporter")


def report_get_for_user(
    *, user: AnyUser, tracking_id: str, related: tuple[str, ...] = REPORT_RELATED
) -> Report:
    """The report if ``user`` may see it; ``NotFound`` whether it is missing or forbidden.

    Read by its tracking id alone, then ``report_visible`` (the same rule as
    ``report_visibility_q``) decides: with the rule's OR in the query, PostgreSQL spent
    20-40 ms planning a one-row lookup against the table's many indexes (bench/README.md,
    "API reads"). ``related``: what to join (fewer tables plan faster too); the rest is
    read when used. The timeline and files are read only once the report may be seen."""
    normalised = normalise_tracking_id(tracking_id)
    if normalised is None:
        raise NotFound
    report = (
        with_support_state(Report.objects.all(), user=user)
        .select_related(*related)
        .filter(tracking_id=normalised)
        .first()
    )
    if report is None or not report_visible(user=user, report=report):
        raise NotFound
    prefetch_related_objects(
        [report],
        Prefetch(
            "events",
            queryset=ReportEvent.objects.select_related("actor_agency", "target_agency").order_by(
                "created_at", "id"
            ),
        ),
        "attachments",
    )
    return report


class ReporterVisibility(enum.IntEnum):
    NONE = 0  # "Anonymous": not even the name
    NAME = 1  # the name only: never e-mail, phone or NIK
    FULL = 2  # name and contact details


def reporter_visibility(*, user: AnyUser, report: Report) -> ReporterVisibility:
    """How much of the reporter's identity ``user`` may see on ``report``."""
    if may_see_reporter_identity(user, report):
        return ReporterVisibility.FULL
    if report.anonymous:
        return ReporterVisibility.NONE
    return ReporterVisibility.NAME


def reporter_public_name(report: Report) -> str | None:
    """The reporter's name as anyone may read it on a public list: ``None`` when the report
    is anonymous (``reporter_visibility`` for a visitor)."""
    if reporter_visibility(user=None, report=report) >= ReporterVisibility.NAME:
        return report.reporter.full_name
    return None


class NoteAudience(enum.Enum):
    PUBLIC = "public"  # whoever may see the report: the reporter-facing texts
    STAFF = "staff"  # the desks that handle the report, never the reporter or the public


# Who may read the ``note`` of each kind of event. The public texts are those written to
# the reporter (a hold question, an archive reason, an extension's reason, the agency's
# response) or by them (comments, answers, reopening); the rest are notes between desks.
# An action missing here is STAFF; an event written with ``is_public=False`` is STAFF as
# a whole (its line too, not only its note).
NOTE_AUDIENCE: dict[str, NoteAudience] = {
    **dict.fromkeys(
        (
            EventAction.SUBMITTED,
            EventAction.ATTACHMENT_ADDED,
            EventAction.HELD,
            EventAction.ARCHIVED,
            EventAction.MERGED,
            EventAction.ACCEPTED,
            EventAction.EXTENDED,
            EventAction.RESPONDED,
            EventAction.COMMENTED,
            EventAction.ANSWERED,
            EventAction.CLOSED,
            EventAction.RATED,
            EventAction.REOPENED,
            EventAction.AUTO_CLOSED,
        ),
        NoteAudience.PUBLIC,
    ),
    **dict.fromkeys(
        (
            EventAction.DISPOSED,  # "Catatan untuk instansi"
            EventAction.FORWARDED,  # to a unit, or another agency suggested to the desk
            EventAction.RETURNED,  # "not our authority": the agency to the desk
            EventAction.NOTE,
            EventAction.FLAGS_SET,
            EventAction.MERGED_FROM,
            EventAction.OVERDUE,
            EventAction.ESCALATED,
            EventAction.REPORTER_LINKED,
            EventAction.REDACTED,  # the public version as the desk wrote it
            EventAction.PROGRAMMES_SET,  # the desk's classification, for the overseers
        ),
        NoteAudience.STAFF,
    ),
}


def event_note_audience(event: ReportEvent) -> NoteAudience:
    if not event.is_public:
        return NoteAudience.STAFF
    return NOTE_AUDIENCE.get(event.action, NoteAudience.STAFF)


def event_note_readable(*, event: ReportEvent, handler: bool) -> str:
    """The event's note for a reader who handles the report (``handler``: the desks,
    oversight, the handling agency and its systems) or who does not (the reporter, a
    follower, the public); '' when that reader may not read it."""
    if handler or event_note_audience(event) is NoteAudience.PUBLIC:
        return event.note
    return ""


def event_note_for(*, user: AnyUser, report: Report, event: ReportEvent) -> str:
    """``event_note_readable`` for ``user``, masked (``reports.pii``) unless they read the
    original text; asks about ``user`` only when the answer matters (a desk note, a note
    holding personal data), so that a notification to many costs no query."""
    if not event.note:
        return ""
    if event_note_audience(event) is NoteAudience.PUBLIC:
        note = event.note
    else:
        note = event_note_readable(
            event=event, handler=user_handles_report(user=user, report=report)
        )
    return text_masked_for(user=user, report=report, text=note)


def text_masked_for(*, user: AnyUser, report: Report, text: str) -> str:
    """``text`` about ``report`` (a note, a response) with personal data masked unless
    ``user`` reads the original (``reads_original_text``); no query when nothing to mask."""
    masked = pii_mask(text) if text else text
    if masked != text and not reads_original_text(user=user, report=report):
        return masked
    return text


def event_by_reporter(*, event: ReportEvent, report: Report) -> bool:
    """Whether the reporter took this event's action. Every surface shows such an event as
    the reporter's, whatever their account's role or agency, so that an anonymous reporter
    who is also staff somewhere is not recognisable in the timeline."""
    return event.actor_id is not None and event.actor_id == report.reporter_id


@dataclass(frozen=True)
class EventActor:
    """Who acted, as every surface names it: a role (a ``Role`` value, or ``"system"``)
    and, for staff, their agency; never a person. ``as_citizen``: shown as the reporter."""

    role: str
    agency: Agency | None
    is_system: bool = False
    as_citizen: bool = False

    @property
    def role_label(self) -> str | None:
        return role_label(self.role)


def event_actor(*, event: ReportEvent, report: Report | None = None) -> EventActor:
    """The reporter's own actions are a citizen's, whatever their account's role (an
    anonymous reporter who is staff elsewhere stays unrecognisable); an event without a
    role is the system's."""
    if report is not None and event_by_reporter(event=event, report=report):
        return EventActor(role=str(Role.CITIZEN), agency=None, as_citizen=True)
    if not event.actor_role:
        return EventActor(role="system", agency=None, is_system=True)
    if is_citizen_role(event.actor_role):
        return EventActor(role=event.actor_role, agency=None, as_citizen=True)
    return EventActor(role=event.actor_role, agency=event.actor_agency)


def event_list_for_user(*, user: AnyUser, report: Report) -> list[ReportEvent]:
    """The timeline as ``user`` may read it: internal events and notes only for staff who
    handle it (not for staff of another agency reading a public report, nor for the
    reporter). Each event carries ``readable_note`` (what of its note ``user`` may read,
    personal data masked unless they read the original text)
    and ``note_internal`` (that text is for the desks only)."""
    handler = user_handles_report(user=user, report=report)
    original = handler or reads_original_text(user=user, report=report)
    events = list(report.events.all())
    if not handler:
        events = [event for event in events if event.is_public]
    for event in events:
        event.readable_note = event_note_readable(event=event, handler=handler)
        if event.readable_note and not original:
            # An agency's response may quote the reporter's number: masked for the public.
            event.readable_note = pii_mask(event.readable_note)
        event.note_internal = bool(event.readable_note) and (
            event_note_audience(event) is NoteAudience.STAFF
        )
    return events


def attachment_get_for_user(*, user: AnyUser, tracking_id: str, attachment_id: int) -> Attachment:
    """An attachment of a report ``user`` may see; ``NotFound`` otherwise (the same for a
    missing report, a forbidden one and an attachment of another report)."""
    normalised = normalise_tracking_id(tracking_id)
    pk = as_pk(attachment_id)
    if normalised is None or pk is None:
        raise NotFound
    attachment = (
        Attachment.objects.filter(
            pk=pk,
            report__tracking_id=normalised,
            report__in=reports_visible_to(user=user).values("pk"),
        )
        .select_related("report")
        .first()
    )
    if attachment is None:
        raise NotFound
    return attachment


def response_latest(events: list[ReportEvent]) -> ReportEvent | None:
    """The agency's latest response among ``events`` as ``event_list_for_user`` gave them
    (so one the reader may read), or None: what the report page shows first."""
    for event in reversed(events):
        if event.action == EventAction.RESPONDED and getattr(event, "readable_note", ""):
            return event
    return None


def attachments_public_q() -> Q:
    """The files anyone who may see the report may open: the report's own, and those of an
    event written to the reporter and the public (a response, a comment). A file of a note
    between desks is, like the note, for those who handle the report (``NOTE_AUDIENCE``)."""
    public = sorted(a for a, audience in NOTE_AUDIENCE.items() if audience is NoteAudience.PUBLIC)
    return Q(event__isnull=True) | Q(event__is_public=True, event__action__in=public)


def attachment_readable(*, user: AnyUser, report: Report, attachment: Attachment) -> bool:
    """``attachments_public_q`` for one file of ``report``, which ``user`` may see: the
    files of desk notes only for those who handle it (reads the event if not loaded)."""
    if attachment.event_id is None:
        return True
    if event_note_audience(attachment.event) is NoteAudience.PUBLIC:
        return True
    return user_handles_report(user=user, report=report)


def attachments_unready_for_uploader(*, user: AnyUser, report: Report) -> list[Attachment]:
    """The files ``user`` sent to ``report`` that are not shown yet (an image being
    re-encoded) or were refused (with why): only their uploader is told of them."""
    if not user.is_authenticated:
        return []
    return list(
        Attachment.every.filter(report=report, uploaded_by=user)
        .exclude(state=AttachmentState.READY)
        .only("id", "original_name", "state", "refusal")
        .order_by("id")
    )
