import datetime as dt
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.capabilities import workspace_url_name
from aduan.accounts.models import Role, User
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    UserFactory,
)
from aduan.agencies.models import Agency
from aduan.agencies.tests.factories import AgencyFactory
from aduan.demo.loader import (
    DEMO_ACCOUNTS,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoError,
    demo_totp_code,
)
from aduan.notifications.delivery import notifications_deliver_pending
from aduan.notifications.models import Notification, NotificationChannel, NotificationState
from aduan.reports.audit import chain_verify
from aduan.reports.models import (
    OPEN_STATUSES,
    VERIFIED_STATUSES,
    Attachment,
    EventAction,
    Rating,
    Report,
    ReportEvent,
    ReportFollower,
    ReportSupport,
    Status,
)
from aduan.reports.selectors import handled_reports_q, reports_visible_to
from aduan.sla.models import Deadline, DeadlineKind, DeadlineState
from aduan.sla.services import report_due_state
from aduan.triage.models import RouterModel
from aduan.workflow import services as wf
from aduan.workflow.models import ResponseTemplate
from aduan.workflow.services import report_submit

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

REPORTS = 120
DEMO = "@" + DEMO_DOMAIN


@pytest.fixture
def directory():
    call_command("load_directory", "--skip-villages", "--no-progress", verbosity=0)


def _load(*args, reports=REPORTS):
    out = StringIO()
    call_command("load_demo", *args, "--reports", str(reports), stdout=out)
    return out.getvalue()


# Which deadlines run while a report waits in each open status.
OPEN_DEADLINES = {
    Status.SUBMITTED: {DeadlineKind.VERIFICATION},
    Status.RETURNED: {DeadlineKind.VERIFICATION},
    Status.ON_HOLD: set(),  # the reporter's turn: no clock runs
    Status.DISPOSITIONED: {DeadlineKind.RESPONSE, DeadlineKind.COMPLETION},
    Status.IN_PROGRESS: {DeadlineKind.RESPONSE},  # completion too, unless it was reopened
    Status.RESPONDED: {DeadlineKind.AUTOCLOSE},
}


