"""Page-number pagination for list endpoints.

``?page=2&page_size=50`` (page from 1, page_size 1-100, default ``ADUAN_PAGE_SIZE``); the
answer carries ``count`` (all matching items, up to ``ADUAN_COUNT_CAP``; then
``count_is_capped`` is true and deeper pages need narrower filters), ``page``, ``page_size``, ``pages`` and
the ``next``/``previous`` URLs (null at either end). A page past the end is empty.
Page numbers were chosen over cursors: the feed is ordered by submission time, a
"page 3 of 40" is what the web shows, and the capped count is one bounded index scan.
A page past the first is read in two steps: the ids of its rows (``OFFSET`` over the
narrow index, no joins), then those rows, so a deep page costs what page 1 costs plus a
scan of the index entries before it (bench/README.md, "API reads").
"""

from __future__ import annotations

import json
import math
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

from aduan.core.pagination import capped_count, page_rows

MAX_PAGE_SIZE = 100

T = TypeVar("T")


class Page(Schema, Generic[T]):
    count: int
    count_is_capped: bool
    page: int
    page_size: int
    pages: int
    next: str | None
    previous: str | None
    results: list[T]


def default_page_size() -> int:
    return min(int(getattr(settings, "ADUAN_PAGE_SIZE", 20)), MAX_PAGE_SIZE)


def _page_url(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    page: int,
    page_size: int,
    cap: int | None = None,
) -> tuple[dict[str, Any], list]:
    """The page's metadata and its objects (evaluated, so prefetches run once); ``cap``
    instead of ``ADUAN_COUNT_CAP`` for a list that is cut shorter (a ranked search)."""
    count, capped = capped_count(queryset, cap=cap)
    pages = max(1, math.ceil(count / page_size))
    start = (page - 1) * page_size
    end = min(start + page_size, count)
    items = [] if start >= count else page_rows(queryset, start, end)
    meta = {
        "count": count,
        "count_is_capped": capped,
        "page": page,
        "page_size": page_size,
        "pages": pages,
        "next": _page_url(request, page + 1) if page < pages else None,
        "previous": _page_url(request, min(page - 1, pages)) if page > 1 else None,
    }
    return meta, items


def page_response(meta: dict[str, Any], results: list[dict[str, Any]]) -> HttpResponse:
    """The page as ninja renders it, without validating the answer against ``Page[...]``
    first: the list endpoints build plain dicts whose shape the tests check against the
    schema (``workflow/tests/test_api_lists.py``), and ninja's validation of 20 full
    reports cost as much CPU as building them. The endpoint keeps its ``response=`` for
    the OpenAPI document."""
    return HttpResponse(
        json.dumps({**meta, "results": results}, cls=NinjaJSONEncoder),
        content_type="application/json; charset=utf-8",
    )
