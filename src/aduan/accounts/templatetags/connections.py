"""The connections page's list, which must still open when a provider that accounts are
connected to has since been switched off (allauth's own lookup is then a 404)."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.socialaccount.models import SocialAccount, SocialApp
from django import template
from django.http import Http404

register = template.Library()


@dataclass(frozen=True)
class Connection:
    account: SocialAccount
    provider_name: str
    label: str


@register.simple_tag
def connections(accounts) -> list[Connection]:
    found = []
    for account in accounts:
        try:
            provider_account = account.get_provider_account()
        except (Http404, SocialApp.DoesNotExist):
            found.append(Connection(account, account.provider, account.provider))
        else:
            name = provider_account.get_brand()["name"]
            found.append(Connection(account, name, str(provider_account)))
    return found
