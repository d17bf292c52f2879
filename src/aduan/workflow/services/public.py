"""What citizens do with other people's public reports: support ("dukung") one, take the
support back, follow its updates or stop following.

None of these changes the report itself, so none appends an event: the timeline and its
hash chain record what happened *to the report* (its handling), and a popular report
would otherwise drown its handling in thousands of "supported" lines that also tell who
supports it. Each support is its own dated row (``ReportSupport``); the count on the
report moves with it, by an ``F()`` update in the same transaction, so it stays exact
under concurrent clicks without locking the report against its handlers. The read side
hears of it through ``listeners_touch`` (the daily "supports received").
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from aduan.accounts.capabilities import may_support_reports
from aduan.accounts.models import User
from aduan.core.errors import NotFound, PermissionDenied
from aduan.reports.models import Report, ReportFollower, ReportSupport
from aduan.reports.selectors import report_is_public, report_visible

from .. import listeners


def _support_check(*, report: Report, actor: User) -> None:
    """A citizen, a report they may see (else "not found", like a missing one), public,
    and not their own."""
    if not may_support_reports(actor):
        raise PermissionDenied(_("Only citizens can support reports."))
    if not report_visible(user=actor, report=report):
        raise NotFound
    if report.reporter_id == actor.pk:
        raise PermissionDenied(
            _("This is your own report: you follow it already and cannot support it.")
        )
    if not report_is_public(report):
        raise NotFound


def _count(report: Report) -> int:
    count = Report.objects.filter(pk=report.pk).values_list("support_count", flat=True).get()
    report.support_count = count
    return count


@transaction.atomic
def report_support(*, report: Report, actor: User) -> int:
    """``actor`` supports ``report`` and follows its updates from now on. Supporting twice
    is the same as once (a double click, a retried request): idempotent, not an error.
    Returns the number of supporters."""
    _support_check(report=report, actor=actor)
    # get_or_create re-reads after a concurrent insert hits the unique constraint.
    _support, created = ReportSupport.objects.get_or_create(report=report, user=actor)
    if created:
        Report.objects.filter(pk=report.pk).update(support_count=F("support_count") + 1)
        ReportFollower.objects.get_or_create(report=report, user=actor)
        listeners.listeners_touch(report=report)
    return _count(report)


@transaction.atomic
def report_unsupport(*, report: Report, actor: User) -> int:
    """``actor`` takes their support back; taking back a support they never gave changes
    nothing. Following stays as it is: it is its own choice (``report_unfollow``).
    Returns the number of supporters."""
    _support_check(report=report, actor=actor)
    deleted, _rows = ReportSupport.objects.filter(report=report, user=actor).delete()
    if deleted:
        Report.objects.filter(pk=report.pk).update(support_count=F("support_count") - 1)
        listeners.listeners_touch(report=report)
    return _count(report)


@transaction.atomic
def report_follow(*, report: Report, actor: User) -> None:
    """``actor`` is told of the report's updates (as a supporter is); idempotent."""
    _support_check(report=report, actor=actor)
    ReportFollower.objects.get_or_create(report=report, user=actor)


@transaction.atomic
def report_unfollow(*, report: Report, actor: User) -> None:
    """``actor`` is no longer told of the report's updates, whether they followed it as a
    supporter or as the reporter of a merged duplicate; their support stays."""
    if not report_visible(user=actor, report=report):
        raise NotFound
    ReportFollower.objects.filter(report=report, user=actor).delete()
