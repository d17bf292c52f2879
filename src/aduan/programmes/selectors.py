"""Reads of the priority programmes: the active list, what a category implies, a report's
tags (the visibility of reports tagged with them is ``reports.selectors``')."""

from __future__ import annotations

from django.db.models import QuerySet

from aduan.reports.models import Report

from .models import Programme, ReportProgramme


def programmes_active() -> QuerySet[Programme]:
    return Programme.objects.filter(is_active=True).order_by("ordering", "name")


def programmes_listed() -> QuerySet[Programme]:
    """Every programme, the active ones first: what a filter or a table offers (reports
    keep the tags of a programme switched off since)."""
    return Programme.objects.order_by("-is_active", "ordering", "name")


def programmes_implied_by(*, category_id: int | None) -> QuerySet[Programme]:
    """The active programmes a report in ``category_id`` is tagged with on disposition."""
    if category_id is None:
        return Programme.objects.none()
    return programmes_active().filter(categories=category_id)


def report_programmes(report: Report) -> list[Programme]:
    """The programmes ``report`` is tagged with, in display order; reads the prefetched
    tags when a list has them (``report_programme_tags``: no query per report)."""
    prefetched = getattr(report, "_prefetched_objects_cache", {})
    if "programme_tags" in prefetched:
        tags = report.programme_tags.all()  # type: ignore[attr-defined]
    else:
        tags = report_programme_tags().filter(report=report)
    programmes = [tag.programme for tag in tags]
    return sorted(programmes, key=lambda p: (p.ordering, p.name))


def report_programme_tags() -> QuerySet[ReportProgramme]:
    """For ``Prefetch("programme_tags", queryset=...)`` on lists of reports."""
    return ReportProgramme.objects.select_related("programme")
