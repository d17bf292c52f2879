"""One spec per channel: what shared code needs to know about a channel's identities.

Each channel package is an app that declares a ``ChannelSpec`` in its ``spec`` module,
which registers it (``register(ChannelSpec(...))``) when the app's ``ready()`` imports it,
like its notification sender (``aduan.notifications.senders``). Identity accounts, claims
and the staff's view of received messages ask ``spec_for(kind)`` instead of comparing
kinds, so a new channel is one package and its line in ``INSTALLED_APPS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _

MASK = "••••"


def mask_middle(value: str, *, head: int = 1, tail: int = 1) -> str:
    """``value`` with its middle replaced by dots, at least four characters of it hidden."""
    if len(value) < head + tail + 4:
        return MASK
    return value[:head] + MASK + (value[-tail:] if tail else "")


def mask_email(address: str) -> str:
    """``siti.rahma@example.id`` → ``s••••@e••••.id``: the shape, not the address."""
    local, _at, domain = address.rpartition("@")
    name, dot, suffix = domain.rpartition(".")
    masked_domain = f"{name[:1]}{MASK}{dot}{suffix}" if name else MASK
    return f"{local[:1]}{MASK}@{masked_domain}"


@dataclass(frozen=True)
class ChannelSpec:
    """What differs between channels outside their own package.

    ``kind``: the ``IdentityKind`` value. ``account_name``: what an account the channel
    made is called until its owner claims it (never the address: a non-anonymous
    reporter's name is public); empty gives "Reporter". ``claimable``: linked to a web
    account with a ``KLAIM`` code. ``address_is_phone``: the address is an E.164 number
    (it becomes the account's phone, and is recognised in texts however it is written).
    ``has_handle``: the address is an account id and the ``@handle`` names it.
    ``address_label``: how staff read an address ("X account %(id)s"), empty for bare.
    ``mask``: the address as staff below full visibility see it. ``urls``: the module of
    the gateway's endpoints, mounted at ``url_prefix`` (``config/urls.py``).
    """

    kind: str
    account_name: str = ""
    claimable: bool = False
    address_is_phone: bool = False
    has_handle: bool = False
    address_label: str | Promise = ""
    mask: Callable[[str], str] = mask_middle
    url_prefix: str = ""
    urls: str = ""

    def default_account_name(self) -> str:
        return self.account_name or _("Reporter")

    def sender_full(self, address: str, handle: str = "") -> str:
        """The sender in full, for staff who may see the reporter's identity."""
        if not self.address_label:
            return address
        account = self.address_label % {"id": address}
        return f"{account} (@{handle})" if handle and self.has_handle else account

    def sender_masked(self, address: str) -> str:
        masked = self.mask(address)
        return self.address_label % {"id": masked} if self.address_label else masked

    def shown(self, *, address: str, handle: str) -> str:
        """How its owner recognises a linked identity: the number, or the handle."""
        return address if not self.has_handle else handle or address


_registry: dict[str, ChannelSpec] = {}


def register(spec: ChannelSpec) -> ChannelSpec:
    if not spec.kind:
        raise ValueError("A channel spec needs a kind.")
    _registry[spec.kind] = spec
    return spec


def specs() -> dict[str, ChannelSpec]:
    """Every registered spec by kind, in registration order (``INSTALLED_APPS``)."""
    return _registry


def spec_for(kind: str) -> ChannelSpec:
    """The spec of ``kind``; a kind without one (an agency webhook, an unknown value in
    an old row) gets the defaults: generic name, not claimable, masked in the middle."""
    return specs().get(kind) or ChannelSpec(kind=kind)


def claimable_kinds() -> frozenset[str]:
    return frozenset(kind for kind, spec in specs().items() if spec.claimable)
