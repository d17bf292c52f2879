"""Reports in every status, made through the services (so they carry real deadlines),
and signing in with the English interface the assertions read."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from zoneinfo import ZoneInfo

from django.conf import settings

from aduan.reports.models import Report
from aduan.workflow import services as wf
from aduan.workflow.services import report_submit

WIB = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=WIB)

BODY = "Jalan utama di depan pasar berlubang besar dan membahayakan pengendara motor."


def sign_in(client, user) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)


def submitted(reporter, *, title: str = "Jalan berlubang di depan pasar", **extra) -> Report:
    return report_submit(
        reporter=reporter,
        channel="web",
        classification="complaint",
        title=title,
        body=BODY,
        **extra,
    )


def disposed(reporter, *, admin, agency, **extra) -> Report:
    report = submitted(reporter, **extra)
    return wf.report_dispose(report=report, actor=admin, agency_id=agency.pk)


def in_progress(reporter, *, admin, agency, agency_admin, **extra) -> Report:
    report = disposed(reporter, admin=admin, agency=agency, **extra)
    return wf.report_accept(report=report, actor=agency_admin)


def responded(reporter, *, admin, agency, agency_admin, **extra) -> Report:
    report = in_progress(reporter, admin=admin, agency=agency, agency_admin=agency_admin, **extra)
    return wf.report_respond(
        report=report, actor=agency_admin, body="Jalan sudah kami perbaiki hari ini, terima kasih."
    )


def closed(reporter, *, admin, agency, agency_admin, **extra) -> Report:
    report = responded(reporter, admin=admin, agency=agency, agency_admin=agency_admin, **extra)
    return wf.report_close(report=report, actor=reporter)


def text(response) -> str:
    """The page's visible text, tags removed and whitespace squeezed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def action_forms(response) -> list[str]:
    """The actions the page offers a form for."""
    return re.findall(r'name="action" value="([a-z_]+)"', response.content.decode())
