import pytest

from aduan.channels.models import ChannelIdentity, InboundMessage, InboundStatus
from aduan.channels.services import identity_user, inbound_finish, inbound_receive

pytestmark = pytest.mark.django_db


def test_first_contact_creates_a_passwordless_account_named_without_the_number():
    user = identity_user(channel="sms", address="+6281234567890")
    assert user.email is None
    assert not user.has_usable_password()
    assert "+62" not in user.full_name
    assert user.phone == "+6281234567890"
    identity = ChannelIdentity.objects.get(user=user)
    assert identity.verified_at is not None
    assert identity_user(channel="sms", address="+6281234567890") == user


def test_an_email_identity_is_unconfirmed_until_the_link_is_opened():
    user = identity_user(channel="email", address="warga@example.id", verified=False)
    assert ChannelIdentity.objects.get(user=user).verified_at is None


def test_the_same_message_id_is_recorded_once():
    first, created = inbound_receive(channel="sms", external_id="abc", sender="+62", text="LAPOR x")
    assert created
    inbound_finish(first, status=InboundStatus.REJECTED, reply="Format salah", detail="syntax")
    again, created_again = inbound_receive(channel="sms", external_id="abc", sender="+62", text="x")
    assert not created_again
    assert again.pk == first.pk
    assert again.reply == "Format salah"
    assert InboundMessage.objects.count() == 1
