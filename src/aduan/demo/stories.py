"""The demo's reports as stories: what happens to each one, when, and who does it.

``StoryRunner`` replays every step of every story in time order through the real services
under ``time_machine``, so rows, events, deadlines and notifications are what the services
write. How the moments are chosen: docs/demo.md.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import time_machine

from aduan.accounts.models import User
from aduan.agencies.models import Agency
from aduan.reports.attachments import PreparedFile, attachments_stored_names
from aduan.reports.models import Attachment, Report, Status
from aduan.sla.calendar import WorkingCalendar
from aduan.sla.models import DeadlineKind
from aduan.sla.policy import deadline_rule
from aduan.sla.services import deadline_due
from aduan.workflow import services as wf
from aduan.workflow.services import report_submit

from . import content

JAKARTA = ZoneInfo("Asia/Jakarta")

# Who takes a step.
CITIZEN, NATIONAL, STAFF, ADMIN, SYSTEM = "citizen", "national", "staff", "admin", "system"

# What a story is about: the status it is in today (for the open ones) or ends in.
SUBMITTED, ON_HOLD, ARCHIVED, DISPOSITIONED = "submitted", "on_hold", "archived", "dispositioned"
RETURNED, IN_PROGRESS, RESPONDED, CLOSED = "returned", "in_progress", "responded", "closed"
DUPLICATE = "duplicate"  # merged into an earlier report on the same problem
TARGET_WEIGHTS = {
    SUBMITTED: 9,
    ON_HOLD: 4,
    ARCHIVED: 5,
    DISPOSITIONED: 10,
    RETURNED: 4,
    IN_PROGRESS: 18,
    RESPONDED: 12,
    CLOSED: 35,
}
DUPLICATE_SHARE = 0.03
TERMINAL = frozenset({ARCHIVED, CLOSED, DUPLICATE})
HISTORY_DAYS = 180


@dataclass
class Step:
    action: str
    who: str
    gap_hours: float = 0.0  # after the previous step
    data: dict = field(default_factory=dict)
    at: dt.datetime | None = None


@dataclass
class Story:
    index: int
    target: str
    reporter: User
    topic: content.Topic
    submit_kwargs: dict  # report_submit's arguments besides the reporter
    requested: Agency | None  # the agency the reporter chose, if any
    responsible: Agency  # the agency that handles it in the end
    category_later: int | None = None  # set by the national admin on disposing
    steps: list[Step] = field(default_factory=list)
    report: Report | None = None

    @property
    def created_at(self) -> dt.datetime:
        return self.steps[0].at


def hours(rng: random.Random, low: float, high: float) -> float:
    return rng.uniform(low, high)


# --- office hours ---------------------------------------------------------------------


class Clock:
    """Moments on the working calendar: 08:00-16:00 WIB on working days for staff."""

    OPEN, CLOSE = dt.time(8, 0), dt.time(16, 0)

    def __init__(self, calendar: WorkingCalendar, rng: random.Random) -> None:
        self.calendar = calendar
        self.rng = rng

    def _at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=JAKARTA)

    def later_office(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` if it is in office hours, else a moment early in the next ones."""
        local = moment.astimezone(JAKARTA)
        day = local.date()
        if self.calendar.is_working_day(day) and self.OPEN <= local.time() < self.CLOSE:
            return moment
        if not (self.calendar.is_working_day(day) and local.time() < self.OPEN):
            day = self.calendar.add_working_days(day, 1)
        return self._at(day, self.OPEN) + dt.timedelta(minutes=self.rng.uniform(5, 150))

    def earlier_office(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` if it is in office hours, else a moment late in the previous ones."""
        local = moment.astimezone(JAKARTA)
        day = local.date()
        if self.calendar.is_working_day(day) and self.OPEN <= local.time() < self.CLOSE:
            return moment
        if not (self.calendar.is_working_day(day) and local.time() >= self.CLOSE):
            day = self.calendar.previous_working_day(day)
        return self._at(day, self.CLOSE) - dt.timedelta(minutes=self.rng.uniform(5, 150))


# --- what happens to a report ---------------------------------------------------------


class StoryWriter:
    """Draws the steps of each story (not yet their moments)."""

    def __init__(self, rng: random.Random, desks: list[Agency], desk_of: Callable) -> None:
        self.rng = rng
        self.desks = desks  # agencies with someone to act for them
        self.desk_of = desk_of

    def steps(self, story: Story) -> list[Step]:
        rng, target = self.rng, story.target
        if target == SUBMITTED:
            steps = [Step("submit", CITIZEN)]
            if rng.random() < 0.25:
                steps += self._hold_answered()
            elif rng.random() < 0.15:
                steps.append(Step("comment_reporter", CITIZEN, hours(rng, 2, 30)))
            return steps
        if target == ON_HOLD:
            return [Step("submit", CITIZEN), Step("hold", NATIONAL, hours(rng, 2, 30))]
        if target == ARCHIVED:
            steps = [Step("submit", CITIZEN)]
            if rng.random() < 0.4:
                steps.append(Step("hold", NATIONAL, hours(rng, 2, 30)))
                steps.append(Step("archive", NATIONAL, hours(rng, 240, 330), {"no_answer": True}))
            else:
                steps.append(Step("archive", NATIONAL, hours(rng, 2, 48)))
            return steps
        if target == DUPLICATE:
            return [Step("submit", CITIZEN), Step("merge", NATIONAL, hours(rng, 1, 30))]

        steps, agency = self._intake(story)
        if target == DISPOSITIONED:
            if story.requested is None and rng.random() < 0.2:
                steps.append(Step("comment_national", NATIONAL, hours(rng, 0.2, 6)))
            return steps
        if target == RETURNED:
            return [*steps, self._send_back(agency)]
        if rng.random() < 0.12 and target in (CLOSED, IN_PROGRESS):
            # Not this agency's: returned, then disposed to the right one.
            steps.append(self._send_back(agency, elsewhere_share=0.0))
            agency = self._other_desk(agency)
            steps.append(Step("dispose", NATIONAL, hours(rng, 2, 30), {"agency": agency}))
        story.responsible = agency
        extended = rng.random() < (0.3 if target == IN_PROGRESS else 0.08)
        steps += self._agency_work(extended=extended)
        if target == IN_PROGRESS:
            roll = rng.random()
            if roll < 0.2:  # the reporter was not satisfied with the response
                steps += [self._respond(), Step("answer", CITIZEN, hours(rng, 6, 120))]
            elif roll < 0.3:  # closed, then reopened
                steps += [self._respond(), Step("close", CITIZEN, hours(rng, 2, 100))]
                if rng.random() < 0.5:
                    steps.append(self._rate(low=True))
                steps.append(Step("reopen", CITIZEN, hours(rng, 24, 140)))
            return steps
        steps.append(self._respond())
        if target == RESPONDED:
            if rng.random() < 0.15:
                steps += [
                    Step("answer", CITIZEN, hours(rng, 6, 100)),
                    self._respond(follow_up=True),
                ]
            if rng.random() < 0.1:
                steps.append(self._rate(gap=(2, 48)))
            return steps
        # CLOSED
        roll = rng.random()
        if roll < 0.12:
            steps += [
                Step("answer", CITIZEN, hours(rng, 6, 120)),
                self._respond(follow_up=True),
            ]
        if roll > 0.93:
            steps += [
                Step("close", CITIZEN, hours(rng, 1, 100)),
                Step("reopen", CITIZEN, hours(rng, 24, 140)),
                self._respond(follow_up=True),
            ]
        if rng.random() < 0.33:
            steps.append(Step("auto_close", SYSTEM))
            if rng.random() < 0.2:
                steps.append(self._rate(gap=(24, 200)))
        else:
            steps.append(Step("close", CITIZEN, hours(rng, 1, 150)))
            if rng.random() < 0.75:
                steps.append(self._rate())
        return steps

    def _hold_answered(self) -> list[Step]:
        rng = self.rng
        return [
            Step("hold", NATIONAL, hours(rng, 2, 30)),
            Step("answer_hold", CITIZEN, hours(rng, 4, 96)),
        ]

    def _intake(self, story: Story) -> tuple[list[Step], Agency]:
        """Submission and the national admin's verification and disposition: to the agency
        the reporter chose, if any (the desk confirms it), else after sometimes a question,
        to the desk above the responsible unit, which passes it on."""
        rng = self.rng
        responsible = story.responsible
        steps = [Step("submit", CITIZEN)]
        if story.requested is not None:
            steps.append(Step("dispose", NATIONAL, hours(rng, 1, 24), {"agency": story.requested}))
            return steps, story.requested
        if rng.random() < 0.1:
            steps += self._hold_answered()
        desk = self.desk_of(responsible)
        to_unit = desk.pk != responsible.pk and rng.random() < 0.6
        target = desk if to_unit else responsible
        steps.append(Step("dispose", NATIONAL, hours(rng, 1, 40), {"agency": target}))
        if to_unit:
            steps.append(Step("forward", ADMIN, hours(rng, 1, 24), {"agency": responsible}))
        return steps, responsible

    def _send_back(self, agency: Agency, elsewhere_share: float = 0.35) -> Step:
        rng = self.rng
        if rng.random() < elsewhere_share:
            other = self._other_desk(agency)
            return Step("forward_elsewhere", ADMIN, hours(rng, 4, 50), {"agency": other})
        return Step("return", ADMIN, hours(rng, 4, 50))

    def _other_desk(self, agency: Agency) -> Agency:
        desk = self.desk_of(agency)
        choices = [d for d in self.desks if not d.path.startswith(desk.path)]
        return self.rng.choice(choices or self.desks)

    def _agency_work(self, *, extended: bool) -> list[Step]:
        rng = self.rng
        steps = []
        if rng.random() < 0.12:
            steps.append(Step("comment_reporter", CITIZEN, hours(rng, 12, 60)))
        steps.append(Step("accept", STAFF, hours(rng, 1, 40)))
        if rng.random() < 0.3:
            steps.append(Step("comment_accepted", STAFF, hours(rng, 0.05, 0.5)))
        if rng.random() < 0.2:
            steps.append(Step("note", STAFF, hours(rng, 1, 24)))
        if extended:
            steps.append(Step("extend", ADMIN, hours(rng, 20, 50)))
        elif rng.random() < 0.1:
            steps.append(Step("comment_staff", STAFF, hours(rng, 12, 48)))
        return steps

    def _respond(self, *, follow_up: bool = False) -> Step:
        rng = self.rng
        files = "png" if rng.random() < 0.15 else "pdf" if rng.random() < 0.12 else None
        return Step("respond", STAFF, hours(rng, 8, 90), {"follow_up": follow_up, "file": files})

    def _rate(self, *, low: bool = False, gap: tuple[float, float] = (0.02, 0.4)) -> Step:
        rng = self.rng
        scores, weights = (1, 2, 3, 4, 5), ((30, 30, 20, 15, 5) if low else (6, 8, 16, 32, 38))
        score = rng.choices(scores, weights=weights)[0]
        return Step("rate", CITIZEN, hours(rng, *gap), {"score": score})


# --- when it happens ----------------------------------------------------------------


def tail_days(rng: random.Random, story: Story) -> float:
    """How long an open story has been in its status today (late ones are overdue)."""
    target, late = story.target, rng.random()
    if target == SUBMITTED:
        return rng.uniform(5.5, 14) if late < 0.2 else rng.uniform(0.02, 2)
    if target == ON_HOLD:
        return rng.uniform(0.2, 9)
    if target == RETURNED:
        return rng.uniform(5, 10) if late < 0.2 else rng.uniform(0.05, 2)
    if target == DISPOSITIONED:
        return rng.uniform(8, 30) if late < 0.25 else rng.uniform(0.02, 3)
    if target == IN_PROGRESS:
        if any(step.action == "extend" for step in story.steps):
            return rng.uniform(1, 8)
        return rng.uniform(6, 40) if late < 0.2 else rng.uniform(0.1, 2)
    if target == RESPONDED:
        return rng.uniform(0.05, 9)
    raise ValueError(target)


class Placer:
    def __init__(self, clock: Clock, rng: random.Random, now: dt.datetime) -> None:
        self.clock = clock
        self.rng = rng
        self.now = now

    def backward(self, story: Story, end: dt.datetime) -> None:
        """The last step at ``end``, each earlier one its gap before the next."""
        moment = end
        for index in range(len(story.steps) - 1, -1, -1):
            step = story.steps[index]
            if step.action == "auto_close":
                raise ValueError("an automatic closing is placed forwards only")
            if step.who in (NATIONAL, STAFF, ADMIN):
                moment = self.clock.earlier_office(moment)
            step.at = moment
            moment -= dt.timedelta(hours=step.gap_hours)

    def forward(self, story: Story, start: dt.datetime) -> None:
        """The first step at ``start``, each later one its gap after the previous."""
        moment, responded_at = start, None
        agency = None
        for step in story.steps:
            if step.action == "auto_close":
                if responded_at is None or agency is None:
                    raise ValueError("an automatic closing needs a response before it")
                moment = self._autoclose_due(story, responded_at, agency) + dt.timedelta(
                    minutes=self.rng.uniform(5, 180)
                )
            else:
                moment += dt.timedelta(hours=step.gap_hours)
                if step.who in (NATIONAL, STAFF, ADMIN):
                    moment = self.clock.later_office(moment)
            step.at = moment
            if "agency" in step.data and step.action in ("dispose", "forward"):
                agency = step.data["agency"]
            if step.action == "submit" and story.requested is not None:
                agency = story.requested
            if step.action == "respond":
                responded_at = moment

    def _autoclose_due(self, story: Story, responded_at: dt.datetime, agency: Agency):
        working_days, calendar_days = deadline_rule(
            DeadlineKind.AUTOCLOSE, story.submit_kwargs["classification"]
        )
        return deadline_due(
            start=responded_at,
            working_days=working_days,
            calendar_days=calendar_days,
            tz=agency.timezone,
            calendar=self.clock.calendar,
        )

    def place(self, story: Story) -> None:
        if story.target in TERMINAL:
            oldest = self.now - dt.timedelta(days=HISTORY_DAYS)
            start = oldest + (self.now - dt.timedelta(days=1) - oldest) * self.rng.random()
            self.forward(story, start)
            return
        end = self.now - dt.timedelta(days=tail_days(self.rng, story))
        self.backward(story, end)
        # A long story that would start before the six months: move its end later.
        for _attempt in range(3):
            overshoot = self.now - dt.timedelta(days=HISTORY_DAYS) - story.created_at
            if overshoot <= dt.timedelta(0):
                break
            end = min(end + overshoot + dt.timedelta(hours=12), self.now - dt.timedelta(hours=1))
            self.backward(story, end)


# --- doing it ------------------------------------------------------------------------


class StoryRunner:
    """Takes every planned step before ``now`` in time order, through the services."""

    def __init__(
        self,
        *,
        stories: list[Story],
        national_admin: User,
        staff_for: Callable[[Agency, bool], User],
        files: dict[str, PreparedFile],
        rng: random.Random,
        fill: Callable[[str], str],
        now: dt.datetime,
    ) -> None:
        self.stories = stories
        self.national_admin = national_admin
        self.staff_for = staff_for
        self.files = files
        self.rng = rng
        self.fill = fill
        self.now = now
        self.steps_taken = 0
        self.stored_files: set[str] = set()  # to remove if the load is rolled back

    def run(self) -> None:
        timeline = [
            (step.at, story.index, number)
            for story in self.stories
            for number, step in enumerate(story.steps)
            if step.at is not None and step.at < self.now
        ]
        timeline.sort(key=lambda item: (item[0], item[1], item[2]))
        for moment, index, number in timeline:
            story = self.stories[index]
            step = story.steps[number]
            with time_machine.travel(moment, tick=False):
                self._take(story, step)
            self.steps_taken += 1
            if (step.action == "submit" and story.submit_kwargs["files"]) or step.data.get("file"):
                self.stored_files.update(
                    attachments_stored_names(Attachment.every.filter(report=story.report))
                )

    def _take(self, story: Story, step: Step) -> None:
        rng, action, report = self.rng, step.action, story.report
        national = self.national_admin
        if action == "submit":
            story.report = report_submit(reporter=story.reporter, **story.submit_kwargs)
            return
        assert report is not None
        reporter = story.reporter
        if action == "dispose":
            story.report = wf.report_dispose(
                report=report,
                actor=national,
                agency_id=step.data["agency"].pk,
                note=rng.choice(content.DISPOSITION_NOTES),
                category_id=story.category_later,
                confidential=True if rng.random() < 0.03 else None,
            )
        elif action == "hold":
            story.report = wf.report_hold(
                report=report, actor=national, question=rng.choice(content.HELD_NOTES)
            )
        elif action in ("answer_hold", "answer"):
            texts = content.HOLD_ANSWERS if action == "answer_hold" else content.REPORTER_ANSWERS
            story.report = wf.report_answer(
                report=report, actor=reporter, body=self.fill(rng.choice(texts))
            )
        elif action == "archive":
            notes = (
                content.NO_ANSWER_NOTES if step.data.get("no_answer") else content.ARCHIVED_NOTES
            )
            story.report = wf.report_archive(
                report=report, actor=national, reason=rng.choice(notes)
            )
        elif action == "merge":
            survivor = self.stories[step.data["into"]].report
            if survivor is None or Report.objects.get(pk=survivor.pk).status == Status.ARCHIVED:
                story.report = wf.report_archive(
                    report=report, actor=national, reason=content.ARCHIVED_NOTES[0]
                )
            else:
                story.report = wf.report_merge(
                    report=report,
                    actor=national,
                    into=survivor.tracking_id,
                    note=rng.choice(content.MERGE_NOTES),
                )
        elif action == "comment_national":
            story.report = wf.report_comment(
                report=report,
                actor=national,
                body="Laporan sudah kami teruskan; mohon pantau perkembangannya di sini.",
            )
        elif action == "forward":
            story.report = wf.report_forward(
                report=report,
                actor=self.staff_for(report.agency, True),
                agency_id=step.data["agency"].pk,
                note=rng.choice(content.FORWARD_NOTES),
            )
        elif action == "forward_elsewhere":
            story.report = wf.report_forward(
                report=report,
                actor=self.staff_for(report.agency, True),
                agency_id=step.data["agency"].pk,
                note=rng.choice(content.FORWARD_ELSEWHERE_NOTES),
            )
        elif action == "return":
            story.report = wf.report_return(
                report=report,
                actor=self.staff_for(report.agency, True),
                reason=rng.choice(content.RETURNED_NOTES),
            )
        elif action == "accept":
            story.report = wf.report_accept(
                report=report, actor=self.staff_for(report.agency, False)
            )
        elif action in ("comment_accepted", "comment_staff", "note"):
            texts = {
                "comment_accepted": content.ACCEPTED_NOTES,
                "comment_staff": content.STAFF_COMMENTS,
                "note": content.INTERNAL_NOTES,
            }[action]
            story.report = wf.report_comment(
                report=report,
                actor=self.staff_for(report.agency, False),
                body=rng.choice(texts),
                internal=action == "note",
            )
        elif action == "comment_reporter":
            story.report = wf.report_comment(
                report=report, actor=reporter, body=rng.choice(content.REPORTER_COMMENTS)
            )
        elif action == "extend":
            story.report = wf.report_extend(
                report=report,
                actor=self.staff_for(report.agency, True),
                working_days=rng.choice((5, 7, 10)),
                reason=rng.choice(content.EXTENSION_REASONS),
            )
        elif action == "respond":
            texts = (
                content.FOLLOW_UP_RESPONSES if step.data.get("follow_up") else story.topic.responses
            )
            kind = step.data.get("file")
            story.report = wf.report_respond(
                report=report,
                actor=self.staff_for(report.agency, False),
                body=rng.choice(texts),
                files=[self.files[kind]] if kind else [],
            )
        elif action == "close":
            story.report = wf.report_close(report=report, actor=reporter)
        elif action == "auto_close":
            closed = wf.report_auto_close(report=report)
            if closed is None:
                raise RuntimeError(f"{report.tracking_id}: the automatic closing was not due")
            story.report = closed
        elif action == "rate":
            score = step.data["score"]
            story.report = wf.report_rate(
                report=report,
                actor=reporter,
                score=score,
                comment=rng.choice(content.RATING_COMMENTS[score]),
            )
        elif action == "reopen":
            story.report = wf.report_reopen(
                report=report, actor=reporter, reason=rng.choice(content.REOPEN_REASONS)
            )
        else:
            raise ValueError(f"unknown step {action!r}")
