"""The channel specs: what shared code reads instead of comparing channel kinds."""

import pytest

from aduan.channels.models import IdentityKind
from aduan.channels.specs import ChannelSpec, claimable_kinds, spec_for, specs


def test_every_inbound_channel_declares_its_spec():
    assert set(specs()) == {
        IdentityKind.SMS,
        IdentityKind.X,
        IdentityKind.EMAIL,
        IdentityKind.OPEN311,
    }


def test_sms_numbers_and_x_accounts_are_claimed_and_nothing_else():
    assert claimable_kinds() == {IdentityKind.SMS, IdentityKind.X}


@pytest.mark.parametrize(
    ("kind", "address", "masked"),
    [
        (IdentityKind.SMS, "+6281234567890", "+62812••••7890"),
        (IdentityKind.SMS, "1708abcdef", "1••••f"),
        (IdentityKind.X, "1234567890", "••••890"),
        (IdentityKind.EMAIL, "siti.rahma@example.id", "s••••@e••••.id"),
        (IdentityKind.OPEN311, "org:dinas-pu", "o••••u"),
        ("webhook", "abc", "••••"),
    ],
)
def test_each_channel_masks_its_own_kind_of_address(kind, address, masked):
    assert spec_for(kind).mask(address) == masked


def test_a_kind_without_a_spec_gets_the_defaults():
    spec = spec_for("webhook")
    assert spec == ChannelSpec(kind="webhook")
    assert not spec.claimable
    assert str(spec.default_account_name()) == "Reporter"


def test_x_names_the_account_and_its_handle_sms_shows_the_number():
    x, sms = spec_for(IdentityKind.X), spec_for(IdentityKind.SMS)
    assert x.sender_full("42", "warga") == "X account 42 (@warga)"
    assert x.shown(address="42", handle="warga") == "warga"
    assert sms.sender_full("+6281234567890", "ignored") == "+6281234567890"
    assert sms.shown(address="+6281234567890", handle="") == "+6281234567890"
