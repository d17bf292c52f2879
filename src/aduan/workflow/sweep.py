"""The periodic sweep: what happens because time passed, not because someone acted.

Every minute it reminds of deadlines, marks the overdue ones and escalates them, closes
reports left unanswered, then runs the periodic jobs other apps register
(``core.periodic``). Due deadlines are handled a batch at a time, each batch in one
transaction that locks its reports (skipping those another sweeper holds) and claims its
deadlines under their row locks, so it is safe on several machines at once, and a batch
that fails leaves nothing behind for the next run to trip on. Detail: docs/workflow.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, OuterRef, When
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from aduan.accounts.capabilities import (
    agency_admins_q,
    national_desk_q,
    oversight_q,
    unit_officers_q,
)
from aduan.accounts.models import User
from aduan.agencies.models import Agency, AgencyKind
from aduan.core.periodic import periodic_run
from aduan.reports.audit import events_append_many
from aduan.reports.models import EventAction, Report, ReportEvent
from aduan.sla.models import Deadline, DeadlineKind, DeadlineState
from aduan.sla.policy import sla_days
from aduan.sla.selectors import deadlines_overdue, deadlines_to_remind_candidates
from aduan.sla.services import (
    AGENCY_KINDS,
    calendar_current,
    reminder_due_at,
    report_due_at_expression,
)

from .listeners import (
    Audience,
    NewsKind,
    ReportNews,
    listeners_batched,
    listeners_emit_all,
    listeners_record_all,
)
from .services import report_auto_close

logger = logging.getLogger(__name__)

# A sweep stops taking new work after this long, so that one run over a large backlog
# does not occupy a worker for many intervals; the next run goes on where it stopped.
TIME_BUDGET_SECONDS = 45.0


@dataclasses.dataclass
class SweepResult:
    reminded: int = 0
    overdue: int = 0
    escalated: int = 0
    auto_closed: int = 0
    # Items another sweeper (or a user's action) held or had already done.
    skipped: int = 0
    # True when the time budget ran out before every due item was handled.
    incomplete: bool = False
    notifications: dict[str, int] = dataclasses.field(default_factory=dict)
    orphan_files_removed: int = 0

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


# The name the deadline job registers under (``apps.WorkflowConfig.ready``).
DEADLINES_JOB = "deadlines"


def sweep_run(
    *,
    now: dt.datetime | None = None,
    batch: int = 500,
    time_budget: float = TIME_BUDGET_SECONDS,
) -> SweepResult:
    """Run every periodic job once (the deadlines first) and count what they did.

    ``now`` is when the sweep believes it is (default: the clock); ``batch`` is how many
    items are read per query; ``time_budget`` (seconds) bounds one run."""
    now = now or timezone.now()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if batch < 1:
        raise ValueError("batch must be at least 1")
    outcomes = periodic_run(now=now, batch=batch, stop_at=time.monotonic() + time_budget)
    result = outcomes.get(DEADLINES_JOB)
    if not isinstance(result, SweepResult):
        result = SweepResult()
    result.notifications = outcomes.get("notifications") or {}
    result.orphan_files_removed = outcomes.get("orphan_files") or 0
    if result.reminded or result.overdue or result.auto_closed or result.incomplete:
        logger.info("sweep: %s", result.as_dict())
    return result


def deadlines_sweep(*, now: dt.datetime, batch: int, stop_at: float) -> SweepResult:
    """The deadline job: reminders, overdue marks and escalations, automatic closes."""
    result = SweepResult()
    recipients = _Recipients()

    def out_of_time() -> bool:
        if time.monotonic() >= stop_at:
            result.incomplete = True
            return True
        return False

    # The staff told are the same for many items: listeners may look them up once a run.
    with listeners_batched():
        _remind(now=now, batch=batch, result=result, recipients=recipients, out_of_time=out_of_time)
        _mark_overdue(
            now=now, batch=batch, result=result, recipients=recipients, out_of_time=out_of_time
        )
    _auto_close(now=now, batch=batch, result=result, out_of_time=out_of_time)
    return result


# --- Who must act, who is told ------------------------------------------------------------


class _Recipients:
    """Staff looked up once per sweep: a backlog names the same agencies many times."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int | None], list[User]] = {}

    def _get(self, key: tuple[str, int | None], query) -> list[User]:
        if key not in self._cache:
            self._cache[key] = list(query())
        return self._cache[key]

    def national_admins(self) -> list[User]:
        return self._get(
            ("national", None),
            lambda: User.objects.filter(national_desk_q(), is_active=True).order_by("pk"),
        )

    def oversight(self) -> list[User]:
        return self._get(
            ("oversight", None),
            lambda: User.objects.filter(oversight_q(), is_active=True).order_by("pk"),
        )

    def agency_staff(self, agency: Agency) -> list[User]:
        """The agency's admins and, for a unit, its officers."""
        staff = agency_admins_q([agency.pk])
        if agency.kind == AgencyKind.UNIT:
            staff |= unit_officers_q([agency.pk])
        return self._get(
            ("agency", agency.pk),
            lambda: User.objects.people().filter(staff).select_related("agency").order_by("pk"),
        )

    def prefetch(self, agencies: Iterable[Agency]) -> None:
        """Look up the staff of ``agencies`` and the admins above them that are not known
        yet, all at once (one statement for a batch instead of one or two per agency)."""
        agencies = list({agency.pk: agency for agency in agencies}.values())
        staff = {a.pk for a in agencies if ("agency", a.pk) not in self._cache}
        units = {a.pk for a in agencies if a.pk in staff and a.kind == AgencyKind.UNIT}
        above = {
            a.parent_id
            for a in agencies
            if a.parent_id and ("parent", a.parent_id) not in self._cache
        }
        if not staff and not above:
            return
        found: dict[tuple[str, int], list[User]] = defaultdict(list)
        officer = unit_officers_q(units)
        for user in (
            User.objects.people()
            .filter(agency_admins_q(staff | above) | officer)
            .annotate(officer=Case(When(officer, then=True), default=False))
            .select_related("agency")
            .order_by("pk")
        ):
            found[("officer" if user.officer else "admin", user.agency_id)].append(user)
        for pk in staff:
            self._cache[("agency", pk)] = sorted(
                [*found[("admin", pk)], *found[("officer", pk)]], key=lambda user: user.pk
            )
        for pk in above:
            self._cache[("parent", pk)] = found[("admin", pk)]

    def parent_admins(self, agency: Agency | None) -> list[User]:
        if agency is None or agency.parent_id is None:
            return []
        return self._get(
            ("parent", agency.parent_id),
            lambda: (
                User.objects.people()
                .filter(agency_admins_q([agency.parent_id]))
                .select_related("agency")
                .order_by("pk")
            ),
        )

    def acting_party(self, deadline: Deadline, report: Report) -> list[User]:
        if deadline.kind == DeadlineKind.VERIFICATION:
            return self.national_admins()
        if deadline.kind == DeadlineKind.AUTOCLOSE:
            return [report.reporter]
        return self.agency_staff(deadline.agency) if deadline.agency_id else []


