"""The search index: one row per report, the stems of what the public reads (the
desk's redaction, personal data masked) and, only where it differs, of the original.

The vendor's own index sits beside this table (migration 0002): on PostgreSQL stored
``tsvector`` columns with GIN indexes and a trigram index; on SQLite an FTS5 table kept
by triggers. Which rows a caller may see is decided on the report, at query time.
"""

from __future__ import annotations

from django.db import models


class SearchEntry(models.Model):
    report = models.OneToOneField(
        "reports.Report", on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    title = models.TextField(blank=True)  # stems of the public title
    body = models.TextField(blank=True)  # stems of the public text
    # Stems of the text as written, for its reporter and the desks: blank when it is the
    # public text (nothing redacted or masked).
    original_title = models.TextField(blank=True)
    original_body = models.TextField(blank=True)

    class Meta:
        db_table = "search_entry"

    def __str__(self) -> str:
        return f"{self.report_id} {self.title[:40]}"
