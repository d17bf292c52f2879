"""Reads of the exports: which list a user may export, whether it is long enough to be
built in the background, and the background jobs a user may see (only their own)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
import uuid

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from aduan.accounts.capabilities import is_staff_member, sees_all_reports
from aduan.accounts.models import User
from aduan.core.errors import NotFound, PermissionDenied
from aduan.core.pagination import capped_count
from aduan.reports.models import Report
from aduan.workflow.selectors import InboxFilters, inbox_for_user, national_queue

from .models import ExportJob, ExportList

# The list's name in the file's name, the sheet's and the log line.
LIST_NAMES = {ExportList.INBOX: "kotak-masuk", ExportList.QUEUE: "antrean"}
# InboxFilters' dates (every one of them, the as-of and event filters too), read back from ISO.
_DATES = {
    name
    for name, hint in typing.get_type_hints(InboxFilters).items()
    if dt.date in typing.get_args(hint)
}


def export_may_read_list(user: User, list_key: str) -> bool:
    """May ``user`` export ``list_key`` now: staff for the inbox, the desk and oversight
    for the queue (the lists' own selectors ask the same)."""
    if list_key == ExportList.QUEUE:
        return sees_all_reports(user)
    return is_staff_member(user)


def export_list_queryset(*, user: User, list_key: str, filters: InboxFilters) -> QuerySet[Report]:
    """The rows of ``list_key`` as ``user`` reads them with ``filters``;
    ``PermissionDenied`` if they may not (an account deactivated or moved since)."""
    if not export_may_read_list(user, list_key):
        raise PermissionDenied
    select = national_queue if list_key == ExportList.QUEUE else inbox_for_user
    return select(user=user, filters=filters)


def export_in_background(queryset: QuerySet[Report]) -> bool:
    """Does the list hold more rows than a web request may stream
    (``ADUAN_EXPORT_STREAM_MAX_ROWS``)? Counted no further than that."""
    _count, more = capped_count(queryset, cap=settings.ADUAN_EXPORT_STREAM_MAX_ROWS)
    return more


def filters_as_json(filters: InboxFilters) -> dict:
    """``filters`` as a job keeps them: the values given, dates in ISO form."""
    return {
        key: value.isoformat() if isinstance(value, dt.date) else value
        for key, value in dataclasses.asdict(filters).items()
        if value is not None
    }


def filters_from_json(data: dict) -> InboxFilters:
    known = {f.name for f in dataclasses.fields(InboxFilters)}
    values = {k: v for k, v in data.items() if k in known}
    for key in _DATES & values.keys():
        values[key] = dt.date.fromisoformat(values[key])
    return InboxFilters(**values)


def export_jobs_for_user(*, user: User) -> QuerySet[ExportJob]:
    """``user``'s own jobs not yet expired, newest first (of lists they may still export)."""
    lists = [key for key in ExportList.values if export_may_read_list(user, key)]
    return ExportJob.objects.filter(
        owner_id=user.pk, list__in=lists, expires_at__gt=timezone.now()
    ).order_by("-created_at")


def export_job_get_for_user(*, user: User, job_id: str | uuid.UUID) -> ExportJob:
    """One of ``user``'s own jobs; ``NotFound`` alike for a missing id, an expired job,
    another user's, and one of a list the user may no longer export."""
    try:
        key = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound from None
    job = export_jobs_for_user(user=user).filter(pk=key).first()
    if job is None:
        raise NotFound
    return job
