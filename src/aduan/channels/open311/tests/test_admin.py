"""Keys and submissions in the admin site: the national admin only; the raw key once."""

from __future__ import annotations

import re

import pytest

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
)
from aduan.channels.open311.models import Open311ApiKey, Open311Submission, hash_key

from .conftest import ROOT

pytestmark = pytest.mark.django_db

KEYS = "/admin/aduan_open311/open311apikey/"
SUBMISSIONS = "/admin/aduan_open311/open311submission/"


@pytest.fixture
def national_admin():
    return NationalAdminFactory(is_staff=True)


def test_the_national_admin_issues_a_key_and_sees_it_once(client, national_admin):
    client.force_login(national_admin)
    response = client.post(KEYS + "add/", {"organisation": "Aplikasi Kota Bersih"}, follow=True)
    assert response.status_code == 200
    key = Open311ApiKey.objects.get()
    assert key.created_by == national_admin
    [raw] = re.findall(r"o311_[A-Za-z0-9_-]{40,}", response.content.decode())
    assert hash_key(raw) == key.key_hash
    detail = client.get(f"{KEYS}{key.pk}/change/").content.decode()
    assert raw not in detail
    assert key.key_hash not in detail
    assert key.hint in detail


def test_a_too_short_organisation_name_is_a_form_error(client, national_admin):
    client.force_login(national_admin)
    response = client.post(KEYS + "add/", {"organisation": " a "})
    assert response.status_code == 200
    assert "3 to 200 characters" in response.content.decode()
    assert not Open311ApiKey.objects.exists()


def test_the_revoke_action(client, national_admin, issued):
    client.force_login(national_admin)
    response = client.post(
        KEYS, {"action": "revoke", "_selected_action": [issued[0].pk]}, follow=True
    )
    assert response.status_code == 200
    issued[0].refresh_from_db()
    assert not issued[0].is_active
    assert issued[0].revoked_by == national_admin


@pytest.mark.parametrize("factory", [AgencyAdminFactory, OversightFactory])
def test_other_staff_see_neither_keys_nor_submissions(client, factory, post_data):
    client.post(f"{ROOT}/requests.json", {**post_data, "email": "warga@contoh.id"})
    submission = Open311Submission.objects.get()
    client.force_login(factory(is_staff=True))
    for url in (KEYS, KEYS + "add/", SUBMISSIONS, f"{SUBMISSIONS}{submission.pk}/change/"):
        assert client.get(url).status_code == 403, url
    assert client.post(KEYS + "add/", {"organisation": "Penyusup"}).status_code == 403
    assert Open311ApiKey.objects.count() == 1


def test_the_national_admin_reads_a_submission_read_only(client, national_admin, post_data):
    client.post(f"{ROOT}/requests.json", {**post_data, "email": "warga@contoh.id"})
    submission = Open311Submission.objects.get()
    client.force_login(national_admin)
    page = client.get(f"{SUBMISSIONS}{submission.pk}/change/")
    assert page.status_code == 200
    assert "warga@contoh.id" in page.content.decode()
    assert client.get(SUBMISSIONS + "add/").status_code == 403
    client.post(f"{SUBMISSIONS}{submission.pk}/change/", {"email": "lain@contoh.id"})
    submission.refresh_from_db()
    assert submission.email == "warga@contoh.id"
