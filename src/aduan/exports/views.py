"""Downloads of the staff lists (``/staf/ekspor/``): the inbox and the national queue, as
filtered by the same query string as the list page, in CSV or XLSX.

The rows come from the list pages' own readers (``web.staff_views.inbox_list`` and
``queue_list``), so the access rules are theirs: a visitor is sent to sign in, a citizen
gets 403, the queue is the desk's and oversight's only.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from aduan.core.errors import RateLimited
from aduan.web.staff_views import inbox_list, queue_list, staff_required

from .responses import ExportFormat, export_response

# The list's name in the file's name and the log line, its reader and its page.
LISTS: dict[str, tuple[str, Callable, str]] = {
    "inbox": ("kotak-masuk", inbox_list, "web:staff_inbox"),
    "queue": ("antrean", queue_list, "web:staff_queue"),
}


def _export(request: HttpRequest, *, list_key: str, fmt: str) -> HttpResponse:
    try:
        export_format = ExportFormat(fmt)
    except ValueError:
        raise Http404 from None
    name, read, back = LISTS[list_key]
    form, queryset = read(request)
    try:
        return export_response(
            request,
            user=request.user,
            queryset=queryset,
            name=name,
            fmt=export_format,
            filters=form.filters(),
        )
    except RateLimited as exc:
        context = {"message": exc.message, "back": reverse(back)}
        return render(request, "exports/rate_limited.html", context, status=429)


@never_cache
@staff_required
@require_GET
def inbox_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, list_key="inbox", fmt=fmt)


@never_cache
@staff_required
@require_GET
def queue_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, list_key="queue", fmt=fmt)
