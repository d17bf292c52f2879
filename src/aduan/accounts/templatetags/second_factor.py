"""Where a staff member sent to enrol a second factor was going (``accounts.middleware``)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from aduan.accounts.mfa import NEXT_SESSION_KEY

register = template.Library()


@register.simple_tag(takes_context=True)
def second_factor_next(context) -> str:
    """The page to continue to: the one the staff member asked for, or the home page."""
    request = context["request"]
    target = request.session.get(NEXT_SESSION_KEY) or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:home")
