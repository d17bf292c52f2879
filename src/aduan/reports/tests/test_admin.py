"""The reports admin: the operator looks things up; the timeline cannot be touched."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from aduan.accounts.models import User
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import UnitFactory
from aduan.categories.tests.factories import CategoryFactory
from aduan.reports.audit import chain_verify
from aduan.reports.models import Classification, Report, ReportEvent, Status
from aduan.reports.tests.factories import AttachmentFactory, ReportEventFactory, ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return User.objects.create_superuser("operator@example.id", "sandi-rahasia-123")


@pytest.fixture
def report():
    report = ReportFactory(
        title="Lampu jalan padam sebulan",
        agency=UnitFactory(),
        status=Status.DISPOSITIONED,
        confidential=True,
    )
    ReportEventFactory(report=report, action="note", note="Catatan internal", is_public=False)
    AttachmentFactory(report=report, original_name="bukti-lampu.pdf")
    return report


def url(name: str, *args) -> str:
    return reverse(f"admin:reports_{name}", args=args)


def with_permissions(user, *codenames: str):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # fresh permission cache


def test_superuser_lists_and_searches_reports(
    client, superuser, report, django_assert_max_num_queries
):
    ReportFactory.create_batch(5, agency=UnitFactory())
    client.force_login(superuser)
    with django_assert_max_num_queries(12):
        response = client.get(url("report_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert report.tracking_id in body
    assert "Lampu jalan padam sebulan" in body
    assert len(response.context["cl"].result_list) == 6

    response = client.get(url("report_changelist"), {"q": report.tracking_id})
    assert list(response.context["cl"].result_list) == [report]
    response = client.get(url("report_changelist"), {"q": "padam"})
    assert list(response.context["cl"].result_list) == [report]
    response = client.get(url("report_changelist"), {"status__exact": Status.SUBMITTED})
    assert report not in response.context["cl"].result_list


def test_superuser_sees_the_change_page_with_timeline_and_files(client, superuser, report):
    client.force_login(superuser)
    response = client.get(url("report_change", report.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Catatan internal" in body
    assert "bukti-lampu.pdf" in body
    # Neither the timeline nor the files can be added to, changed or deleted here.
    for formset in response.context["inline_admin_formsets"]:
        assert not formset.has_add_permission
        assert not formset.has_change_permission
        assert not formset.has_delete_permission


def test_superuser_refiles_a_report_but_cannot_rewrite_it(client, superuser, report):
    category = CategoryFactory()
    client.force_login(superuser)
    response = client.post(
        url("report_change", report.pk),
        {
            "classification": Classification.ASPIRATION,
            "category": category.pk,
            "region": "",
            "latitude": "",
            "longitude": "",
            "confidential": "",
            # read-only fields: posted values are ignored
            "title": "Judul yang ditulis ulang admin",
            "status": Status.CLOSED,
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    report.refresh_from_db()
    assert report.classification == Classification.ASPIRATION
    assert report.category == category
    assert report.confidential is False
    assert report.title == "Lampu jalan padam sebulan"
    assert report.status == Status.DISPOSITIONED
    # The correction is on the audit chain, as an internal note by the operator naming
    # what changed; the chain (with the report's digest) verifies.
    event = report.events.order_by("-seq").first()
    assert (event.action, event.actor, event.is_public) == ("note", superuser, False)
    assert event.note == "Dikoreksi di situs admin: kategori, klasifikasi, rahasia."
    assert report.event_count == event.seq
    assert list(chain_verify()) == []


def test_reports_cannot_be_added_or_deleted_in_the_admin(client, superuser, report):
    client.force_login(superuser)
    assert client.get(url("report_add")).status_code == 403
    assert client.get(url("report_delete", report.pk)).status_code == 403
    assert client.post(url("report_delete", report.pk), {"post": "yes"}).status_code == 403
    assert Report.objects.filter(pk=report.pk).exists()


def test_events_are_append_only_in_the_admin(client, superuser, report):
    event = report.events.get(action="note")
    client.force_login(superuser)
    assert client.get(url("reportevent_changelist")).status_code == 200
    response = client.get(url("reportevent_change", event.pk))
    assert response.status_code == 200  # viewable …
    assert not response.context["has_change_permission"]
    # … but not changeable, addable or deletable.
    response = client.post(url("reportevent_change", event.pk), {"note": "diubah"})
    assert response.status_code == 403
    assert client.get(url("reportevent_add")).status_code == 403
    assert client.post(url("reportevent_delete", event.pk), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.note == "Catatan internal"
    assert ReportEvent.objects.filter(report=report).count() == 2


def test_staff_without_permission_cannot_open_the_reports_admin(client, report):
    staff = with_permissions(UserFactory())
    client.force_login(staff)
    assert client.get(url("report_changelist")).status_code == 403
    assert client.get(url("report_change", report.pk)).status_code == 403
    assert client.get(url("reportevent_changelist")).status_code == 403


@pytest.mark.parametrize(
    "factory",
    [UserFactory, AgencyAdminFactory],
    ids=["citizen with the permission", "agency admin with the permission"],
)
def test_a_django_permission_alone_does_not_open_every_report(client, report, factory):
    # The admin would show confidential reports of every agency: only those who see
    # every report under the visibility rule get it.
    user = with_permissions(factory(), "view_report", "change_report", "view_reportevent")
    client.force_login(user)
    assert client.get(url("report_changelist")).status_code == 403
    assert client.get(url("report_change", report.pk)).status_code == 403
    assert client.get(url("reportevent_changelist")).status_code == 403


def test_national_admin_with_permission_can_edit_and_oversight_only_view(client, report):
    national = with_permissions(NationalAdminFactory(), "view_report", "change_report")
    client.force_login(national)
    response = client.get(url("report_change", report.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"]

    oversight = with_permissions(OversightFactory(), "view_report", "change_report")
    client.force_login(oversight)
    response = client.get(url("report_change", report.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert client.post(url("report_change", report.pk), {}).status_code == 403


def test_anonymous_visitor_is_sent_to_the_login(client, report):
    response = client.get(url("report_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
