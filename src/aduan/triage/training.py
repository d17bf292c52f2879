"""Aduan's own history as training examples: each report the desk disposed is one.

Walking a report's dispositions and returns in order: the agency that kept it is its
label, each agency that returned it ("not our authority", or a re-routing back to the
desk) a negative. The category and programmes it ended with label those models; the
reporter's choice of kind labels the classification.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from aduan.programmes.models import ReportProgramme
from aduan.reports.models import EventAction, Report, ReportEvent, Status

from .features import agency_label, report_signals
from .router import Example

BATCH = 2_000
ROUTING_ACTIONS = (EventAction.DISPOSED, EventAction.RETURNED, EventAction.FORWARDED)


def _routes(report_ids: list[int]) -> dict[int, tuple[int | None, list[int]]]:
    """Per report: the agency that holds the last disposition (None if it came back) and
    the agencies that sent it back, from the events in the order they were written."""
    routes: dict[int, tuple[int | None, list[int]]] = {}
    events = (
        ReportEvent.objects.filter(report_id__in=report_ids, action__in=ROUTING_ACTIONS)
        .order_by("report_id", "id")
        .values_list("report_id", "action", "to_status", "target_agency_id")
    )
    for report_id, action, to_status, target in events:
        holder, returned = routes.get(report_id, (None, []))
        if action == EventAction.DISPOSED:
            holder = target
        elif to_status == Status.RETURNED and holder is not None:
            # A return, or a forward to another agency through the desk: not the holder's.
            returned.append(holder)
            holder = None
        routes[report_id] = (holder, returned)
    return routes


def history_examples(*, limit: int) -> Iterator[Example]:
    """The newest ``limit`` disposed reports as examples (merged and withdrawn ones too:
    where a text belongs does not change with what became of it)."""
    ids = list(
        Report.objects.filter(disposed_agency__isnull=False)
        .order_by("-id")
        .values_list("id", flat=True)[:limit]
    )
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        routes = _routes(chunk)
        programmes: dict[int, str] = defaultdict(str)
        for report_id, programme_id in (
            ReportProgramme.objects.filter(report_id__in=chunk)
            .order_by("report_id", "programme__ordering", "programme_id")
            .values_list("report_id", "programme_id")
        ):
            programmes.setdefault(report_id, str(programme_id))
        reports = Report.objects.filter(pk__in=chunk).only(
            "title",
            "body",
            "classification",
            "category_id",
            "channel",
            "region_id",
            "requested_agency_id",
        )
        for report in reports:
            holder, returned = routes.get(report.pk, (None, []))
            yield Example(
                title=report.title,
                body=report.body,
                agency=agency_label(holder) if holder else None,
                classification=report.classification or None,
                signals=report_signals(report),
                not_agencies=tuple(agency_label(a) for a in returned if a != holder),
                category=str(report.category_id) if report.category_id else None,
                programme=programmes[report.pk],
            )
