"""A report as the router reads it: its text and its signals (channel, region, the
reporter's own choice of agency), the same for training and for a suggestion."""

from __future__ import annotations

from aduan.reports.models import Report


def agency_label(agency_id: int) -> str:
    """Agencies are the router's labels by id: a renamed agency keeps what was learnt."""
    return str(agency_id)


def report_signals(report: Report) -> tuple[str, ...]:
    """Tokens beside the words: where the report comes from and what the reporter chose.
    A region's code gives its province and regency ("32.73.01.1001": 32, 3273), so that
    "Dinas Pekerjaan Umum" in two cities is told apart by the place, not the words."""
    signals = [f"channel_{report.channel}"]
    if report.region_id:
        code = report.region_id.replace(".", "")
        signals.append(f"region_{code[:2]}")
        if len(code) >= 4:
            signals.append(f"region_{code[:4]}")
    if report.requested_agency_id:
        signals.append(f"chose_{agency_label(report.requested_agency_id)}")
    return tuple(signals)


def report_text(report: Report) -> tuple[str, str, tuple[str, ...]]:
    """(title, body, signals): what ``Router.suggest_many`` takes for one report."""
    return report.title, report.body, report_signals(report)