def _due_key(deadline: Deadline) -> str:
    # The due time is part of the key: an extended deadline is announced again for its
    # new due time, and never twice for the same one.
    return f"{int(deadline.due_at.timestamp())}"


def _local_due_date(deadline: Deadline) -> dt.date:
    return deadline.due_at.astimezone(ZoneInfo(deadline.timezone)).date()


# --- One batch, one transaction ----------------------------------------------------------


def _lock_reports(report_ids: Iterable[int], *, related: tuple[str, ...] = ()) -> dict[int, Report]:
    """The report rows (with the ``related`` rows), locked, by id; those another
    transaction holds are left out (PostgreSQL)."""
    reports = Report.objects.select_related(*related) if related else Report.objects.all()
    if connection.features.has_select_for_update_skip_locked:
        reports = reports.select_for_update(skip_locked=True, of=("self",))
    else:
        # SQLite: the IMMEDIATE transaction already holds the database's write lock.
        reports = reports.select_for_update()
    return {report.pk: report for report in reports.filter(pk__in=set(report_ids)).order_by("pk")}


def _claim_many(
    deadlines: list[Deadline],
    *,
    reports: dict[int, Report],
    field: str,
    now: dt.datetime,
    keep=None,
    **filters,
) -> list[Deadline]:
    """The deadlines of the locked ``reports`` that are still open, unstamped and match
    ``filters`` (and ``keep``, a test in Python), read again under their row locks (so
    with their due time now), stamped ``field``: the winners of the claim."""
    ids = [deadline.pk for deadline in deadlines if deadline.report_id in reports]
    if not ids:
        return []
    lock = {"of": ("self",)} if connection.features.has_select_for_update_of else {}
    claimed = list(
        Deadline.objects.select_for_update(**lock)
        .select_related("agency__parent")
        .filter(pk__in=ids, state=DeadlineState.OPEN, **{f"{field}__isnull": True}, **filters)
        .order_by("due_at", "id")
    )
    if keep is not None:
        claimed = [deadline for deadline in claimed if keep(deadline)]
    if claimed:
        Deadline.objects.filter(pk__in=[deadline.pk for deadline in claimed]).update(**{field: now})
    return claimed


