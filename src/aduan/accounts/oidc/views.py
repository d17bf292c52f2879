from __future__ import annotations

import hmac

from allauth.account.internal.decorators import login_not_required
from allauth.core.internal.deferred import jwt
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404

# Public-key signatures only: "none" and the HMAC family (keyed with what is public) never.
SIGNING_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)


class GovernmentOIDCAdapter(OpenIDConnectOAuth2Adapter):
    expected_nonce: str | None = None  # set by the callback view from this sign-in's state

    def complete_login(self, request, app, token, **kwargs):
        id_token = kwargs["response"].get("id_token")
        if not id_token:
            raise OAuth2Error("The identity provider sent no ID token.")
        claims = self._decode_id_token(app, id_token)
        nonce = claims.get("nonce")
        if not (
            self.expected_nonce
            and isinstance(nonce, str)
            and hmac.compare_digest(nonce, self.expected_nonce)
        ):
            raise OAuth2Error("The ID token was not issued for this sign-in (nonce).")
        data = {"id_token": claims}
        if app.settings.get("fetch_userinfo", True):
            userinfo = self._fetch_user_info(token.token)
            if str(userinfo.get("sub")) != str(claims.get("sub")):
                raise OAuth2Error("The user info is about another subject than the ID token.")
            data["userinfo"] = userinfo
        return self.get_provider().sociallogin_from_response(request, data)

    def _decode_id_token(self, app, id_token):
        try:
            algorithm = jwt.get_unverified_header(id_token).get("alg")
        except jwt.PyJWTError as error:
            raise OAuth2Error("Invalid id_token") from error
        if algorithm not in SIGNING_ALGORITHMS:
            raise OAuth2Error(f"ID token signed with {algorithm!r}")
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


class GovernmentOIDCCallbackView(OAuth2CallbackView):
    def _get_state(self, request, provider):
        state, response = super()._get_state(request, provider)
        if state is not None:
            self.adapter.expected_nonce = state.get("nonce")
        return state, response


@login_not_required
def login(request, provider_id):
    try:
        view = OAuth2LoginView.adapter_view(GovernmentOIDCAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


@login_not_required
def callback(request, provider_id):
    try:
        view = GovernmentOIDCCallbackView.adapter_view(GovernmentOIDCAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