def test_every_role_signs_in_and_every_report_lived_its_story(client, directory):
    output = _load()
    assert f"{REPORTS} reports" in output
    # The desk's suggestions work from the start: a router trained on the demo's history.
    router = RouterModel.objects.get()
    assert f"Triage router {router.version}: trained on {router.examples} disposed" in output
    assert router.agencies >= 2

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
        if account.role != Role.CITIZEN:
            # Staff pass the second step with the code `manage.py demo_totp` prints.
            assert response["Location"] == reverse("mfa_authenticate"), account.email
            code = StringIO()
            # Printed and entered in the same 30 s period, however slow the machine.
            with time_machine.travel(timezone.now(), tick=False):
                call_command("demo_totp", account.email, stdout=code)
                response = client.post(
                    reverse("mfa_authenticate"), {"code": code.getvalue().strip()}
                )
        assert response["Location"] == reverse(workspace_url_name(user)), account.email
        assert client.session["_auth_user_id"] == str(user.pk)
    # The staff created to act for other agencies cannot sign in.
    helpers = User.objects.filter(email__startswith="staf.", email__endswith=DEMO)
    assert helpers.exists()
    assert not any(user.has_usable_password() for user in helpers)

    reports = Report.objects.all()
    assert reports.count() == REPORTS
    assert set(reports.values_list("status", flat=True)) == set(Status)
    assert reports.filter(anonymous=True).exists()
    assert reports.filter(confidential=True).exists()
    assert reports.values("category").distinct().count() >= 8
    assert reports.values("agency").distinct().count() >= 8
    assert not reports.filter(region__isnull=True).exists()
    assert not reports.filter(region__level__lt=3).exists()  # districts or villages

    # The audit chain the services wrote is intact, as the operators' check sees it.
    assert list(chain_verify()) == []
    audit = StringIO()
    call_command("verify_audit", stdout=audit)
    assert f"Audit chain intact: {REPORTS} reports" in audit.getvalue()

    # Every action of the workflow happened somewhere, through its service.
    actions = set(ReportEvent.objects.values_list("action", flat=True))
    assert {
        EventAction.SUBMITTED,
        EventAction.DISPOSED,
        EventAction.HELD,
        EventAction.ARCHIVED,
        EventAction.MERGED,
        EventAction.MERGED_FROM,
        EventAction.ACCEPTED,
        EventAction.RETURNED,
        EventAction.FORWARDED,
        EventAction.EXTENDED,
        EventAction.RESPONDED,
        EventAction.COMMENTED,
        EventAction.NOTE,
        EventAction.ANSWERED,
        EventAction.CLOSED,
        EventAction.AUTO_CLOSED,
        EventAction.RATED,
        EventAction.REOPENED,
    } <= actions
    assert ReportEvent.objects.filter(action=EventAction.NOTE, is_public=False).exists()

    # The KSP overseer's inbox holds the priority programmes' reports: MBG's tagged on
    # disposition by its category, others by the desk; and only those.
    ksp = User.objects.get(email=f"ksp{DEMO}")
    tagged = reports.filter(programme_tags__isnull=False).distinct()
    assert tagged.filter(programme_tags__programme__code="makan-bergizi-gratis").exists()
    assert tagged.exclude(category__code="mbg").exists()
    assert ReportEvent.objects.filter(
        action=EventAction.PROGRAMMES_SET, actor__email=f"admin.nasional{DEMO}"
    ).exists()
    assert set(Report.objects.filter(handled_reports_q(user=ksp))) == set(tagged)
    assert ReportEvent.objects.filter(action=EventAction.COMMENTED, is_public=True).exists()
    response_files = set(
        Attachment.objects.filter(event__action=EventAction.RESPONDED).values_list(
            "content_type", flat=True
        )
    )
    assert response_files == {"image/png", "application/pdf"}
    assert Attachment.objects.filter(event__isnull=True, content_type="image/png").exists()

    now = timezone.now()
    oldest = reports.order_by("created_at").first().created_at
    assert now - dt.timedelta(days=181) < oldest < now - dt.timedelta(days=60)
    assert not ReportEvent.objects.filter(created_at__gt=now).exists()
    deadlines = {}
    for deadline in Deadline.objects.filter(state=DeadlineState.OPEN):
        deadlines.setdefault(deadline.report_id, []).append(deadline)
    for report in reports.prefetch_related("events"):
        events = sorted(report.events.all(), key=lambda e: e.seq)
        # The timeline starts with the submission, at the report's own moment, and walks in
        # time order to the status the report is in.
        assert events[0].action == EventAction.SUBMITTED
        assert events[0].created_at == report.created_at
        times = [e.created_at for e in events]
        assert times == sorted(times), report.tracking_id
        assert events[-1].to_status == report.status, report.tracking_id
        if report.status in (Status.SUBMITTED, Status.ON_HOLD, Status.ARCHIVED, Status.RETURNED):
            assert report.agency_id is None
        else:
            assert report.agency_id is not None
        # Open reports have the deadlines their status runs on, and the row shows the
        # earliest one and whether it is late today.
        open_kinds = {d.kind for d in deadlines.get(report.pk, [])}
        if report.status in OPEN_STATUSES:
            assert OPEN_DEADLINES[report.status] <= open_kinds, report.tracking_id
            assert (report.due_at, report.is_overdue) == report_due_state(report=report, now=now), (
                report.tracking_id
            )
        else:
            assert not open_kinds, report.tracking_id
            assert report.closed_at is not None
            assert not report.is_overdue
    # Some are late today, and a responded report is never past its automatic closing.
    overdue = reports.filter(is_overdue=True)
    assert overdue.exists()
    # The sweep marked them, as it would have by now.
    for report in overdue:
        assert report.events.filter(action=EventAction.OVERDUE).exists(), report.tracking_id
    assert ReportEvent.objects.filter(action=EventAction.ESCALATED).exists()
    assert overdue.count() < reports.filter(status__in=OPEN_STATUSES).count() / 2
    assert not Deadline.objects.filter(
        kind=DeadlineKind.AUTOCLOSE, state=DeadlineState.OPEN, due_at__lt=now
    ).exists()

    # Duplicates point at the report they were merged into, whose reporter follows it.
    duplicate = reports.filter(merged_into__isnull=False).select_related("merged_into").first()
    assert duplicate.status == Status.ARCHIVED
    assert ReportFollower.objects.filter(
        report=duplicate.merged_into, user=duplicate.reporter
    ).exists()
    assert Rating.objects.filter(agency__isnull=False).exists()
    reopened = reports.filter(reopen_count=1)
    assert reopened.exists()

    # Notifications were written by the actions; the history counts as delivered.
    citizen = User.objects.get(email=f"warga@{DEMO_DOMAIN}")
    assert reports.filter(reporter=citizen).count() >= 3
    assert Notification.objects.filter(
        recipient=citizen, channel=NotificationChannel.IN_APP
    ).exists()
    day_ago = now - dt.timedelta(days=1)
    old = Notification.objects.filter(created_at__lt=day_ago)
    assert old.filter(channel=NotificationChannel.EMAIL, state=NotificationState.SENT).exists()
    assert not old.filter(state=NotificationState.PENDING).exists()
    assert not old.filter(channel=NotificationChannel.IN_APP, read_at__isnull=True).exists()

    assert ResponseTemplate.objects.filter(agency__isnull=True).exists()
    assert ResponseTemplate.objects.filter(agency__code="kemenkes").exists()

    # Public reports have supporters (some many), the counts are the rows, and the demo
    # citizen supports some of them.
    supported = Report.objects.filter(support_count__gt=0)
    assert supported.exists()
    assert not supported.exclude(confidential=False, status__in=VERIFIED_STATUSES).exists()
    assert supported.filter(support_count__gte=4).exists()
    for report in Report.objects.all():
        assert report.support_count == ReportSupport.objects.filter(report=report).count()
    demo_citizen = User.objects.get(email=f"warga@{DEMO_DOMAIN}")
    assert ReportSupport.objects.filter(user=demo_citizen).exists()
    assert not ReportSupport.objects.filter(
        user=demo_citizen, report__reporter=demo_citizen
    ).exists()
    assert ReportFollower.objects.filter(user=demo_citizen).exists()

    # Every staff account has reports of its own agency to look at.
    for account in DEMO_ACCOUNTS:
        if account.role in (Role.AGENCY_ADMIN, Role.UNIT_OFFICER):
            user = User.objects.get(email=account.email)
            own = reports_visible_to(user=user).filter(agency__path__startswith=user.agency.path)
            assert own.exists(), account.email


