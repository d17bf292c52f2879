"""The whole life of a report through the web pages, as the people involved click it:
the citizen submits on /lapor/, the national admin verifies and disposes on the staff
page, the agency admin accepts and forwards to a unit, the unit officer responds with a
file, the citizen answers, the officer responds again, the citizen accepts and rates."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.urls import reverse

from aduan.notifications.models import Notification, NotificationChannel
from aduan.reports.audit import chain_verify
from aduan.reports.models import Attachment, Rating, Report, Status

from .helpers import pdf_upload
from .staff_helpers import WIB, sign_in, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def in_app(user, kind: str) -> int:
    return Notification.objects.filter(
        recipient=user, kind=kind, channel=NotificationChannel.IN_APP
    ).count()


def timeline(client, report) -> list[str]:
    html = client.get(reverse("web:track_detail", args=[report.tracking_id])).content.decode()
    section = html[html.index('id="timeline-title"') :]
    return [unescape(label) for label in re.findall(r"<p><strong>([^<]+)</strong>", section)]


def test_the_full_path_through_the_web_pages(client, people, citizen, agency, unit, frozen):
    admin = people["national_admin"]
    agency_admin = people["agency_admin"]
    officer = people["unit_officer"]

    # 1. The citizen submits on /lapor/, anonymously.
    sign_in(client, citizen)
    response = client.post(
        reverse("web:report_new"),
        {
            "classification": "complaint",
            "title": "Jalan berlubang di depan SD Negeri 3",
            "body": "Lubang besar di jalan depan sekolah sudah membahayakan anak-anak sejak lama.",
            "anonymous": "on",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == Status.SUBMITTED
    assert report.anonymous
    staff_url = reverse("web:staff_report", args=[report.tracking_id])
    track_url = reverse("web:track_detail", args=[report.tracking_id])
    assert "Verification: 4 December 2026, 23:59 WIB · 3 working days left" in text(
        client.get(track_url)
    )

    # 2. The national admin finds it in the queue and disposes it, privacy confirmed.
    client.logout()
    frozen.move_to(dt.datetime(2026, 12, 2, 10, 0, tzinfo=WIB))
    sign_in(client, admin)
    queue = client.get(reverse("web:staff_queue"))
    assert report.tracking_id in queue.content.decode()
    assert "Anonymous reporter" in text(queue)
    page = client.get(staff_url)
    assert citizen.full_name in page.content.decode()  # the national admin may know
    response = client.post(
        staff_url,
        {
            "action": "dispose",
            "agency_id": agency.pk,
            "title_text": report.title,
            "category_id": "",
            "note": "Mohon ditindaklanjuti.",
            "anonymous": "hidden",
            "confidential": "public",
            "privacy_checked": "on",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.DISPOSITIONED
    assert report.agency == agency
    assert in_app(agency_admin, "disposition_received") == 1
    assert in_app(citizen, "status_changed") == 1

    # 3. The agency admin sees it in the inbox (without the reporter's name), accepts it and
    #    forwards it to the unit.
    client.logout()
    sign_in(client, agency_admin)
    inbox = client.get(reverse("web:staff_inbox"))
    assert report.tracking_id in inbox.content.decode()
    page = client.get(staff_url)
    assert citizen.full_name not in page.content.decode()
    assert "First response: " in text(page)
    assert client.post(staff_url, {"action": "accept"}).status_code == 302
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    response = client.post(
        staff_url, {"action": "forward", "unit_id": unit.pk, "note": "Wilayah Anda."}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.agency == unit
    assert in_app(officer, "disposition_received") == 1

    # 4. The unit officer responds with a file.
    client.logout()
    sign_in(client, officer)
    assert report.tracking_id in client.get(reverse("web:staff_inbox")).content.decode()
    response = client.post(
        staff_url,
        {
            "action": "respond",
            "body": "Lubang sudah kami tambal hari ini; berita acara terlampir.",
            "files": [pdf_upload("berita-acara.pdf")],
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.RESPONDED
    attachment = Attachment.objects.get(report=report)
    assert attachment.event.action == "respond"
    assert in_app(citizen, "response_posted") == 1

    # 5. The citizen reads the response with its file on the tracking page and answers.
    client.logout()
    sign_in(client, citizen)
    page = client.get(track_url)
    assert "Lubang sudah kami tambal hari ini" in text(page)
    assert "berita-acara.pdf" in text(page)
    download = client.get(reverse("web:attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    response = client.post(
        track_url, {"action": "answer", "body": "Masih ada satu lubang di ujung jalan."}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert in_app(officer, "comment_posted") == 1

    # 6. The officer responds again.
    client.logout()
    sign_in(client, officer)
    response = client.post(
        staff_url,
        {"action": "respond", "body": "Lubang di ujung jalan juga sudah kami tambal sore ini."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.RESPONDED
    assert in_app(citizen, "response_posted") == 2

    # 7. The citizen accepts and rates.
    client.logout()
    sign_in(client, citizen)
    assert client.post(track_url, {"action": "close"}).status_code == 302
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    response = client.post(track_url, {"action": "rate", "score": "5", "comment": "Cepat."})
    assert response.status_code == 302
    assert Rating.objects.get(report=report).score == 5
    assert "Done: Rated." in text(client.get(track_url))

    assert timeline(client, report) == [
        "Submitted",
        "Sent to agency",
        "Accepted by the agency",
        "Forwarded",
        "Agency response",
        "Reporter's answer",
        "Agency response",
        "Closed by the reporter",
        "Rated",
    ]
    assert list(chain_verify()) == []
    # The badge in the header counts the citizen's unread notifications.
    unread = Notification.objects.filter(
        recipient=citizen, channel=NotificationChannel.IN_APP, read_at__isnull=True
    ).count()
    assert unread >= 4
    # Each notification's commit forgets the count the header keeps (notifications.badge);
    # this test's transaction never commits, so forget it here.
    cache.clear()
    assert f'<span class="badge" aria-label="{unread} unread">{unread}</span>' in (
        client.get(reverse("web:home")).content.decode()
    )
