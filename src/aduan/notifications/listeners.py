"""The outbox listens to the workflow: who is told about a report event.

Registered from ``NotificationsConfig.ready()``; runs inside the workflow's transaction.

- The reporter and the report's followers: every status change, response and staff
  comment (never their own actions). A follower (the reporter of a duplicate merged into
  it) is told only while they may open the report themselves: nothing of a confidential
  or not yet verified report reaches them.
- Agency staff: a new disposition, a reporter's comment or answer, a reopened report —
  the handling agency's admins, and the unit's officers when it sits with a unit.
- The sweep's deadline notices go to the people it chose.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from aduan.accounts.capabilities import agency_admins_q, unit_officers_q
from aduan.accounts.models import User
from aduan.agencies.models import Agency
from aduan.reports.models import Report, ReportEvent
from aduan.reports.selectors import report_visible
from aduan.workflow.listeners import Audience, ReportListener, ReportNews

from .services import NotifyCall, deliveries_grouped, notify, notify_many, wanted_cached


def _send(*, recipients, kind: str, report: Report, event: ReportEvent) -> None:
    people = [user for user in recipients if user.is_active and user.pk != event.actor_id]
    if people:
        notify(
            recipients=people,
            kind=kind,
            report=report,
            event=event,
            context={},
            key=f"event:{event.pk}:{kind}",
        )


def reporter(*, report: Report, event: ReportEvent, kind: str = "status_changed") -> None:
    followers = [
        user
        for user in User.objects.filter(pk__in=report.followers.values("user_id")).select_related(
            "agency"
        )
        if report_visible(user=user, report=report)
    ]
    _send(recipients=[report.reporter, *followers], kind=kind, report=report, event=event)


def agency_staff(*, report: Report, event: ReportEvent, agency: Agency, kind: str) -> None:
    """The admins of ``agency`` and of the agency above a unit, and the unit's officers."""
    agency_ids = [agency.pk]
    if agency.parent_id:
        agency_ids.append(agency.parent_id)
    staff = (
        User.objects.people()
        .filter(agency_admins_q(agency_ids) | unit_officers_q([agency.pk]))
        .distinct()
    )
    _send(recipients=list(staff), kind=kind, report=report, event=event)


class NotificationsListener(ReportListener):
    name = "notifications"

    def hear(self, news: ReportNews) -> None:
        if news.audience == Audience.REPORTER:
            reporter(report=news.report, event=news.event, kind=news.kind)
        elif news.audience == Audience.AGENCY:
            agency_staff(report=news.report, event=news.event, agency=news.agency, kind=news.kind)
        else:
            notify(
                recipients=news.recipients,
                kind=news.kind,
                report=news.report,
                event=news.event,
                context=news.context,
                key=news.key,
            )

    def hear_all(self, news: Sequence[ReportNews]) -> None:
        """The sweep's notices (PEOPLE) of a whole batch in one ``notify_many``."""
        chosen = [one for one in news if one.audience == Audience.PEOPLE]
        for one in news:
            if one.audience != Audience.PEOPLE:
                self.hear(one)
        notify_many(
            [
                NotifyCall(
                    recipients=one.recipients,
                    kind=one.kind,
                    report=one.report,
                    event=one.event,
                    context=one.context,
                    key=one.key,
                )
                for one in chosen
            ]
        )

    @contextlib.contextmanager
    def batch(self):
        # The sweep tells the same staff about many reports: their channels and choices
        # once, and one delivery task per group of rows rather than one per row.
        with wanted_cached(), deliveries_grouped():
            yield
