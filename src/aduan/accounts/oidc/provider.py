from __future__ import annotations

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.utils.crypto import get_random_string

from .views import GovernmentOIDCAdapter

NONCE_LENGTH = 32


class GovernmentOIDCProvider(OpenIDConnectProvider):
    """Put in place of allauth's class by SOCIALACCOUNT_PROVIDERS["openid_connect"]
    ["provider_class"]; its URLs come from this package (``package``)."""

    package = "aduan.accounts.oidc"
    oauth2_adapter_class = GovernmentOIDCAdapter

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        # The nonce goes to the provider and into this sign-in's state (in the session),
        # so an ID token minted for another sign-in is refused at the callback.
        nonce = get_random_string(NONCE_LENGTH)
        auth_params = dict(kwargs.pop("auth_params", None) or self.get_auth_params())
        auth_params["nonce"] = nonce
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )


provider_classes = [GovernmentOIDCProvider]
