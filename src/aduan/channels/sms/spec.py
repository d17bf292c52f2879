"""The SMS channel's spec: identities are phone numbers, claimable with ``KLAIM``."""

from aduan.channels.models import IdentityKind
from aduan.channels.specs import ChannelSpec, mask_middle, register


def _mask(address: str) -> str:
    """``+62812••••7890``: the operator prefix and the last digits."""
    if address.startswith("+"):
        return mask_middle(address, head=6, tail=4)
    return mask_middle(address)


SPEC = register(
    ChannelSpec(
        kind=IdentityKind.SMS,
        account_name="Pelapor SMS",
        claimable=True,
        address_is_phone=True,
        mask=_mask,
        url_prefix="kanal/sms/",
        urls="aduan.channels.sms.urls",
    )
)
