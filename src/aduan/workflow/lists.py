"""A page of reports read in a few statements: the report rows joined to the tables every
row shows, then one query per other table for the whole page (``report_list_load``).

Shared by the API's lists and the site's (feed, "my reports", inbox, queue). The
selectors decide which reports; this module only reads what their rows show.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet

from aduan.accounts.models import User
from aduan.agencies.models import Agency
from aduan.programmes.models import ReportProgramme
from aduan.programmes.selectors import report_programme_tags
from aduan.regions.models import ANCESTORS, Region
from aduan.reports.models import Attachment, Rating, Report, ReportEvent
from aduan.reports.selectors import AnyUser, attachments_public_q, report_is_public
from aduan.sla.models import Deadline

# Joined to the report row; the requested agency and the reporter are read when shown.
DETAIL_RELATED = ("agency", "category", "region")

# What ``report_list_load`` may read: the API's answer (``workflow.api.report_out``)
# reads all but the regions' ancestors; a card or a work-list row reads a few.
EVENTS = "events"
ATTACHMENTS = "attachments"
DEADLINES = "deadlines"
PROGRAMME_TAGS = "programme_tags"
RATING = "rating"  # only of the reports ``user`` wrote
AGENCIES = "agencies"  # the requested agency, and the agencies of the events
REPORTERS = "reporters"
REGION_NAMES = "region_names"  # the region with its ancestors, for ``full_name``
THUMBNAILS = "thumbnails"  # a public card's picture: ``card_thumbnail``
API_PARTS = frozenset({EVENTS, ATTACHMENTS, DEADLINES, PROGRAMME_TAGS, RATING, AGENCIES, REPORTERS})


def prefetch_for_report_list(queryset, related: tuple[str, ...] = DETAIL_RELATED):
    """A list's queryset as ``report_list_load`` completes it: the report rows with
    ``related`` (by default their agency, category and region). The selectors' other
    joins (the region's ancestors, the requested agency, the reporter) are dropped:
    PostgreSQL spent longer planning a query of nine tables than reading the page
    (bench/README.md, "API reads")."""
    return queryset.select_related(None).select_related(*related)


def _rows_by_report(queryset) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in queryset:
        grouped.setdefault(row.report_id, []).append(row)
    return grouped


def _cache_related(report: Report, name: str, model, rows: list) -> None:
    # What prefetch_related leaves on each object, without the per-object filtered
    # queryset it builds first (a third of a page's CPU for five relations of 20 reports).
    cached = QuerySet(model)
    cached._result_cache = rows
    cached._prefetch_done = True
    report.__dict__.setdefault("_prefetched_objects_cache", {})[name] = cached


def _regions_load(reports: list[Report]) -> None:
    """Each report's region with its ancestors (``Region.full_name``), one query."""
    codes = {r.region_id for r in reports if r.region_id}
    if not codes:
        return
    regions = Region.objects.select_related(ANCESTORS).in_bulk(codes)
    for report in reports:
        if report.region_id:
            report.region = regions[report.region_id]


def _thumbnails_load(reports: list[Report]) -> None:
    """Each report's ``card_thumbnail``: the first file with a thumbnail that anyone may
    open (``attachments_public_q``) of a public report, else None; one query for the page.
    A confidential report shows none, not even to its reporter on their own list."""
    public = [report.pk for report in reports if report_is_public(report)]
    rows = (
        Attachment.objects.filter(attachments_public_q(), report_id__in=public)
        .exclude(thumbnail="")
        .order_by("created_at", "id")
        .only("id", "report_id", "thumbnail_width", "thumbnail_height")
        if public
        else []
    )
    first: dict[int, Attachment] = {}
    for row in rows:
        first.setdefault(row.report_id, row)
    for report in reports:
        report.card_thumbnail = first.get(report.pk)


def report_list_load(
    reports: list[Report], *, user: AnyUser, parts: Collection[str] = API_PARTS
) -> None:
    """What a page read by ``prefetch_for_report_list`` shows beyond its joins, one query
    per table for the whole page, set on each object as ``prefetch_related`` or
    ``select_related`` would have: of ``parts``, events, files, deadlines, programme
    tags, the agencies the page does not hold yet (requested, of the events), the
    reporters, the regions' ancestors and the cards' thumbnails. The rating (read only to offer the reporter
    "rate") only when ``user`` reported one."""
    if not reports:
        return
    ids = [report.pk for report in reports]

    def by_report(name: str, queryset) -> dict[int, list] | None:
        return _rows_by_report(queryset.filter(report_id__in=ids)) if name in parts else None

    events = by_report(EVENTS, ReportEvent.objects.order_by("created_at", "id"))
    attachments = by_report(ATTACHMENTS, Attachment.objects.order_by("created_at", "id"))
    deadlines = by_report(DEADLINES, Deadline.objects.all())
    tags = by_report(PROGRAMME_TAGS, report_programme_tags())
    own = set()
    if RATING in parts and user is not None:
        own = {r.pk for r in reports if r.reporter_id == user.pk}
    ratings = {r.report_id: r for r in Rating.objects.filter(report_id__in=own)} if own else {}
    all_events = [event for rows in (events or {}).values() for event in rows]
    if AGENCIES in parts:
        agencies = {r.agency_id: r.agency for r in reports if r.agency_id}
        wanted = {r.requested_agency_id for r in reports}
        wanted |= {e.actor_agency_id for e in all_events}
        wanted |= {e.target_agency_id for e in all_events}
        if missing := wanted - agencies.keys() - {None}:
            agencies.update(Agency.objects.in_bulk(missing))
        for event in all_events:
            event.actor_agency = agencies.get(event.actor_agency_id)
            event.target_agency = agencies.get(event.target_agency_id)
        for report in reports:
            report.requested_agency = agencies.get(report.requested_agency_id)
    if REPORTERS in parts:
        reporters = User.objects.in_bulk({r.reporter_id for r in reports})
        for report in reports:
            report.reporter = reporters[report.reporter_id]
    if REGION_NAMES in parts:
        _regions_load(reports)
    if THUMBNAILS in parts:
        _thumbnails_load(reports)
    related = (
        (EVENTS, ReportEvent, events),
        (ATTACHMENTS, Attachment, attachments),
        (DEADLINES, Deadline, deadlines),
        (PROGRAMME_TAGS, ReportProgramme, tags),
    )
    for report in reports:
        for name, model, rows in related:
            if rows is not None:
                _cache_related(report, name, model, rows.get(report.pk, []))
        if report.pk in own:
            Report.rating.related.set_cached_value(report, ratings.get(report.pk))
