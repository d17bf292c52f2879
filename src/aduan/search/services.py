"""Writes of the search index: one report's row (on every save that may change its
text) and the whole index in batches (``manage.py search_reindex``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation

from aduan.reports.models import Report
from aduan.reports.selectors import report_public_text

from .models import SearchEntry
from .text import index_text

TEXT_FIELDS = frozenset({"title", "body", "public_title", "public_body"})
_COLUMNS = ["title", "body", "original_title", "original_body"]


def search_entry_for(report: Report) -> SearchEntry:
    """The index row of ``report``, as it reads now."""
    # Masks are written in the site's language, whoever's request saved the report.
    with translation.override(settings.LANGUAGE_CODE):
        public = report_public_text(report)
    original = ("", "")
    if public != (report.title, report.body):
        original = (index_text(report.title), index_text(report.body))
    return SearchEntry(
        report_id=report.pk,
        title=index_text(public[0]),
        body=index_text(public[1]),
        original_title=original[0],
        original_body=original[1],
    )


def search_entries_write(reports: Iterable[Report]) -> int:
    """Insert or replace the index rows of ``reports``; how many were written."""
    entries = [search_entry_for(report) for report in reports]
    SearchEntry.objects.bulk_create(
        entries, update_conflicts=True, unique_fields=["report"], update_fields=_COLUMNS
    )
    return len(entries)


def report_saved(sender, instance: Report, raw: bool = False, update_fields=None, **kwargs) -> None:
    """``post_save`` of a report: rewrite its row unless the save left its text alone."""
    if raw or (update_fields is not None and not TEXT_FIELDS & set(update_fields)):
        return
    search_entries_write([instance])
