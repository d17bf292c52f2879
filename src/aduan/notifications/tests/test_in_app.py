"""The in-app list's own text: a sentence or two in the recipient's language, the note
they may read, and one link (the staff page for staff, the tracking page for citizens),
instead of the e-mail's greeting, URLs and footer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import escape

from aduan.accounts.tests.factories import NationalAdminFactory, UnitOfficerFactory, UserFactory
from aduan.notifications.models import Notification, NotificationKind
from aduan.notifications.services import notify
from aduan.reports.models import EventAction, ReportEvent, Status
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

# What only the e-mail says: the greeting, the footer, addresses to copy.
EMAIL_ONLY = ("Yth.", "Hello", "http", "://", "/notifikasi/pengaturan/", "Aduan.", "menerima")


@pytest.fixture
def people():
    return {
        "reporter": UserFactory(language="id", full_name="Siti Rahmawati"),
        "follower": UserFactory(language="id"),
        "officer": UnitOfficerFactory(language="id"),
        "desk": NationalAdminFactory(language="id"),
    }


@pytest.fixture
def report(people):
    return ReportFactory(
        verified=True,
        reporter=people["reporter"],
        title="Jalan berlubang di Jalan Asia Afrika",
        status=Status.IN_PROGRESS,
    )


def test_every_kind_has_an_in_app_template():
    for kind in NotificationKind.values:
        get_template(f"notifications/in_app/{kind}.txt")


def test_every_kind_is_a_short_indonesian_text_with_one_link(people, report):
    for kind in NotificationKind.values:
        rows = notify(
            recipients=people.values(),
            kind=kind,
            report=report,
            key=f"in-app:{kind}",
            context={
                "note": "Mohon segera ditindaklanjuti.",
                "due": dt.date(2026, 3, 2),
                "merged_into": "ADU-XYZ",
                "agency_name": "Dinas Bina Marga",
                "to_status": Status.IN_PROGRESS,
            },
        )
        in_app = {row.recipient_id: row for row in rows if row.channel == "in_app"}
        assert len(in_app) == len(people), kind
        for role, user in people.items():
            row = in_app[user.pk]
            lines = row.body.strip().splitlines()
            assert len(lines) == 2, (kind, row.body)  # the sentence, the note
            sentence = lines[0]
            assert report.title in sentence, (kind, sentence)
            assert "laporan" in sentence.lower(), (kind, sentence)  # Indonesian, not English
            assert sentence.count(". ") <= 1, (kind, sentence)
            assert "Mohon segera ditindaklanjuti." in row.body, kind
            for word in EMAIL_ONLY:
                assert word not in row.body, (kind, role, word, row.body)
            staff = role in {"officer", "desk"}
            expected = "web:staff_report" if staff else "web:track_detail"
            assert row.url == reverse(expected, args=[report.tracking_id]), (kind, role)


def test_in_app_note_follows_the_audience_rule(people, report):
    """A note between desks (a disposition's note for the agency) reaches staff in the
    list, never the reporter; the agency's response reaches both."""
    internal = ReportEvent.objects.create(
        report=report,
        action=EventAction.DISPOSED,
        from_status=Status.SUBMITTED,
        to_status=Status.DISPOSITIONED,
        note="Catatan untuk instansi: pelapor sering mengeluh.",
    )
    response = ReportEvent.objects.create(
        report=report,
        action=EventAction.RESPONDED,
        from_status=Status.IN_PROGRESS,
        to_status=Status.RESPONDED,
        note="Perbaikan dijadwalkan minggu depan.",
    )
    recipients = [people["reporter"], people["desk"]]
    for event, kind in ((internal, "status_changed"), (response, "response_posted")):
        notify(recipients=recipients, kind=kind, report=report, event=event, key=f"e:{event.pk}")
    rows = Notification.objects.filter(channel="in_app")
    for row in rows:
        is_reporter = row.recipient_id == people["reporter"].pk
        if row.event_id == internal.pk:
            assert ("pelapor sering mengeluh" in row.body) is not is_reporter, row.body
        else:
            assert "Perbaikan dijadwalkan minggu depan." in row.body


def test_notification_list_shows_the_text_and_a_link_to_the_staff_page(
    people, report, visitor_client
):
    notify(
        recipients=[people["desk"], people["reporter"]],
        kind=NotificationKind.COMMENT_POSTED,
        report=report,
        key="list",
        context={"note": "Sudah ada foto terbaru."},
    )
    staff_page = reverse("web:staff_report", args=[report.tracking_id])
    track_page = reverse("web:track_detail", args=[report.tracking_id])

    visitor_client.force_login(people["desk"])
    html = visitor_client.get(reverse("notifications:list")).content.decode()
    assert f'href="{staff_page}"' in html
    assert escape(f'Ada komentar baru pada laporan "{report.title}".') in html
    assert "Yth." not in html
    assert visitor_client.get(staff_page).status_code == 200

    visitor_client.force_login(people["reporter"])
    html = visitor_client.get(reverse("notifications:list")).content.decode()
    assert f'href="{track_page}"' in html
    assert f'href="{staff_page}"' not in html
