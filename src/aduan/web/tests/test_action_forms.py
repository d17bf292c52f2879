"""A service's field error lands on the form field that holds the value, also where
the form names the field differently from the service's argument."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aduan.reports.models import ReportEvent, Status

from .staff_helpers import disposed, sign_in, submitted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def post(client, report, action: str, **data):
    return client.post(
        reverse("web:staff_report", args=[report.tracking_id]), {"action": action, **data}
    )


def field_error(response, form: str, field: str) -> str:
    html = response.content.decode()
    marker = f'<p class="error" id="id_{form}_{field}_error">'
    assert marker in html, f"no error on {form}.{field}"
    return html.split(marker, 1)[1].split("</p>", 1)[0]


def test_a_title_the_service_refuses_is_shown_on_the_title_field(client, people, citizen, agency):
    report = submitted(citizen)
    events = ReportEvent.objects.filter(report=report).count()
    sign_in(client, people["national_admin"])
    response = post(
        client,
        report,
        "dispose",
        agency_q="",
        agency_id=agency.pk,
        title_text="Pendek",
        category_id="",
        note="",
        anonymous="shown",
        confidential="public",
        privacy_checked="on",
    )
    assert response.status_code == 422
    assert "The title needs 10 to 150 characters." in field_error(response, "dispose", "title_text")
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert report.events.count() == events


def test_forwarding_to_the_agency_that_has_it_is_shown_on_the_unit_field(
    client, people, citizen, agency
):
    report = disposed(citizen, admin=people["national_admin"], agency=agency)
    sign_in(client, people["agency_admin"])
    response = post(client, report, "forward", unit_id="", agency_id=agency.pk, note="")
    assert response.status_code == 422
    assert "The report is already with this agency." in field_error(response, "forward", "unit_id")
    report.refresh_from_db()
    assert report.status == Status.DISPOSITIONED
    assert report.agency == agency