def _chunks(queryset, *, batch: int, out_of_time) -> Iterable[list[Deadline]]:
    """Deadlines in ``(due_at, id)`` order, ``batch`` at a time, reading past each chunk
    (items skipped because another sweeper held them are not read again this run)."""
    after: tuple[dt.datetime, int] | None = None
    while not out_of_time():
        page = queryset
        if after is not None:
            due, pk = after
            page = page.filter(due_at__gte=due).exclude(due_at=due, pk__lte=pk)
        chunk = list(page[:batch])
        if not chunk:
            return
        yield chunk
        after = (chunk[-1].due_at, chunk[-1].pk)
        if len(chunk) < batch:
            return


# Deadlines handled in one transaction at most: it holds their reports' locks until it
# commits, and SQLite bounds the parameters of one statement.
ITEMS_PER_TRANSACTION = 500


def _parts(deadlines: list[Deadline]) -> Iterable[list[Deadline]]:
    for first in range(0, len(deadlines), ITEMS_PER_TRANSACTION):
        yield deadlines[first : first + ITEMS_PER_TRANSACTION]


# --- 1. Reminders -------------------------------------------------------------------------


def _remind(*, now, batch, result, recipients, out_of_time) -> None:
    if sla_days("reminder", None) < 1:  # 0 switches reminders off
        return
    calendar = calendar_current()
    candidates = deadlines_to_remind_candidates(now=now, calendar=calendar)
    for chunk in _chunks(candidates, batch=batch, out_of_time=out_of_time):
        due = [deadline for deadline in chunk if reminder_due_at(deadline, calendar) <= now]
        for part in _parts(due):
            reminded = _remind_batch(part, now=now, calendar=calendar, recipients=recipients)
            result.reminded += reminded
            result.skipped += len(part) - reminded


def _remind_batch(deadlines: list[Deadline], *, now, calendar, recipients: _Recipients) -> int:
    """Remind of ``deadlines`` in one transaction: all of them or, if it fails, none."""
    with transaction.atomic():
        # The reporter is told of the automatic closing; agency webhooks describe the report.
        reports = _lock_reports(
            {deadline.report_id for deadline in deadlines}, related=("reporter", "agency")
        )
        # Read again under the lock: a deadline extended meanwhile waits for its new day.
        claimed = _claim_many(
            deadlines,
            reports=reports,
            field="reminded_at",
            now=now,
            keep=lambda deadline: reminder_due_at(deadline, calendar) <= now,
            due_at__gte=now,
        )
        recipients.prefetch(deadline.agency for deadline in claimed if deadline.agency_id)
        news = []
        for deadline in claimed:
            report = reports[deadline.report_id]
            if deadline.kind == DeadlineKind.AUTOCLOSE:
                context = {"note": _autoclose_note(deadline, report.reporter)}
            else:
                context = {"due": _local_due_date(deadline)}
            news.append(
                ReportNews(
                    kind=NewsKind.DEADLINE_REMINDER,
                    report=report,
                    audience=Audience.PEOPLE,
                    recipients=recipients.acting_party(deadline, report),
                    deadline=deadline,
                    context=context,
                    key=f"deadline:{deadline.pk}:reminder:{_due_key(deadline)}",
                )
            )
        listeners_emit_all(news)
    return len(claimed)


def _autoclose_note(deadline: Deadline, reporter: User) -> str:
    # One recipient, so the text can be written in their language here.
    with translation.override(reporter.language or settings.LANGUAGE_CODE):
        return _(
            "Your report will be closed on %(date)s unless you answer the response before then."
        ) % {"date": formats.date_format(_local_due_date(deadline), "DATE_FORMAT")}


# --- 2. Overdue and escalation ---------------------------------------------------------


def _mark_overdue(*, now, batch, result, recipients, out_of_time) -> None:
    # The batch reads its reports and agencies again under lock: the deadlines alone here.
    overdue = deadlines_overdue(now=now).filter(kind__in=AGENCY_KINDS).select_related(None)
    for chunk in _chunks(overdue, batch=batch, out_of_time=out_of_time):
        for part in _parts(chunk):
            marked, escalated = _overdue_batch(part, now=now, recipients=recipients)
            result.overdue += marked
            result.escalated += escalated
            result.skipped += len(part) - marked


