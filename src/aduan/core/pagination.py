"""Counting without scanning: list pages at millions of rows.

An exact ``COUNT(*)`` of a broad filter costs 100-300 ms at 1,000,000 reports on
PostgreSQL (bench/README.md) while the page itself costs under 10 ms. Lists therefore
count at most ``ADUAN_COUNT_CAP`` rows and say "10,000+" beyond that; the pages past the
cap are reached by narrowing the filters, which is what people do anyway.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


def capped_count(queryset: QuerySet, *, cap: int | None = None) -> tuple[int, bool]:
    """``(count, capped)``: the exact count up to ``cap``, else ``(cap, True)``."""
    cap = cap if cap is not None else settings.ADUAN_COUNT_CAP
    # COUNT over a LIMITed subquery stops reading the index after cap + 1 rows.
    found = queryset.order_by()[: cap + 1].count()
    return (cap, True) if found > cap else (found, False)


# How far past the page being read a web list counts its rows (``page_count_cap``).
PAGE_COUNT_AHEAD = 1_000


def page_count_cap(page: object, per_page: int) -> int:
    """The count cap of a web list's page ``page`` (the ``?page=`` value, anything): its
    rows and ``PAGE_COUNT_AHEAD`` more, never above ``ADUAN_COUNT_CAP``."""
    try:
        number = max(int(str(page)), 1)
    except ValueError:
        number = 1
    return min(number * per_page + PAGE_COUNT_AHEAD, settings.ADUAN_COUNT_CAP)


class CappedPaginator(Paginator):
    """Django's paginator with ``count`` capped; ``count_is_capped`` says when it was."""

    def __init__(self, *args, cap: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cap = cap
        self.count_is_capped = False

    @cached_property
    def count(self) -> int:
        count, self.count_is_capped = capped_count(self.object_list, cap=self.cap)
        return count

    def page(self, number: object) -> Page:
        """Django's page, its rows read by ``page_rows``."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if not isinstance(self.object_list, QuerySet):
            return self._get_page(self.object_list[bottom:top], number, self)
        return self._get_page(page_rows(self.object_list, bottom, top), number, self)


def _sorted_by_annotation(queryset: QuerySet) -> bool:
    """Whether ``queryset`` is ordered by a value computed per row (a search's rank),
    which no index gives in order: the database computes it for every row first."""
    names = {name.lstrip("-") for name in queryset.query.order_by if isinstance(name, str)}
    return bool(names & set(queryset.query.annotations))


def page_rows(queryset: QuerySet, start: int, end: int) -> list:
    """The rows ``start:end`` of ``queryset``. Past the first page, or in an order
    computed per row, in two steps: the ids of the page's rows (``OFFSET`` over the
    list's index alone, or the rank without the joins), then those rows, so that the joins
    are made for the page's rows only and not for every row before them or ranked."""
    if start == 0 and not _sorted_by_annotation(queryset):
        return list(queryset[:end])
    ids = list(queryset.values_list("pk", flat=True)[start:end])
    by_id = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
    return [by_id[pk] for pk in ids if pk in by_id]
