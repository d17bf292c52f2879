"""The programmes in the admin site: the national admin keeps them; nobody else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    ProgrammeOverseerFactory,
    UserFactory,
)
from aduan.categories.tests.factories import CategoryFactory
from aduan.programmes.models import Programme
from aduan.programmes.tests.factories import ProgrammeFactory, ReportProgrammeFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:programmes_programme_changelist"


def test_the_national_admin_lists_edits_and_adds(client):
    programme = ProgrammeFactory(name="Makan Bergizi Gratis")
    category = CategoryFactory()
    client.force_login(NationalAdminFactory(is_staff=True))
    assert "Makan Bergizi Gratis" in client.get(reverse(CHANGELIST)).text
    change = reverse("admin:programmes_programme_change", args=[programme.pk])
    response = client.post(
        change,
        {
            "name": "MBG",
            "description": "Makan siang",
            "is_active": "on",
            "ordering": "3",
            "categories": [category.pk],
        },
    )
    assert response.status_code == 302, response.text
    programme.refresh_from_db()
    assert (programme.name, programme.ordering) == ("MBG", 3)
    assert list(programme.categories.all()) == [category]
    response = client.post(
        reverse("admin:programmes_programme_add"),
        {"code": "sekolah-rakyat", "name": "Sekolah Rakyat", "ordering": "4"},
    )
    assert response.status_code == 302, response.text
    assert Programme.objects.filter(code="sekolah-rakyat").exists()


def test_a_tagged_programme_is_switched_off_not_deleted(client):
    tagged = ReportProgrammeFactory().programme
    client.force_login(NationalAdminFactory(is_staff=True))
    delete = reverse("admin:programmes_programme_delete", args=[tagged.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Programme.objects.filter(pk=tagged.pk).exists()


@pytest.mark.parametrize(
    "factory", [AgencyAdminFactory, OversightFactory, ProgrammeOverseerFactory], ids=str
)
def test_other_staff_are_refused(client, factory):
    programme = ProgrammeFactory()
    client.force_login(factory(is_staff=True))
    assert client.get(reverse(CHANGELIST)).status_code == 403
    change = reverse("admin:programmes_programme_change", args=[programme.pk])
    assert client.post(change, {"name": "X", "ordering": "1"}).status_code == 403
    programme.refresh_from_db()
    assert programme.name != "X"


def test_a_citizen_is_sent_to_the_login_page(client):
    client.force_login(UserFactory())
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
