"""The Open311 channel's spec: identities are organisations holding an API key
(``org:<slug>``), named by the organisation, never claimed."""

from aduan.channels.models import IdentityKind
from aduan.channels.specs import ChannelSpec, register

SPEC = register(
    ChannelSpec(
        kind=IdentityKind.OPEN311, url_prefix="open311/", urls="aduan.channels.open311.urls"
    )
)
