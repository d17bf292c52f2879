"""Supporting a public report and following it (workflow/services/public.py)."""

from __future__ import annotations

import pytest

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UserFactory,
)
from aduan.core.errors import NotFound, PermissionDenied
from aduan.notifications.models import Notification
from aduan.reports.models import Report, ReportEvent, ReportFollower, ReportSupport, Status
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow.services import (
    report_follow,
    report_respond,
    report_support,
    report_unfollow,
    report_unsupport,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    return ReportFactory(verified=True)


def _stored_count(report: Report) -> int:
    return Report.objects.get(pk=report.pk).support_count


def test_support_counts_once_follows_and_writes_no_event(report):
    citizen = UserFactory()
    events = ReportEvent.objects.filter(report=report).count()
    assert report_support(report=report, actor=citizen) == 1
    assert report_support(report=report, actor=citizen) == 1  # twice is once
    assert _stored_count(report) == 1
    assert ReportSupport.objects.filter(report=report, user=citizen).count() == 1
    assert ReportFollower.objects.filter(report=report, user=citizen).exists()
    assert ReportEvent.objects.filter(report=report).count() == events


def test_counts_stay_exact_across_supporters_and_take_backs(report):
    citizens = UserFactory.create_batch(4)
    for citizen in citizens:
        report_support(report=report, actor=citizen)
    assert _stored_count(report) == 4
    assert report_unsupport(report=report, actor=citizens[0]) == 3
    assert report_unsupport(report=report, actor=citizens[0]) == 3  # taken back once only
    assert report_unsupport(report=report, actor=UserFactory()) == 3  # never supported
    assert _stored_count(report) == ReportSupport.objects.filter(report=report).count() == 3
    assert report_support(report=report, actor=citizens[0]) == 4


def test_taking_support_back_keeps_following_until_unfollowed(report):
    citizen = UserFactory()
    report_support(report=report, actor=citizen)
    report_unsupport(report=report, actor=citizen)
    assert ReportFollower.objects.filter(report=report, user=citizen).exists()
    report_unfollow(report=report, actor=citizen)
    assert not ReportFollower.objects.filter(report=report, user=citizen).exists()
    report_follow(report=report, actor=citizen)
    assert ReportFollower.objects.filter(report=report, user=citizen).exists()


def test_unfollowing_keeps_the_support(report):
    citizen = UserFactory()
    report_support(report=report, actor=citizen)
    report_unfollow(report=report, actor=citizen)
    assert _stored_count(report) == 1
    assert ReportSupport.objects.filter(report=report, user=citizen).exists()


def test_a_full_save_of_an_older_copy_does_not_write_the_count_back(report):
    stale = Report.objects.get(pk=report.pk)
    report_support(report=report, actor=UserFactory())
    stale.title = "Judul yang diperbaiki oleh admin"
    stale.save()
    assert _stored_count(report) == 1


def test_a_supporter_is_told_of_the_agencys_response(report):
    citizen = UserFactory()
    report_support(report=report, actor=citizen)
    officer = AgencyAdminFactory(agency=report.agency)
    report.status = Status.IN_PROGRESS
    report.save(update_fields=["status"])
    report_respond(report=report, actor=officer, body="Jalan sudah kami perbaiki minggu ini.")
    assert Notification.objects.filter(recipient=citizen, report=report).exists()


def test_the_reporter_cannot_support_their_own_report(report):
    with pytest.raises(PermissionDenied, match="your own report"):
        report_support(report=report, actor=report.reporter)
    with pytest.raises(PermissionDenied):
        report_unsupport(report=report, actor=report.reporter)
    assert _stored_count(report) == 0


@pytest.mark.parametrize(
    "make_staff",
    [NationalAdminFactory, OversightFactory, AgencyAdminFactory],
    ids=["national_admin", "oversight", "agency_admin"],
)
def test_staff_cannot_support(report, make_staff):
    with pytest.raises(PermissionDenied, match="Only citizens"):
        report_support(report=report, actor=make_staff())
    assert _stored_count(report) == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"verified": True, "confidential": True},
        {"status": Status.SUBMITTED},
        {"status": Status.ON_HOLD},
        {"status": Status.ARCHIVED},
    ],
    ids=["confidential", "unverified", "on_hold", "archived"],
)
def test_a_report_the_citizen_may_not_see_is_not_found(kwargs):
    hidden = ReportFactory(**kwargs)
    citizen = UserFactory()
    for service in (report_support, report_unsupport, report_follow, report_unfollow):
        with pytest.raises(NotFound):
            service(report=hidden, actor=citizen)
    assert _stored_count(hidden) == 0
    assert not ReportFollower.objects.filter(report=hidden, user=citizen).exists()


def test_a_closed_public_report_may_still_be_supported():
    closed = ReportFactory(verified=True, status=Status.CLOSED)
    assert report_support(report=closed, actor=UserFactory()) == 1
