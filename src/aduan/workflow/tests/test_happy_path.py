"""The whole life of a report through the services, as the people involved live it."""

import datetime as dt

import pytest
import time_machine

from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory, UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.notifications.models import Notification
from aduan.reports.audit import chain_verify
from aduan.reports.models import Status
from aduan.sla.models import Deadline, DeadlineKind, DeadlineState
from aduan.workflow import services as wf
from aduan.workflow.services import report_submit

pytestmark = pytest.mark.django_db

WIB = dt.timezone(dt.timedelta(hours=7))


def test_submit_dispose_accept_respond_answer_respond_close_rate():
    citizen, admin = UserFactory(), NationalAdminFactory()
    agency = AgencyFactory()
    officer = AgencyAdminFactory(agency=agency)
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=WIB), tick=False):
        report = report_submit(
            reporter=citizen,
            channel="web",
            classification="complaint",
            title="Jalan berlubang di depan pasar",
            body="Lubang besar di jalan depan pasar sudah membahayakan pengendara motor.",
        )
        assert report.status == Status.SUBMITTED
        verification = Deadline.objects.get(report=report, kind=DeadlineKind.VERIFICATION)
        # Tue 1 Dec + 3 working days = Fri 4 Dec, 23:59:59 WIB.
        assert verification.due_at == dt.datetime(2026, 12, 4, 23, 59, 59, tzinfo=WIB)
        report.refresh_from_db()
        assert report.due_at == verification.due_at

    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, tzinfo=WIB), tick=False):
        report = wf.report_dispose(
            report=report, actor=admin, agency_id=agency.pk, confidential=True
        )
        assert report.status == Status.DISPOSITIONED
        assert report.confidential
        response = Deadline.objects.get(
            report=report, kind=DeadlineKind.RESPONSE, state=DeadlineState.OPEN
        )
        assert response.due_at == dt.datetime(2026, 12, 9, 23, 59, 59, tzinfo=WIB)
        assert Notification.objects.filter(recipient=officer, kind="disposition_received").exists()
        assert Notification.objects.filter(recipient=citizen, kind="status_changed").exists()

        report = wf.report_accept(report=report, actor=officer)
        report = wf.report_respond(
            report=report,
            actor=officer,
            body="Lubang sudah kami tambal pada hari ini, terima kasih.",
        )
        assert report.status == Status.RESPONDED
        report = wf.report_answer(report=report, actor=citizen, body="Masih ada satu lubang lagi.")
        assert report.status == Status.IN_PROGRESS
        report = wf.report_respond(
            report=report, actor=officer, body="Lubang kedua juga sudah kami tambal sore ini."
        )
        report = wf.report_close(report=report, actor=citizen)
        assert report.status == Status.CLOSED
        report = wf.report_rate(report=report, actor=citizen, score=5, comment="Cepat")

    assert list(chain_verify()) == []
    assert report.events.count() == 8