def _outside_story():
    """Reports, deadlines, notifications, followers, a rating and a template that are not
    the demo's; and non-demo admins of the demo's agencies, whom the demo's reports notify."""
    citizen = UserFactory(email="bukan.demo@example.id")
    other = UserFactory(email="warga.lain@example.id")
    admin = NationalAdminFactory(email="admin.lain@example.id")
    agency = AgencyFactory()
    officer = AgencyAdminFactory(agency=agency, email="petugas.lain@example.id")
    for code in ("kemenkes", "prov-32", "kota-32.73"):
        AgencyAdminFactory(agency=Agency.objects.get(code=code), email=f"{code}.lain@example.id")
    texts = {
        "channel": "web",
        "classification": "complaint",
        "title": "Lampu jalan di depan sekolah padam",
        "body": "Sudah dua minggu lampu jalan di depan sekolah padam, rawan saat malam hari.",
    }
    report = report_submit(reporter=citizen, **texts)
    duplicate = report_submit(reporter=other, **texts)
    wf.report_dispose(report=report, actor=admin, agency_id=agency.pk)
    wf.report_merge(report=duplicate, actor=admin, into=report.tracking_id)
    wf.report_accept(report=report, actor=officer)
    wf.report_respond(report=report, actor=officer, body="Lampu sudah kami ganti pagi ini.")
    wf.report_close(report=report, actor=citizen)
    wf.report_rate(report=report, actor=citizen, score=4)
    ResponseTemplate.objects.create(
        agency=agency, title="Sudah diperbaiki", body="Sudah diperbaiki.", created_by=officer
    )
    return report


