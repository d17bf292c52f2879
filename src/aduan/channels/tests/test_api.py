"""The mobile app's way to link an SMS number or X account (/api/v1/akun/saluran…)."""

from __future__ import annotations

import pytest

from aduan.accounts.tests.factories import AgencyAdminFactory, UserFactory
from aduan.api.tests.utils import assert_problem, bearer
from aduan.channels import claim
from aduan.channels.models import ChannelIdentity, ClaimCode

pytestmark = pytest.mark.django_db

LIST = "/api/v1/akun/saluran"
CODE = "/api/v1/akun/saluran/kode"
PHONE = "+6281234500001"


@pytest.fixture
def citizen():
    return UserFactory(email="budi@example.id")


def test_a_code_from_the_api_links_a_number_sent_by_sms(client, citizen):
    auth = bearer(citizen)
    response = client.post(CODE, **auth)
    assert response.status_code == 201
    # The code links the number to this account: never kept by a cache on the way.
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["sms"] == f"KLAIM {body['code']} → 1708"
    assert body["x_direct_message"] is None  # X is not configured here
    code = body["code"].replace("-", "")
    assert claim.claim_redeem(channel="sms", address=PHONE, code=code).outcome == "linked"
    [linked] = client.get(LIST, **auth).json()
    assert (linked["channel"], linked["address"], linked["handle"]) == ("sms", PHONE, "")
    assert client.delete(f"{LIST}/{linked['id']}", **auth).status_code == 204
    assert client.get(LIST, **auth).json() == []


def test_without_a_token_nothing(client):
    assert_problem(client.post(CODE), 401)
    assert_problem(client.get(LIST), 401)
    assert not ClaimCode.objects.exists()


def test_unlinking_without_a_token_is_401_and_keeps_the_link(client):
    identity = ChannelIdentity.objects.create(channel="sms", address=PHONE, user=UserFactory())
    assert_problem(client.delete(f"{LIST}/{identity.pk}"), 401)
    assert ChannelIdentity.objects.filter(pk=identity.pk, user=identity.user).exists()


def test_staff_get_no_code(client):
    assert_problem(client.post(CODE, **bearer(AgencyAdminFactory())), 403)
    assert not ClaimCode.objects.exists()


def test_codes_are_rate_limited(client, citizen, settings):
    settings.ADUAN_CLAIM_ISSUE_RATE = "1/h"
    auth = bearer(citizen)
    assert client.post(CODE, **auth).status_code == 201
    assert_problem(client.post(CODE, **auth), 429)


def test_someone_elses_identity_is_not_found(client, citizen):
    other = ChannelIdentity.objects.create(channel="sms", address=PHONE, user=UserFactory())
    assert_problem(client.delete(f"{LIST}/{other.pk}", **bearer(citizen)), 404)
    assert ChannelIdentity.objects.filter(pk=other.pk).exists()
    assert client.get(LIST, **bearer(citizen)).json() == []
