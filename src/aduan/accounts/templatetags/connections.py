"""The connections page's list: each connected account with its provider's name, also for
a provider switched off since (the adapter names it on this page; ``adapters.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.socialaccount.models import SocialAccount
from django import template

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
        provider_account = account.get_provider_account()
        name = provider_account.get_brand()["name"]
        found.append(Connection(account, name, str(provider_account)))
    return found
