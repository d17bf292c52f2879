"""The X channel's spec: identities are X account ids named by their ``@handle``,
claimable with ``KLAIM`` by direct message."""

from django.utils.translation import gettext_lazy as _

from aduan.channels.models import IdentityKind
from aduan.channels.specs import ChannelSpec, mask_middle, register


def _mask(address: str) -> str:
    return mask_middle(address, head=0, tail=3)


SPEC = register(
    ChannelSpec(
        kind=IdentityKind.X,
        account_name="Pelapor X",
        claimable=True,
        has_handle=True,
        address_label=_("X account %(id)s"),
        mask=_mask,
        url_prefix="kanal/x/",
        urls="aduan.channels.x.urls",
    )
)
