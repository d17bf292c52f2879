"""Keys: who issues and revokes them, what is stored, how they authenticate; titles."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UserFactory,
)
from aduan.channels.models import ChannelIdentity
from aduan.channels.open311.models import Open311ApiKey, hash_key
from aduan.channels.open311.services import (
    _title_from,
    api_key_authenticate,
    api_key_issue,
    api_key_revoke,
)
from aduan.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def test_the_national_admin_issues_a_key_shown_once():
    admin = NationalAdminFactory()
    key, raw = api_key_issue(actor=admin, organisation="  Aplikasi   Kota Bersih ")
    assert raw.startswith("o311_")
    assert len(raw) > 40
    assert key.organisation == "Aplikasi Kota Bersih"
    assert key.key_hash == hash_key(raw)
    assert raw not in {key.hint, key.key_hash}
    assert raw.startswith(key.hint)
    assert key.created_by == admin
    # The organisation's account: no e-mail, no password, its name as the reporter's.
    assert key.account.email is None
    assert not key.account.has_usable_password()
    assert key.account.full_name == "Aplikasi Kota Bersih"
    identity = ChannelIdentity.objects.get(user=key.account)
    assert (identity.channel, identity.address) == ("open311", "org:aplikasi-kota-bersih")
    assert identity.verified_at is not None


def test_a_second_key_of_the_same_organisation_files_under_the_same_account():
    first, _ = api_key_issue(actor=None, organisation="Aplikasi Kota Bersih")
    second, _ = api_key_issue(actor=None, organisation="aplikasi kota bersih")
    other, _ = api_key_issue(actor=None, organisation="LSM Jalan Mulus")
    assert first.account_id == second.account_id != other.account_id
    assert first.key_hash != second.key_hash


@pytest.mark.parametrize(
    ("first_name", "second_name"),
    [
        ("Dinas PU & Tata Ruang", "Dinas PU Tata Ruang"),  # the same slug
        ("جمعية الأولى", "جمعية الثانية"),  # no Latin letters: both slugs were empty
    ],
)
def test_organisations_whose_names_slug_alike_get_accounts_of_their_own(first_name, second_name):
    """The account's name is the reporter's name shown in public: another organisation's
    reports must not appear under the first one's name."""
    first, _ = api_key_issue(actor=None, organisation=first_name)
    second, _ = api_key_issue(actor=None, organisation=second_name)
    again, _ = api_key_issue(actor=None, organisation=second_name.upper())
    assert first.account_id != second.account_id
    assert (first.account.full_name, second.account.full_name) == (first_name, second_name)
    assert again.account_id == second.account_id


@pytest.mark.parametrize("factory", [UserFactory, AgencyAdminFactory, OversightFactory])
def test_no_one_else_issues_or_revokes(factory):
    with pytest.raises(PermissionDenied):
        api_key_issue(actor=factory(), organisation="Aplikasi Kota Bersih")
    key, _ = api_key_issue(actor=None, organisation="Aplikasi Kota Bersih")
    with pytest.raises(PermissionDenied):
        api_key_revoke(key=key, actor=factory())
    assert Open311ApiKey.objects.get().is_active


def test_an_inactive_national_admin_cannot_issue():
    with pytest.raises(PermissionDenied):
        api_key_issue(actor=NationalAdminFactory(is_active=False), organisation="Organisasi")


@pytest.mark.parametrize("name", ["", "  ", "AB", "x" * 201])
def test_the_organisation_needs_a_name(name):
    with pytest.raises(ValidationFailed) as exc:
        api_key_issue(actor=None, organisation=name)
    assert "organisation" in exc.value.field_errors


def test_authenticate_and_revoke():
    admin = NationalAdminFactory()
    key, raw = api_key_issue(actor=admin, organisation="Aplikasi Kota Bersih")
    with time_machine.travel(dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC), tick=False):
        assert api_key_authenticate(raw) == key
    key.refresh_from_db()
    assert key.last_used_at == dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)
    for wrong in (None, "", raw + "x", raw[5:], "adn_" + raw[5:], "o311_" + "a" * 200):
        assert api_key_authenticate(wrong) is None
    api_key_revoke(key=key, actor=admin)
    api_key_revoke(key=key, actor=admin)  # idempotent
    key.refresh_from_db()
    assert not key.is_active
    assert key.revoked_by == admin
    assert key.revoked_at is not None
    assert api_key_authenticate(raw) is None


def test_titles_from_descriptions():
    assert (
        _title_from("Lampu   jalan\npadam sejak seminggu.") == "Lampu jalan padam sejak seminggu."
    )
    long = "Jalan berlubang besar di depan pasar " * 5
    title = _title_from(long)
    assert len(title) <= 80
    assert title.endswith("…")
    assert long.startswith(title[:-1])
    assert _title_from("x" * 200) == "x" * 79 + "…"
