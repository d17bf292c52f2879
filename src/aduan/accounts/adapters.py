"""allauth adapters: how social sign-in (Google, Facebook, X, the government's OpenID
Connect provider) meets Aduan's accounts.

- A provider is offered only once configured (``ADUAN_*_CLIENT_ID`` or a SocialApp row):
  until then its login URL is a 404, not allauth's ``SocialApp.DoesNotExist`` (a 500).
- A provider's account becomes a citizen named as the provider names them. An e-mail
  address that is already registered signs in to that account only when the provider
  vouches for the address (allauth's e-mail authentication, which also wipes the password
  of a local account whose address was never verified, so whoever registered it cannot
  get in).
- Staff accounts are never entered through a provider: they sign in with their password.
- The last way in (no usable password, no other provider) cannot be disconnected; an
  account of a provider switched off since can still be listed and removed.
- Signing in without a page to return to lands each role at its own workspace.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers import registry
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .capabilities import is_citizen_role, workspace_url_name
from .models import Role


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        return reverse(workspace_url_name(request.user))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        # allauth's check (connect.validate_disconnect): the last provider of an account
        # without a usable password stays, or its owner could never sign in again.
        "no_password": _(
            "This is your only way to sign in, so it cannot be removed. Set a password "
            "or connect another account first."
        ),
    }

    def get_provider(self, request, provider, client_id=None):
        try:
            return super().get_provider(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            if _on_connections_page(request):
                return _switched_off(request, provider)
            raise Http404("This sign-in provider is not configured.") from None

    def authenticate_by_email(self, sociallogin):
        found = super().authenticate_by_email(sociallogin)
        if found is not None and not is_citizen_role(found[0].role):
            return None
        return found

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        name = (
            sociallogin.account.extra_data.get("name")
            or data.get("name")
            or " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part)
        )
        user.full_name = " ".join(str(name or "").split())[:150]
        user.role = Role.CITIZEN
        return user


def _on_connections_page(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "socialaccount_connections"


def _switched_off(request, provider_id: str):
    """A provider without its app, good for naming and removing accounts connected to it
    while it was on; nothing signs in through it (its login URL stays a 404)."""
    provider_class = registry.get_class(provider_id)
    if provider_class is None:  # an OpenID Connect app's own id: the app is gone
        provider_class = registry.get_class("openid_connect")
        app = SocialApp(provider="openid_connect", provider_id=provider_id, name=provider_id)
    else:
        app = SocialApp(provider=provider_id, name=provider_class.name)
    return provider_class(request, app=app)
