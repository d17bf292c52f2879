"""Who reads which text: a note between desks never reaches the reporter or the public, on
any surface (page, feed, API, Open311, SMS, e-mail and in-app notifications); a report
is public only once the national desk has verified it."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.api.tests.utils import bearer
from aduan.channels.sms.tests.conftest import sms
from aduan.notifications.models import Notification
from aduan.reports.models import Channel, EventAction, Report, Status
from aduan.reports.selectors import (
    NOTE_AUDIENCE,
    event_list_for_user,
    report_visibility_q,
    report_visible,
)
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow import services as wf
from aduan.workflow.services import report_submit

pytestmark = pytest.mark.django_db

DESK_NOTE = "CATATAN-DESK: pelapor sudah tiga kali mengadu, mohon prioritas."
UNIT_NOTE = "CATATAN-UNIT: tolong cek data kependudukan pelapor."
RESPONSE = "Jalan di depan sekolah akan diperbaiki oleh dinas minggu depan."
INTERNAL = (DESK_NOTE, UNIT_NOTE)


@pytest.fixture
def world(db):
    agency = AgencyFactory(name="Pemerintah Kota Contoh")
    unit = UnitFactory(parent=agency, name="Dinas Pekerjaan Umum Kota Contoh")
    reporter = UserFactory(full_name="Siti Rahmawati", email="siti@example.id")
    desk = NationalAdminFactory()
    admin = AgencyAdminFactory(agency=agency)
    officer = UnitOfficerFactory(agency=unit)
    report = report_submit(
        reporter=reporter,
        channel=Channel.WEB,
        classification="complaint",
        title="Jalan rusak di depan sekolah dasar",
        body="Jalan di depan SD Negeri 3 berlubang besar dan membahayakan anak-anak.",
        agency_id=agency.pk,
    )
    return {
        "agency": agency,
        "unit": unit,
        "reporter": reporter,
        "desk": desk,
        "admin": admin,
        "officer": officer,
        "report": report,
    }


def handled(world) -> Report:
    """Disposed with a desk note, forwarded to a unit with a note, responded."""
    report = wf.report_dispose(
        report=world["report"], actor=world["desk"], agency_id=world["agency"].pk, note=DESK_NOTE
    )
    report = wf.report_forward(
        report=report, actor=world["admin"], agency_id=world["unit"].pk, note=UNIT_NOTE
    )
    report = wf.report_accept(report=report, actor=world["officer"])
    report = wf.report_respond(report=report, actor=world["officer"], body=RESPONSE)
    report.refresh_from_db()
    return report


def assert_no_internal_note(text: str) -> None:
    for note in INTERNAL:
        assert note not in text
    assert "CATATAN-" not in text


# --- Through the desk ---------------------------------------------------------------------


def test_a_report_with_a_chosen_agency_waits_for_the_desk(world):
    report = world["report"]
    assert report.status == Status.SUBMITTED
    assert report.agency is None
    assert report.requested_agency == world["agency"]
    kinds = set(report.deadlines.values_list("kind", flat=True))
    assert kinds == {"verification"}  # the response clock starts at the disposition
    assert not Notification.objects.filter(recipient=world["admin"]).exists()


@pytest.mark.parametrize(
    "status",
    [Status.SUBMITTED, Status.ON_HOLD, Status.RETURNED, Status.ARCHIVED],
)
def test_nothing_unverified_is_public(client, status):
    owner = UserFactory()
    report = ReportFactory(reporter=owner, status=status, title="Laporan belum diverifikasi")
    stranger, staff_elsewhere = UserFactory(), AgencyAdminFactory()
    for user in (None, stranger, staff_elsewhere):
        assert not report_visible(user=user, report=report)
        assert not Report.objects.filter(report_visibility_q(user=user), pk=report.pk).exists()
    for user in (owner, NationalAdminFactory(), OversightFactory()):
        assert report_visible(user=user, report=report)
        assert Report.objects.filter(report_visibility_q(user=user), pk=report.pk).exists()
    assert client.get(reverse("web:track_detail", args=[report.tracking_id])).status_code == 404
    assert "Laporan belum diverifikasi" not in client.get(reverse("web:feed")).content.decode()
    api = client.get(f"/api/v1/reports/{report.tracking_id}")
    assert api.status_code == 404
    assert client.get(f"/open311/v2/requests/{report.tracking_id}.json").status_code == 404


@pytest.mark.parametrize(
    ("status", "confidential", "public"),
    [
        (Status.DISPOSITIONED, False, True),
        (Status.IN_PROGRESS, False, True),
        (Status.RESPONDED, False, True),
        (Status.CLOSED, False, True),
        (Status.RESPONDED, True, False),
    ],
)
def test_the_one_rule_and_its_in_memory_twin_agree(status, confidential, public):
    report = ReportFactory(status=status, confidential=confidential, agency=AgencyFactory())
    for user in (None, UserFactory(), AgencyAdminFactory()):
        assert report_visible(user=user, report=report) is public
        assert (
            Report.objects.filter(report_visibility_q(user=user), pk=report.pk).exists() is public
        )


def test_the_response_clock_starts_when_the_desk_disposes(world):
    report = wf.report_dispose(
        report=world["report"], actor=world["desk"], agency_id=world["agency"].pk
    )
    kinds = dict(report.deadlines.values_list("kind", "state"))
    assert kinds["verification"] == "met"
    assert kinds["response"] == "open"
    assert Notification.objects.filter(
        recipient=world["admin"], kind="disposition_received"
    ).exists()


# --- The audience of each note -------------------------------------------------------------


def test_every_event_action_has_an_audience():
    assert set(NOTE_AUDIENCE) == set(EventAction.values)


def test_the_public_timeline_page_never_shows_a_desk_note(client, world):
    report = handled(world)
    url = reverse("web:track_detail", args=[report.tracking_id])
    for viewer in (None, world["reporter"], UserFactory(), AgencyAdminFactory()):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        html = client.get(url).content.decode()
        assert RESPONSE in html
        assert "Pemerintah Kota Contoh" in html  # where it went is public; why is not
        assert_no_internal_note(html)
    client.force_login(world["admin"])
    html = client.get(reverse("web:staff_report", args=[report.tracking_id])).content.decode()
    assert DESK_NOTE in html
    assert UNIT_NOTE in html


def test_handlers_read_the_desk_notes_and_nobody_else_does(world):
    report = handled(world)
    report = Report.objects.get(pk=report.pk)
    for reader, sees in (
        (world["desk"], True),
        (world["admin"], True),
        (world["officer"], True),
        (OversightFactory(), True),
        (world["reporter"], False),
        (UserFactory(), False),
        (AgencyAdminFactory(), False),
        (None, False),
    ):
        notes = " ".join(e.readable_note for e in event_list_for_user(user=reader, report=report))
        assert (DESK_NOTE in notes) is sees, reader
        assert (UNIT_NOTE in notes) is sees, reader
        assert RESPONSE in notes


def test_the_api_serves_a_desk_note_only_to_those_who_handle_the_report(client, world):
    report = handled(world)
    url = f"/api/v1/reports/{report.tracking_id}"
    visitor = client.get(url)
    assert visitor.status_code == 200
    assert_no_internal_note(visitor.content.decode())
    events = visitor.json()["events"]
    disposed = next(e for e in events if e["action"] == "dispose")
    assert (disposed["note"], disposed["target_agency"]["name"]) == ("", "Pemerintah Kota Contoh")
    events = client.get(url, **bearer(world["admin"])).json()["events"]
    disposed = next(e for e in events if e["action"] == "dispose")
    assert (disposed["note"], disposed["note_internal"]) == (DESK_NOTE, True)


def test_open311_and_the_feed_carry_no_desk_note(client, world):
    report = handled(world)
    shown = client.get(f"/open311/v2/requests/{report.tracking_id}.json").content.decode()
    assert json.loads(shown)[0]["status_notes"] == RESPONSE
    assert_no_internal_note(shown)
    assert_no_internal_note(client.get(reverse("web:feed")).content.decode())


def test_sms_cek_carries_no_desk_note(client, world, settings):
    settings.ADUAN_SMS_INBOUND_TOKEN = "kannel-test-token-5d1f"
    settings.ADUAN_SMS_ALLOWED_IPS = []
    settings.ADUAN_SMS_RATE = "100/h"
    report = handled(world)
    reply = sms(client, f"CEK {report.tracking_id}", sender="081299998888").content.decode()
    assert "Jalan di depan sekolah" in reply
    assert_no_internal_note(reply)


def test_sms_cek_of_an_unverified_report_from_another_number_is_not_found(client, world, settings):
    settings.ADUAN_SMS_INBOUND_TOKEN = "kannel-test-token-5d1f"
    settings.ADUAN_SMS_ALLOWED_IPS = []
    settings.ADUAN_SMS_RATE = "100/h"
    report = world["report"]
    reply = sms(client, f"CEK {report.tracking_id}", sender="081299998888").content.decode()
    assert "Jalan rusak" not in reply
    assert report.get_status_display() not in reply


def test_notifications_carry_a_desk_note_only_to_the_desks(world):
    handled(world)
    to_reporter = Notification.objects.filter(recipient=world["reporter"])
    assert to_reporter.exists()
    for notification in to_reporter:
        assert_no_internal_note(notification.subject + notification.body)
    to_agency = Notification.objects.filter(recipient=world["admin"], kind="disposition_received")
    assert any(DESK_NOTE in n.body for n in to_agency)


def test_a_return_reason_is_for_the_desk_not_the_reporter(client, world):
    report = wf.report_dispose(
        report=world["report"], actor=world["desk"], agency_id=world["agency"].pk
    )
    reason = "ALASAN-KEMBALI: bukan kewenangan kami, ini urusan provinsi."
    wf.report_return(report=report, actor=world["admin"], reason=reason)
    client.force_login(world["reporter"])
    html = client.get(reverse("web:track_detail", args=[report.tracking_id])).content.decode()
    assert "ALASAN-KEMBALI" not in html
    for notification in Notification.objects.filter(recipient=world["reporter"]):
        assert "ALASAN-KEMBALI" not in notification.body
    client.force_login(world["desk"])
    html = client.get(reverse("web:staff_report", args=[report.tracking_id])).content.decode()
    assert "ALASAN-KEMBALI" in html


# --- What a follower is told ----------------------------------------------------------------


def test_a_follower_is_told_nothing_of_a_confidential_report(world):
    desk = world["desk"]
    survivor = wf.report_dispose(
        report=world["report"], actor=desk, agency_id=world["agency"].pk, confidential=True
    )
    follower = UserFactory()
    duplicate = ReportFactory(reporter=follower, title="Jalan berlubang dekat sekolah dasar")
    wf.report_merge(report=duplicate, actor=desk, into=survivor.tracking_id)
    assert survivor.followers.filter(user=follower).exists()
    wf.report_accept(report=survivor, actor=world["admin"])
    wf.report_respond(report=survivor, actor=world["admin"], body=RESPONSE)
    told = Notification.objects.filter(recipient=follower)
    assert told.filter(report=duplicate, kind="report_merged").exists()  # their own report
    assert not told.filter(report=survivor).exists()
    for notification in told:
        assert RESPONSE not in notification.body
        assert survivor.title not in notification.subject + notification.body


def test_a_follower_of_a_public_report_hears_its_response(world):
    desk = world["desk"]
    survivor = wf.report_dispose(report=world["report"], actor=desk, agency_id=world["agency"].pk)
    follower = UserFactory()
    duplicate = ReportFactory(reporter=follower, title="Jalan berlubang dekat sekolah dasar")
    wf.report_merge(report=duplicate, actor=desk, into=survivor.tracking_id)
    wf.report_accept(report=survivor, actor=world["admin"])
    wf.report_respond(report=survivor, actor=world["admin"], body=RESPONSE)
    assert Notification.objects.filter(
        recipient=follower, report=survivor, kind="response_posted"
    ).exists()


def test_no_notification_kind_reaches_a_follower_who_may_not_open_the_report(world):
    """Every kind the workflow sends to the reporter's side, on a report the follower may
    not open (it went back to the desk, so it is no longer public)."""
    desk = world["desk"]
    survivor = wf.report_dispose(report=world["report"], actor=desk, agency_id=world["agency"].pk)
    follower = UserFactory()
    wf.report_merge(report=ReportFactory(reporter=follower), actor=desk, into=survivor.tracking_id)
    Notification.objects.filter(recipient=follower).delete()
    wf.report_return(report=survivor, actor=world["admin"], reason="Bukan kewenangan instansi ini.")
    wf.report_hold(report=survivor, actor=desk, question="Di kecamatan mana lokasinya?")
    wf.report_comment(report=survivor, actor=desk, body="Mohon dijawab segera.")
    wf.report_archive(report=survivor, actor=desk, reason="Pelapor tidak menjawab pertanyaan.")
    assert not Notification.objects.filter(recipient=follower).exists()


# --- Who acted: an anonymous reporter who is staff elsewhere ------------------------------


def test_an_anonymous_reporter_who_is_staff_reads_as_the_reporter_on_every_timeline(client):
    elsewhere = AgencyFactory(name="Badan Rahasia Sekali")
    staff_reporter = AgencyAdminFactory(agency=elsewhere)
    report = report_submit(
        reporter=staff_reporter,
        channel=Channel.WEB,
        classification="complaint",
        title="Pungutan liar di kantor kelurahan",
        body="Petugas kelurahan meminta uang tambahan untuk mengurus surat pindah.",
        anonymous=True,
    )
    report = wf.report_dispose(
        report=report, actor=NationalAdminFactory(), agency_id=AgencyFactory().pk
    )
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(reverse("web:track_detail", args=[report.tracking_id])).content.decode()
    timeline = page.split('id="timeline-title"')[1]
    assert "Badan Rahasia Sekali" not in page
    assert "Agency admin" not in timeline
    assert "Reporter" in timeline
    api = client.get(f"/api/v1/reports/{report.tracking_id}").json()
    assert api["events"][0]["actor"] == {"role": "citizen", "role_label": "Citizen", "agency": None}


def test_a_note_written_for_a_notification_is_masked_for_a_follower(world):
    from aduan.notifications.services import notify

    report = wf.report_dispose(
        report=world["report"], actor=world["desk"], agency_id=world["agency"].pk
    )
    follower = UserFactory()
    notify(
        recipients=[follower, world["reporter"]],
        kind="status_changed",
        report=report,
        context={"note": "Hubungi pelapor di 0812-3456-7890."},
        key="masked-note",
    )
    to_follower = Notification.objects.filter(recipient=follower)
    assert to_follower.exists()
    assert all("0812-3456-7890" not in n.body for n in to_follower)
    to_reporter = Notification.objects.filter(
        recipient=world["reporter"], channel="in_app", idempotency_key__startswith="masked-note"
    )
    assert "0812-3456-7890" in to_reporter.get().body
