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


# --- Characters no database stores ---------------------------------------------------------
# PostgreSQL refuses NUL in text; a lone surrogate (JSON's "\ud800") cannot be encoded to
# UTF-8 by either database driver.


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_a_received_message_is_stored_without_nul_or_lone_surrogates(bad):
    message, created = inbound_receive(
        channel="x",
        external_id=f"dm:1{bad}2",
        sender=f"77{bad}7",
        text=f"Jalan\trusak{bad}\nparah\x07",
    )
    assert created
    message.refresh_from_db()
    assert "\x00" not in message.text + message.sender + message.external_id
    assert "\ud800" not in message.text + message.sender + message.external_id
    assert message.text.startswith("Jalan\trusak")  # tabs and line breaks are kept
    assert message.text.endswith("\nparah")  # the bell is dropped
    assert message.sender.startswith("77")
    again, created_again = inbound_receive(
        channel="x", external_id=f"dm:1{bad}2", sender="777", text="lagi"
    )
    assert (again.pk, created_again) == (message.pk, False)


def test_a_lone_surrogate_becomes_the_replacement_character():
    message, _created = inbound_receive(channel="x", external_id="s", sender="1", text="a\ud800b")
    message.refresh_from_db()
    assert message.text == "a\ufffdb"


@pytest.mark.parametrize(
    ("bad", "kept"), [("\x00", ""), ("\n", ""), ("\ud800", "\ufffd")], ids=["nul", "lf", "lone"]
)
def test_an_identity_keeps_no_control_characters_or_lone_surrogates(bad, kept):
    user = identity_user(
        channel="x", address="777", handle=f"@wa{bad}rga", display_name=f"@wa{bad}rga"
    )
    identity = ChannelIdentity.objects.get(user=user)
    user.refresh_from_db()
    assert identity.handle == f"@wa{kept}rga"
    assert user.full_name == f"@wa{kept}rga"
    identity_user(channel="x", address="777", handle=f"@ba{bad}ru")
    identity.refresh_from_db()
    assert identity.handle == f"@ba{kept}ru"
