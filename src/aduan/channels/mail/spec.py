"""The e-mail channel's spec: identities are lower-case addresses, proven by a link
rather than claimed with a code."""

from aduan.channels.models import IdentityKind
from aduan.channels.specs import ChannelSpec, mask_email, mask_middle, register


def _mask(address: str) -> str:
    return mask_email(address) if "@" in address else mask_middle(address)


SPEC = register(ChannelSpec(kind=IdentityKind.EMAIL, account_name="Pelapor e-mail", mask=_mask))
