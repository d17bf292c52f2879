"""The "SMS and X" page (/akun/saluran/): get a code, see and unlink what is linked."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aduan.accounts.tests.factories import AgencyAdminFactory, UserFactory
from aduan.channels import claim
from aduan.channels.models import ChannelIdentity, ClaimCode

pytestmark = pytest.mark.django_db

URL = reverse("channels:linked")
PHONE = "+6281234500001"


@pytest.fixture
def citizen(client):
    user = UserFactory(email="budi@example.id")
    client.force_login(user)
    return user


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert client.post(URL).status_code == 302
    assert not ClaimCode.objects.exists()


def test_the_code_is_shown_once_and_works_by_sms(client, citizen):
    page = client.get(URL)
    assert page.status_code == 200
    assert "No SMS number or X account is linked yet." in page.content.decode()
    response = client.post(URL)
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    shown = re.search(r'id="claim-code">([A-Z0-9]{4}-[A-Z0-9]{4})<', html).group(1)
    assert f"KLAIM {shown}" in html
    assert claim.claim_redeem(
        channel="sms", address=PHONE, code=shown.replace("-", "")
    ).outcome == ("linked")
    # Not shown again: the page only lists what is linked.
    again = client.get(URL).content.decode()
    assert shown not in again
    assert PHONE in again


def test_x_instructions_only_when_the_x_channel_is_on(client, citizen, settings):
    settings.ADUAN_X_CONSUMER_SECRET = ""
    assert "by direct message" not in client.post(URL).content.decode()
    settings.ADUAN_X_CONSUMER_SECRET = "secret"
    settings.ADUAN_X_ACCOUNT_ID = "1708000000000000001"
    assert "@lapor1708" in client.post(URL).content.decode()


def test_a_visitor_cannot_unlink_and_is_sent_to_sign_in(client):
    identity = ChannelIdentity.objects.create(channel="sms", address=PHONE, user=UserFactory())
    response = client.post(reverse("channels:unlink", args=[identity.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert ChannelIdentity.objects.filter(pk=identity.pk, user=identity.user).exists()


def test_staff_cannot_get_a_code(client):
    client.force_login(AgencyAdminFactory())
    response = client.post(URL, follow=True)
    assert "Only a citizen account" in response.content.decode()
    assert not ClaimCode.objects.exists()


def test_unlink_own_identity_only(client, citizen):
    mine = ChannelIdentity.objects.create(channel="sms", address=PHONE, user=citizen)
    theirs = ChannelIdentity.objects.create(
        channel="x", address="99", handle="@lain", user=UserFactory()
    )
    assert client.get(reverse("channels:unlink", args=[mine.pk])).status_code == 405
    assert client.post(reverse("channels:unlink", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("channels:unlink", args=[mine.pk]), follow=True)
    assert f"{PHONE} is no longer linked" in response.content.decode()
    assert list(ChannelIdentity.objects.all()) == [theirs]


def test_the_page_costs_the_same_queries_for_many_identities(
    client, citizen, django_assert_max_num_queries
):
    for n in range(6):
        ChannelIdentity.objects.create(channel="sms", address=f"+62812345000{n:02d}", user=citizen)
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200
