"""Downloads of the staff lists (``/staf/ekspor/``): the inbox and the national queue, as
filtered by the same query string as the list page, in CSV or XLSX.

The rows come from the list pages' own readers (``web.staff_views.inbox_list`` and
``queue_list``), so the access rules are theirs: a visitor is sent to sign in, a citizen
gets 403, the queue is the desk's and oversight's only. A list longer than
``ADUAN_EXPORT_STREAM_MAX_ROWS`` (or any, with ``?background=1``) is built by the task
queue instead: the request is answered with the job's page, which only its owner sees.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from aduan.core.errors import NotFound, RateLimited
from aduan.core.ratelimit import retry_after_value
from aduan.web.staff_views import inbox_list, queue_list, staff_required

from .models import ExportJob, ExportJobStatus, ExportList
from .responses import ExportFormat, export_check_rate, export_job_file_response, export_response
from .selectors import (
    LIST_NAMES,
    export_in_background,
    export_job_get_for_user,
    export_jobs_for_user,
)
from .services import export_job_create

# Each list's reader and its page.
LISTS: dict[str, tuple[Callable, str]] = {
    ExportList.INBOX: (inbox_list, "web:staff_inbox"),
    ExportList.QUEUE: (queue_list, "web:staff_queue"),
}
JOBS_LISTED = 50


def _export(request: HttpRequest, *, list_key: str, fmt: str) -> HttpResponse:
    try:
        export_format = ExportFormat(fmt)
    except ValueError:
        raise Http404 from None
    read, back = LISTS[list_key]
    form, queryset = read(request)
    filters = form.filters()
    try:
        if request.GET.get("background") == "1" or export_in_background(queryset):
            export_check_rate(request, user=request.user)
            job = export_job_create(
                owner=request.user,
                list_key=list_key,
                filters=filters,
                fmt=export_format,
                language=get_language(),
            )
            return redirect("exports:job", job.pk)
        return export_response(
            request,
            user=request.user,
            queryset=queryset,
            name=LIST_NAMES[ExportList(list_key)],
            fmt=export_format,
            filters=filters,
        )
    except RateLimited as exc:
        context = {"message": exc.message, "back": reverse(back)}
        response = render(request, "exports/rate_limited.html", context, status=429)
        response["Retry-After"] = retry_after_value(exc.retry_after)
        return response


@never_cache
@staff_required
@require_GET
def inbox_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, list_key=ExportList.INBOX, fmt=fmt)


@never_cache
@staff_required
@require_GET
def queue_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, list_key=ExportList.QUEUE, fmt=fmt)


def _own_job(request: HttpRequest, job_id: str) -> ExportJob:
    try:
        return export_job_get_for_user(user=request.user, job_id=job_id)
    except NotFound:
        raise Http404 from None


@never_cache
@staff_required
@require_GET
def jobs(request: HttpRequest) -> HttpResponse:
    """The user's own background exports not yet expired."""
    listed = export_jobs_for_user(user=request.user)[:JOBS_LISTED]
    return render(request, "exports/jobs.html", {"jobs": listed})


@never_cache
@staff_required
@require_GET
def job(request: HttpRequest, job_id: str) -> HttpResponse:
    """One background export: its state, polled by htmx while it is being built (a
    refresh link without JavaScript), and its download once done."""
    found = _own_job(request, job_id)
    context = {"job": found, "list_name": ExportList(found.list).label}
    if request.htmx:
        return render(request, "exports/partials/job_status.html", context)
    return render(request, "exports/job.html", context)


@never_cache
@staff_required
@require_GET
def job_download(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's file, for its owner; before it is ready, its page."""
    found = _own_job(request, job_id)
    if found.status != ExportJobStatus.DONE:
        return redirect("exports:job", found.pk)
    return export_job_file_response(found)