def _overdue_batch(
    deadlines: list[Deadline], *, now: dt.datetime, recipients: _Recipients
) -> tuple[int, int]:
    """Mark ``deadlines`` overdue and escalate them, in one transaction (all of them or,
    if it fails, none): per deadline the overdue event and, once, the escalation event,
    chained on its report's timeline; the acting party and the escalation's people told.
    How many were marked and escalated (the others another sweeper or a user's action
    held or had done)."""
    with transaction.atomic():
        reports = _lock_reports({deadline.report_id for deadline in deadlines})
        # ``escalated_at`` as it was before this claim: each deadline is escalated once.
        claimed = [
            (deadline, deadline.escalated_at is None)
            for deadline in _claim_many(
                deadlines, reports=reports, field="overdue_at", now=now, due_at__lt=now
            )
        ]
        to_escalate = [deadline.pk for deadline, first in claimed if first]
        if to_escalate:
            Deadline.objects.filter(pk__in=to_escalate).update(escalated_at=now)
        recipients.prefetch(deadline.agency for deadline, _first in claimed if deadline.agency_id)
        timelines: dict[int, list[ReportEvent]] = {}
        news: list[ReportNews] = []
        escalated = 0
        for deadline, first in claimed:
            report = reports[deadline.report_id]
            due = _local_due_date(deadline)
            who = deadline.agency.name if deadline.agency_id else _("the national admin")
            overdue = _system_event(
                report,
                action=EventAction.OVERDUE,
                note=_("%(kind)s deadline of %(date)s missed by %(who)s.")
                % {"kind": deadline.get_kind_display(), "date": due.isoformat(), "who": who},
            )
            escalation = (
                _escalation(deadline, report=report, recipients=recipients, who=who)
                if first
                else None
            )
            events = [overdue] if escalation is None else [overdue, escalation.event]
            timelines.setdefault(report.pk, []).extend(events)
            news.append(
                ReportNews(
                    kind=NewsKind.DEADLINE_OVERDUE,
                    report=report,
                    audience=Audience.PEOPLE,
                    recipients=recipients.acting_party(deadline, report),
                    deadline=deadline,
                    event=overdue,
                    context={"due": due},
                    key=f"deadline:{deadline.pk}:overdue:{_due_key(deadline)}",
                )
            )
            if escalation is not None:
                escalated += 1
                news.append(
                    ReportNews(
                        kind=NewsKind.ESCALATION,
                        report=report,
                        audience=Audience.PEOPLE,
                        recipients=escalation.people,
                        deadline=deadline,
                        event=escalation.event,
                        context={"note": escalation.event.note},
                        key=f"deadline:{deadline.pk}:escalation",
                    )
                )
        # Every report's events and new head, and its due state, in one UPDATE and one
        # INSERT (the report rows are locked above, so their heads are current).
        events_append_many(
            [(reports[report_id], events) for report_id, events in timelines.items()],
            due_at=report_due_at_expression(report_id=OuterRef("pk")),
            is_overdue=True,
        )
        for report_id in timelines:
            reports[report_id].is_overdue = True
        listeners_emit_all(news)
        # Last: the roll-ups' shared cells stay locked only until the commit that follows.
        listeners_record_all(
            [
                (reports[report_id], event)
                for report_id, events in timelines.items()
                for event in events
            ]
        )
    return len(claimed), escalated


def _system_event(report: Report, *, action: str, note: str) -> ReportEvent:
    """A non-public event the sweep records (not yet chained nor written)."""
    return ReportEvent(
        report=report,
        actor=None,
        actor_role="system",
        action=action,
        from_status=report.status,
        to_status=report.status,
        note=note,
        is_public=False,
    )


@dataclasses.dataclass(frozen=True)
class _Escalation:
    event: ReportEvent
    people: list[User]


def _escalation(
    deadline: Deadline, *, report: Report, recipients: _Recipients, who: str
) -> _Escalation | None:
    """The admins above the agency that missed the deadline, and oversight (the caller
    claimed the deadline's escalation). None when there is nobody to escalate to."""
    above = recipients.parent_admins(deadline.agency)
    people = [*above, *recipients.oversight()]
    if not people:
        return None
    if above:
        to_whom = _("the admins of %(agency)s and oversight") % {
            "agency": deadline.agency.parent.name
        }
    else:
        to_whom = _("oversight")
    note = _("%(kind)s deadline of %(date)s missed by %(who)s; escalated to %(to)s.") % {
        "kind": deadline.get_kind_display(),
        "date": _local_due_date(deadline).isoformat(),
        "who": who,
        "to": to_whom,
    }
    return _Escalation(
        event=_system_event(report, action=EventAction.ESCALATED, note=note), people=people
    )


# --- 3. Auto-close ------------------------------------------------------------------------


def _auto_close(*, now, batch, result, out_of_time) -> None:
    # ``overdue_at`` is never set on an auto-close deadline (the reporter's silence makes
    # nothing overdue); saying so lets an index of unmarked open deadlines serve this too.
    due = Deadline.objects.filter(
        state=DeadlineState.OPEN, kind=DeadlineKind.AUTOCLOSE, due_at__lt=now, overdue_at=None
    ).order_by("due_at", "id")
    for chunk in _chunks(due, batch=batch, out_of_time=out_of_time):
        for deadline in chunk:
            if out_of_time():
                return
            # The service locks the report and checks status and deadline again.
            if report_auto_close(report=Report(pk=deadline.report_id)) is not None:
                result.auto_closed += 1
            else:
                result.skipped += 1
