"""What every inbound channel (SMS, X, e-mail) decides the same way between "who sent
this" and the service call: the sender's reporter account, whether it may act (switched
off, a staff account, over its report budget), and whether a reporter's message on an
existing report answers a response or is a comment. Each channel words its own answer.
"""

from __future__ import annotations

import enum

from aduan.accounts.capabilities import may_use_channel
from aduan.accounts.models import User
from aduan.core.ratelimit import account_submission_limited
from aduan.reports.models import Report
from aduan.workflow.transitions import TRANSITIONS, Action

from .services import identity_user


class Refusal(enum.StrEnum):
    """Why a channel's sender may not act; the value is what the inbound log records."""

    INACTIVE = "account deactivated"
    STAFF = "staff account"
    RATE_LIMITED = "rate limited"


def reporter_refusal(
    user: User, *, citizens_only: bool = True, count_submission: bool = False
) -> Refusal | None:
    """Why ``user`` may not act through a channel, or None.

    Staff switched the account off; or it is a staff account (``citizens_only``): a
    citizen who linked a number or X account and was later made staff must not report or
    read by SMS or X with an officer's rights. ``count_submission``: the message makes a
    report, so one is counted in the account's budget (the web form's counter)."""
    if not user.is_active:
        return Refusal.INACTIVE
    if citizens_only and not may_use_channel(user):
        return Refusal.STAFF
    if count_submission and account_submission_limited(user):
        return Refusal.RATE_LIMITED
    return None


def channel_reporter(
    *,
    channel: str,
    address: str,
    handle: str = "",
    display_name: str = "",
    verified: bool = True,
    count_submission: bool = False,
) -> tuple[User, Refusal | None]:
    """The reporter account behind ``address`` on ``channel`` (made on first contact,
    ``identity_user``) and why it may not act, if it may not."""
    user = identity_user(
        channel=channel,
        address=address,
        handle=handle,
        display_name=display_name,
        verified=verified,
    )
    return user, reporter_refusal(user, count_submission=count_submission)


def reporter_message_answers(report: Report) -> bool:
    """Whether the reporter's message on ``report`` is their answer (``report_answer``:
    it moves the report on) rather than a comment: the transition table decides."""
    return report.status in TRANSITIONS[Action.ANSWER].sources
