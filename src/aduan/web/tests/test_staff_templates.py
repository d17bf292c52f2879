"""Response templates: which ones the picker offers, placeholders, the htmx fill and the
no-JavaScript fill, and their admin."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aduan.accounts.tests.factories import UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.categories.tests.factories import CategoryFactory
from aduan.reports.models import Status
from aduan.workflow import services as wf
from aduan.workflow.models import ResponseTemplate, validate_placeholders

from .staff_helpers import in_progress, sign_in, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def roads():
    return CategoryFactory(name_en="Roads", name_id="Jalan")


@pytest.fixture
def report(people, citizen, agency, roads):
    return in_progress(
        citizen,
        admin=people["national_admin"],
        agency=agency,
        agency_admin=people["agency_admin"],
        category_id=roads.pk,
    )


@pytest.fixture
def templates(agency, unit, roads):
    body = "Laporan {tracking_id} ({title}) sedang kami tangani di {agency}, topik {category}."
    return {
        "everyone_any": ResponseTemplate.objects.create(title="Umum", body=body),
        "agency_roads": ResponseTemplate.objects.create(
            title="Jalan PU", body=body, agency=agency, category=roads
        ),
        "unit_any": ResponseTemplate.objects.create(title="Khusus unit", body=body, agency=unit),
        "other_agency": ResponseTemplate.objects.create(
            title="Instansi lain", body=body, agency=AgencyFactory()
        ),
        "other_category": ResponseTemplate.objects.create(
            title="Kesehatan", body=body, category=CategoryFactory()
        ),
        "inactive": ResponseTemplate.objects.create(title="Lama", body=body, is_active=False),
    }


def url(report) -> str:
    return reverse("web:staff_report", args=[report.tracking_id])


def test_which_templates_a_report_gets(report, templates, unit, people):
    offered = set(ResponseTemplate.objects.for_report(report).values_list("title", flat=True))
    assert offered == {"Umum", "Jalan PU"}
    # At the unit, the agency's own templates still apply, and the unit's too.
    wf.report_forward(report=report, actor=people["agency_admin"], agency_id=unit.pk)
    report.refresh_from_db()
    offered = set(ResponseTemplate.objects.for_report(report).values_list("title", flat=True))
    assert offered == {"Umum", "Jalan PU", "Khusus unit"}


def test_the_picker_on_the_page(client, people, report, templates):
    sign_in(client, people["agency_admin"])
    html = client.get(url(report)).content.decode()
    assert f'<option value="{templates["agency_roads"].pk}">Jalan PU</option>' in html
    assert "Instansi lain" not in html
    assert "Kesehatan" not in html
    assert ">Lama<" not in html
    assert reverse("web:staff_response_template", args=[report.tracking_id]) in html


def test_the_htmx_fill(client, people, report, templates, agency):
    sign_in(client, people["agency_admin"])
    endpoint = reverse("web:staff_response_template", args=[report.tracking_id])
    response = client.get(endpoint, {"template": templates["agency_roads"].pk})
    assert response.status_code == 200
    expected = (
        f"Laporan {report.tracking_id} (Jalan berlubang di depan pasar) sedang kami tangani "
        f"di {agency.name}, topik Roads."
    )
    assert expected in text(response)
    assert 'name="body"' in response.content.decode()
    for template in ("other_agency", "inactive", "other_category"):
        assert client.get(endpoint, {"template": templates[template].pk}).status_code == 404
    assert client.get(endpoint, {"template": "x"}).status_code == 404


def test_the_fill_without_javascript(client, people, report, templates):
    sign_in(client, people["agency_admin"])
    response = client.post(
        url(report),
        {"action": "respond", "template": templates["everyone_any"].pk, "use_template": "1"},
    )
    assert response.status_code == 200
    assert f"Laporan {report.tracking_id}" in text(response)
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS  # nothing was sent


@pytest.mark.parametrize("who", ["other_agency_admin", "unit_officer", "citizen"])
def test_the_fill_is_for_who_may_respond(client, people, report, templates, who):
    sign_in(client, people[who])
    endpoint = reverse("web:staff_response_template", args=[report.tracking_id])
    response = client.get(endpoint, {"template": templates["everyone_any"].pk})
    assert response.status_code == (403 if who == "citizen" else 404)
    assert "sedang kami tangani" not in response.content.decode()


def test_a_visitor_is_sent_to_sign_in_for_the_fill(client, report, templates):
    endpoint = reverse("web:staff_response_template", args=[report.tracking_id])
    response = client.get(endpoint, {"template": templates["everyone_any"].pk})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_oversight_gets_no_fill(client, people, report, templates):
    sign_in(client, people["oversight"])
    endpoint = reverse("web:staff_response_template", args=[report.tracking_id])
    assert client.get(endpoint, {"template": templates["everyone_any"].pk}).status_code == 404


def test_placeholders_are_checked():
    validate_placeholders("Laporan {tracking_id}: {{bukan placeholder}}.")
    with pytest.raises(ValidationError, match=re.escape("Unknown placeholders: {nama}")):
        validate_placeholders("Halo {nama}")
    with pytest.raises(ValidationError, match="The braces do not match"):
        validate_placeholders("Halo {tracking_id")


def test_a_body_saved_around_the_validator_is_shown_as_written(report):
    template = ResponseTemplate.objects.create(title="Rusak", body="Halo {nama}")
    assert template.render(report) == "Halo {nama}"


def test_the_admin(client, agency):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    add = reverse("admin:workflow_responsetemplate_add")
    response = client.post(
        add,
        {
            "title": "Terima kasih",
            "body": "Terima kasih atas laporan {tracking_id}.",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    template = ResponseTemplate.objects.get()
    assert template.created_by == superuser
    response = client.post(add, {"title": "Salah", "body": "Halo {nama}", "is_active": "on"})
    assert response.status_code == 200
    assert "Unknown placeholders" in response.content.decode()
    changelist = client.get(reverse("admin:workflow_responsetemplate_changelist"))
    assert changelist.status_code == 200
    assert "Terima kasih" in changelist.content.decode()
