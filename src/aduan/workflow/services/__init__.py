"""Every write on a report: one function per action, in a module per desk.

Each function takes the acting user (``actor=``) and keyword arguments only, runs in one
transaction that locks the report row, checks the move against the one transition table
and the actor's capacity, writes the report, appends its chained event, starts or stops
the deadlines the calendar computes, and tells the report-event listeners (the outbox
rows commit with it). ``intake`` creates reports; ``desk``, ``agency`` and ``reporter``
hold the actions of each side (``workflow.actions`` takes one by its name); ``public``
what citizens do with others' public reports (support, follow), which are not moves.
"""

from ._common import NOTE_MAX, NOTE_MIN, RESPONSE_MIN
from .agency import report_accept, report_extend, report_forward, report_respond, report_return
from .desk import (
    report_archive,
    report_dispose,
    report_hold,
    report_merge,
    report_redact,
    report_set_flags,
    report_set_programmes,
)
from .intake import ReportFields, report_attachment_add, report_submit, report_validate
from .public import report_follow, report_support, report_unfollow, report_unsupport
from .reporter import (
    reopen_deadline_for,
    report_answer,
    report_auto_close,
    report_close,
    report_comment,
    report_rate,
    report_reopen,
    report_reporter_transfer,
    report_system_note,
)

__all__ = [
    "NOTE_MAX",
    "NOTE_MIN",
    "RESPONSE_MIN",
    "ReportFields",
    "reopen_deadline_for",
    "report_accept",
    "report_answer",
    "report_archive",
    "report_attachment_add",
    "report_auto_close",
    "report_close",
    "report_comment",
    "report_dispose",
    "report_extend",
    "report_follow",
    "report_forward",
    "report_hold",
    "report_merge",
    "report_rate",
    "report_redact",
    "report_reopen",
    "report_reporter_transfer",
    "report_respond",
    "report_return",
    "report_set_flags",
    "report_set_programmes",
    "report_submit",
    "report_support",
    "report_system_note",
    "report_unfollow",
    "report_unsupport",
    "report_validate",
]