def _outside():
    """Everything that is not demo data, as it is now."""
    not_demo = {"report__reporter__email__endswith": DEMO}
    return {
        "users": set(User.objects.exclude(email__endswith=DEMO).values_list("pk", "email")),
        "reports": set(
            Report.objects.exclude(reporter__email__endswith=DEMO).values_list(
                "pk", "status", "event_count", "audit_head", "due_at"
            )
        ),
        "events": set(ReportEvent.objects.exclude(**not_demo).values_list("pk", "hash")),
        "deadlines": set(Deadline.objects.exclude(**not_demo).values_list("pk", "state", "due_at")),
        "notifications": set(
            Notification.objects.exclude(**not_demo).values_list("pk", "state", "read_at")
        ),
        "followers": set(ReportFollower.objects.exclude(**not_demo).values_list("pk", "user")),
        "ratings": set(Rating.objects.exclude(**not_demo).values_list("pk", "score")),
        "templates": set(
            ResponseTemplate.objects.exclude(created_by__email__endswith=DEMO).values_list("pk")
        ),
    }


def test_if_empty_does_nothing_and_reset_recreates_leaving_the_rest_alone(directory):
    outsider = _outside_story()
    # The loader ends with a sweep, which delivers whatever is due, the outsider's
    # notifications included once their grace has passed (on a slow machine, during the
    # test): deliver them first, so that only a change by the loader itself shows.
    Notification.objects.filter(state=NotificationState.PENDING).update(
        next_attempt_at=timezone.now() - dt.timedelta(minutes=5)
    )
    notifications_deliver_pending()
    before = _outside()
    assert all(before.values()), before
    _load(reports=30)
    demo = Report.objects.filter(reporter__email__endswith=DEMO)
    first_ids = set(demo.values_list("pk", flat=True))
    assert len(first_ids) == 30
    assert _outside() == before
    users = User.objects.count()
    # The non-demo staff of the demo agencies were told about demo reports.
    colleagues = User.objects.filter(email__endswith=".lain@example.id")
    assert Notification.objects.filter(recipient__in=colleagues, report__in=first_ids).exists()

    assert "nothing to do" in _load("--if-empty", reports=30)
    assert set(demo.values_list("pk", flat=True)) == first_ids
    assert User.objects.count() == users

    with pytest.raises(CommandError, match="--reset"):
        _load(reports=30)

    output = _load("--reset", reports=30)
    assert "Removed the previous demo data (30 reports)" in output
    second_ids = set(demo.values_list("pk", flat=True))
    assert len(second_ids) == 30
    assert not first_ids & second_ids
    assert User.objects.count() == users
    # Nothing of the first demo is left behind, and nothing else was touched.
    for model in (ReportEvent, Deadline, Notification, ReportFollower, Rating, Attachment):
        assert not model.objects.filter(report_id__in=first_ids).exists(), model.__name__
    assert _outside() == before
    assert Report.objects.filter(pk=outsider.pk, status=Status.CLOSED).exists()
    assert list(chain_verify()) == []


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


def test_demo_totp_prints_what_an_app_given_the_published_secret_shows(directory):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    _load(reports=5)
    at = 1_800_000_015.0
    code, seconds = demo_totp_code("admin.nasional@demo.aduan.test", at=at)
    assert code == format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(at) // 30))
    assert seconds == 15
    out = StringIO()
    call_command("demo_totp", "ksp@demo.aduan.test", stdout=out)
    assert re.fullmatch(r"\d{6}\n", out.getvalue())
    # Every staff account has the app; citizens have none and any other account is refused.
    staff = [account for account in DEMO_ACCOUNTS if account.role != Role.CITIZEN]
    assert Authenticator.objects.filter(user__email__in=[a.email for a in staff]).count() == len(
        staff
    )
    with pytest.raises(DemoError, match="no authenticator app"):
        demo_totp_code("warga@demo.aduan.test")
    outsider = NationalAdminFactory(email="admin@example.id")
    Authenticator.objects.create(
        user=outsider, type=Authenticator.Type.TOTP, data={"secret": DEMO_TOTP_SECRET}
    )
    with pytest.raises(CommandError, match="not a demo account"):
        call_command("demo_totp", outsider.email)
