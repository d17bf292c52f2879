"""How figures read: a count (or "<5" when suppressed), a share, working days, a rating."""

from __future__ import annotations

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from aduan.oversight.selectors import SUPPRESS_BELOW

register = template.Library()


@register.filter
def figure(value) -> str:
    if value is None:
        return f"<{SUPPRESS_BELOW}"
    return intcomma(value)


@register.filter
def share(value) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


@register.filter
def days(value) -> str:
    if value is None:
        return "–"
    return _("30 or more") if value >= 30 else str(value)


@register.filter
def rating(value) -> str:
    return "–" if value is None else f"{value:.1f}"
