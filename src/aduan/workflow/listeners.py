"""Report-event listeners: who hears of what happens to a report, without workflow
importing them.

The services and the sweep announce each event with ``listeners_emit`` INSIDE their
transaction; every listener an app registered from its ``AppConfig.ready()``
(``listener_register``) writes its rows in that same transaction, so they commit or roll
back with the change they announce. Today: the notifications outbox and the agency
webhooks; a new listener (the read side's roll-ups) is one registration, modelled on
``notifications``' registry of channel senders.

Besides the news (whom to tell), every event appended to a timeline is announced with
``listeners_record`` (what happened, told to nobody): the read side counts from it.
What changes a report's figures without an event (a citizen's support given or taken
back) is announced with ``listeners_touch``.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import enum
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aduan.accounts.models import User
    from aduan.agencies.models import Agency
    from aduan.reports.models import Report, ReportEvent
    from aduan.sla.models import Deadline


class NewsKind(enum.StrEnum):
    """What is announced (the notification kinds of ``aduan.notifications``)."""

    STATUS_CHANGED = "status_changed"
    RESPONSE_POSTED = "response_posted"
    COMMENT_POSTED = "comment_posted"
    DISPOSITION_RECEIVED = "disposition_received"
    DEADLINE_REMINDER = "deadline_reminder"
    DEADLINE_OVERDUE = "deadline_overdue"
    ESCALATION = "escalation"
    REPORT_MERGED = "report_merged"


class Audience(enum.StrEnum):
    """Whom the news is for; a listener decides who exactly that is."""

    # The reporter, and the report's followers while they may see it.
    REPORTER = "reporter"
    # The staff of ``agency`` (and the agency's own systems).
    AGENCY = "agency"
    # Exactly ``recipients``: the sweep's deadline notices, whose recipients it chose.
    PEOPLE = "people"


@dataclasses.dataclass(frozen=True)
class ReportNews:
    kind: str
    report: Report
    audience: Audience
    event: ReportEvent | None = None
    agency: Agency | None = None
    recipients: Sequence[User] = ()
    deadline: Deadline | None = None
    # What a notice says beyond the event (``note``, ``due``) and the key that makes it
    # idempotent (PEOPLE only; news of an event is keyed by the event).
    context: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    key: str = ""


class ReportListener(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def hear(self, news: ReportNews) -> None:
        """Act on ``news``, inside the announcing transaction (write rows, enqueue work
        on commit); raising rolls the whole action back."""

    def recorded(self, *, report: Report, event: ReportEvent) -> None:  # noqa: B027
        """``event`` was appended to ``report``'s timeline (every action, the sweep's
        marks), after the action's other writes, inside its transaction. Default: nothing."""

    def touched(self, *, report: Report) -> None:  # noqa: B027
        """Something counted about ``report`` changed without an event (a support given or
        taken back), inside that transaction, which does NOT lock the report. Default:
        nothing."""

    def hear_all(self, news: Sequence[ReportNews]) -> None:
        """Act on many news at once (the sweep's batch, one transaction): a listener may
        write their rows in a few statements. Default: ``hear`` each."""
        for one in news:
            self.hear(one)

    def recorded_all(self, records: Sequence[tuple[Report, ReportEvent]]) -> None:
        """``recorded`` for many ``(report, event)`` pairs in timeline order (the sweep's
        batch): a listener may act once per report. Default: ``recorded`` each."""
        for report, event in records:
            self.recorded(report=report, event=event)

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """A block in which many news are announced (one sweep run): a listener may look
        things up once for all of them."""
        return contextlib.nullcontext()


_registry: dict[str, ReportListener] = {}


def listener_register(listener: ReportListener) -> ReportListener:
    """Register ``listener`` (from its app's ``ready()``); a name registered again is replaced."""
    if not listener.name:
        raise ValueError("A listener needs a name.")
    _registry[listener.name] = listener
    return listener


def listeners() -> list[ReportListener]:
    """Every registered listener, in registration order (the order of INSTALLED_APPS)."""
    return list(_registry.values())


def listeners_emit(news: ReportNews) -> None:
    for listener in listeners():
        listener.hear(news)


def listeners_record(*, report: Report, event: ReportEvent) -> None:
    for listener in listeners():
        listener.recorded(report=report, event=event)


def listeners_emit_all(news: Sequence[ReportNews]) -> None:
    if news:
        for listener in listeners():
            listener.hear_all(news)


def listeners_record_all(records: Sequence[tuple[Report, ReportEvent]]) -> None:
    if records:
        for listener in listeners():
            listener.recorded_all(records)


def listeners_touch(*, report: Report) -> None:
    for listener in listeners():
        listener.touched(report=report)


@contextlib.contextmanager
def listeners_batched() -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for listener in listeners():
            stack.enter_context(listener.batch())
        yield


def tell_reporter(*, report: Report, event: ReportEvent, kind: str = "status_changed") -> None:
    """The reporter and the followers hear of ``event`` (never their own action)."""
    listeners_emit(ReportNews(kind=kind, report=report, event=event, audience=Audience.REPORTER))


def tell_agency(*, report: Report, event: ReportEvent, agency: Agency, kind: str) -> None:
    """``agency``'s staff who handle the report, and its systems, hear of ``event``."""
    listeners_emit(
        ReportNews(kind=kind, report=report, event=event, agency=agency, audience=Audience.AGENCY)
    )
