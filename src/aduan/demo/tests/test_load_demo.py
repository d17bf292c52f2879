import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.models import Role, User
from aduan.accounts.tests.factories import UserFactory
from aduan.demo.loader import DEMO_ACCOUNTS, DEMO_DOMAIN, DEMO_PASSWORD
from aduan.reports.models import Attachment, Report, ReportEvent, Status
from aduan.reports.selectors import reports_visible_to
from aduan.reports.tests.factories import ReportFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

REPORTS = 120


@pytest.fixture
def directory():
    call_command("load_directory", "--skip-villages", "--no-progress", verbosity=0)


def _load(*args):
    out = StringIO()
    call_command("load_demo", *args, "--reports", str(REPORTS), stdout=out)
    return out.getvalue()


def test_every_role_can_sign_in_and_reports_cover_the_lifecycle(client, directory):
    output = _load()
    assert f"{REPORTS} reports" in output

    # One account per role, each able to sign in through allauth (verified e-mail).
    roles = {account.role for account in DEMO_ACCOUNTS}
    assert roles == set(Role)
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.role == account.role
        assert (user.agency.code if user.agency else None) == account.agency_code
        client.logout()
        response = client.post(
            reverse("account_login"), {"login": account.email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, account.email
        assert response["Location"] == reverse("web:home"), account.email
        assert client.session["_auth_user_id"] == str(user.pk)

    reports = Report.objects.all()
    assert reports.count() == REPORTS
    statuses = set(reports.values_list("status", flat=True))
    assert len(statuses) >= 7, statuses
    assert reports.filter(anonymous=True).exists()
    assert reports.filter(confidential=True).exists()
    assert reports.values("category").distinct().count() >= 8
    assert reports.values("agency").distinct().count() >= 8
    assert not reports.filter(region__isnull=True).exists()
    assert not reports.filter(region__level__lt=3).exists()  # districts or villages
    attachment = Attachment.objects.first()
    assert attachment is not None
    assert attachment.content_type == "image/png"

    now = timezone.now()
    oldest = reports.order_by("created_at").first().created_at
    assert now - dt.timedelta(days=181) < oldest < now - dt.timedelta(days=60)
    assert not reports.filter(created_at__gt=now).exists()
    # Every report's timeline starts with its submission and walks to its status.
    last_action = {
        Status.CLOSED: "closed",
        Status.RESPONDED: "responded",
        Status.IN_PROGRESS: "accepted",
        Status.RETURNED: "returned",
        Status.ON_HOLD: "held",
        Status.ARCHIVED: "archived",
        Status.SUBMITTED: "submitted",
    }
    for report in reports.prefetch_related("events"):
        events = [e for e in report.events.all() if e.action != "note"]
        assert events[0].action == "submitted"
        assert events[0].created_at == report.created_at
        if report.status in last_action:
            assert events[-1].action == last_action[report.status], report.tracking_id
        assert events[-1].to_status == report.status
        times = [e.created_at for e in report.events.all()]
        assert times == sorted(times)
        assert times[-1] <= now
        if report.status in (Status.SUBMITTED, Status.ON_HOLD, Status.ARCHIVED, Status.RETURNED):
            assert report.agency_id is None
        else:
            assert report.agency_id is not None

    # Every staff inbox has something in it.
    for account in DEMO_ACCOUNTS:
        if account.role in (Role.AGENCY_ADMIN, Role.UNIT_OFFICER):
            user = User.objects.get(email=account.email)
            own = reports_visible_to(user=user).filter(agency__path__startswith=user.agency.path)
            assert own.exists(), account.email
    citizen = User.objects.get(email=f"warga@{DEMO_DOMAIN}")
    assert reports.filter(reporter=citizen).count() >= 3


def test_if_empty_does_nothing_the_second_time_and_reset_recreates(directory):
    outsider = ReportFactory(reporter=UserFactory(email="bukan.demo@example.id"))
    _load()
    first_ids = set(Report.objects.exclude(pk=outsider.pk).values_list("pk", flat=True))
    users = User.objects.count()

    assert "nothing to do" in _load("--if-empty")
    assert set(Report.objects.exclude(pk=outsider.pk).values_list("pk", flat=True)) == first_ids
    assert User.objects.count() == users

    with pytest.raises(CommandError, match="--reset"):
        _load()

    output = _load("--reset")
    assert f"Removed the previous demo data ({REPORTS} reports)" in output
    second_ids = set(Report.objects.exclude(pk=outsider.pk).values_list("pk", flat=True))
    assert len(second_ids) == REPORTS
    assert not first_ids & second_ids
    assert User.objects.count() == users
    # What is not demo data is left alone.
    assert Report.objects.filter(pk=outsider.pk).exists()
    assert ReportEvent.objects.filter(report=outsider).exists()
    assert User.objects.filter(email="bukan.demo@example.id").exists()


def test_without_a_directory_the_command_says_what_to_do():
    with pytest.raises(CommandError, match="load_directory"):
        _load()
    assert not User.objects.filter(email__endswith=DEMO_DOMAIN).exists()


def test_refuses_production_settings(settings):
    settings.SETTINGS_MODULE = "aduan.config.settings.production"
    with pytest.raises(CommandError, match="production"):
        _load()


@pytest.mark.parametrize("count", ["-1", "100001"])
def test_report_count_is_bounded(count):
    with pytest.raises(CommandError, match="--reports"):
        call_command("load_demo", "--reports", count)
