"""The tracking page and its confirmation: who sees the report, who sees the reporter."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aduan.reports.models import ReportEvent
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

# viewer → (sees a confidential report, sees an anonymous reporter's name and contact)
CONFIDENTIAL_ACCESS = {
    "anonymous": False,
    "owner": True,
    "other_citizen": False,
    "national_admin": True,
    "oversight": True,
    "agency_admin": True,  # staff of the handling agency
    "unit_officer": False,  # a unit below it does not see the parent's reports
    "other_agency_admin": False,
}
FULL_IDENTITY = {"owner", "national_admin"}


def _get(client, viewer, report):
    if viewer is not None:
        client.force_login(viewer)
    return client.get(reverse("web:track_detail", args=[report.tracking_id]))


@pytest.mark.parametrize("viewer_name", list(CONFIDENTIAL_ACCESS))
@pytest.mark.parametrize("confidential", [False, True])
@pytest.mark.parametrize("anonymous", [False, True])
def test_tracking_page_visibility_matrix(
    client, viewers, citizen, agency, viewer_name, confidential, anonymous
):
    report = ReportFactory(
        verified=True,
        reporter=citizen,
        agency=agency,
        confidential=confidential,
        anonymous=anonymous,
        title="Pungutan liar di kantor kelurahan",
    )
    response = _get(client, viewers[viewer_name], report)

    may_see = not confidential or CONFIDENTIAL_ACCESS[viewer_name]
    if not may_see:
        assert response.status_code == 404
        assert "Pungutan liar" not in response.content.decode()
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pungutan liar di kantor kelurahan" in html
    assert report.tracking_id in html

    full = viewer_name in FULL_IDENTITY
    name_shown = full or not anonymous
    assert ("Siti Rahmawati" in html) is name_shown
    assert ("siti@example.id" in html) is full
    assert ("+6281234567890" in html) is full


def test_missing_and_forbidden_reports_give_the_same_404(client, citizen, other_citizen):
    confidential = ReportFactory(reporter=citizen, confidential=True)
    client.force_login(other_citizen)
    forbidden = client.get(reverse("web:track_detail", args=[confidential.tracking_id]))
    missing = client.get(reverse("web:track_detail", args=["23456789AB"]))
    assert forbidden.status_code == missing.status_code == 404

    def page(response, tracking_id: str) -> str:
        html = response.content.decode().replace(tracking_id, "")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert page(forbidden, confidential.tracking_id) == page(missing, "23456789AB")


def test_archived_report_is_not_public(client, citizen):
    report = ReportFactory(reporter=citizen, status="archived")
    assert client.get(reverse("web:track_detail", args=[report.tracking_id])).status_code == 404
    client.force_login(citizen)
    assert client.get(reverse("web:track_detail", args=[report.tracking_id])).status_code == 200


def test_timeline_names_roles_and_agencies_never_people(client, viewers, citizen, agency):
    report = ReportFactory(verified=True, reporter=citizen, agency=agency)
    officer = viewers["agency_admin"]
    ReportEvent.objects.create(
        report=report,
        actor=officer,
        actor_role=officer.role,
        actor_agency=agency,
        action="forward",
        note="Diteruskan ke bidang jalan.",  # between desks: not for the public
    )
    ReportEvent.objects.create(
        report=report,
        actor=officer,
        actor_role=officer.role,
        actor_agency=agency,
        action="respond",
        note="Jalan sudah kami tambal.",
    )
    ReportEvent.objects.create(
        report=report,
        actor=officer,
        actor_role=officer.role,
        actor_agency=agency,
        action="internal_note",
        note="Catatan internal petugas.",
        is_public=False,
    )
    html = client.get(reverse("web:track_detail", args=[report.tracking_id])).content.decode()
    assert "Jalan sudah kami tambal." in html
    assert "Diteruskan ke bidang jalan." not in html
    assert "Catatan internal petugas." not in html
    assert officer.full_name not in html
    assert agency.label in html
    assert "Siti Rahmawati" in html  # the report itself names its (non-anonymous) reporter
    timeline = html.split('id="timeline-title"')[1]
    assert "Siti Rahmawati" not in timeline  # but the timeline does not

    client.force_login(officer)
    staff_html = client.get(reverse("web:track_detail", args=[report.tracking_id])).content
    assert "Catatan internal petugas." in staff_html.decode()
    assert "Diteruskan ke bidang jalan." in staff_html.decode()


def test_track_search_box_redirects_to_the_report(client):
    report = ReportFactory()
    spaced = f"{report.tracking_id[:5].lower()} {report.tracking_id[5:].lower()}"
    response = client.get(reverse("web:track"), {"id": spaced})
    assert response.status_code == 302
    assert response.url == reverse("web:track_detail", args=[report.tracking_id])


def test_track_search_box_rejects_a_malformed_id(client):
    response = client.get(reverse("web:track"), {"id": "bukan-nomor!"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="track-id-error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="bukan-nomor!"' in html


def test_confirmation_page_only_for_the_reporter(client, citizen, other_citizen, viewers):
    report = ReportFactory(reporter=citizen)
    url = reverse("web:report_sent", args=[report.tracking_id])
    response = client.get(url)
    assert response.status_code == 302  # anonymous visitor: sign in first
    client.force_login(other_citizen)
    assert client.get(url).status_code == 404
    client.force_login(viewers["national_admin"])
    assert client.get(url).status_code == 404
    client.force_login(citizen)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<p class="tracking-id" id="tracking-id">{report.tracking_id}</p>' in html
    assert reverse("web:track_detail", args=[report.tracking_id]) in html


def test_the_timeline_and_facts_say_which_channel_the_report_came_by(client):
    from aduan.reports.tests.factories import ReportFactory

    report = ReportFactory(verified=True, channel="sms")
    html = client.get(f"/lacak/{report.tracking_id}/").content.decode()
    assert html.count("SMS 1708") == 2  # the facts and the submitted event
