"""Template helpers of the public site: accessible form fields, neutral actor labels and a
report's title as the reader may read it."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.translation import gettext as _

from aduan.reports.models import Report, ReportEvent
from aduan.reports.selectors import (
    event_actor,
    report_text_for,
    reporter_public_name,
)

register = template.Library()


@register.simple_tag
def field_widget(field: BoundField, **extra):
    """The widget with its help text and error message wired to it for screen readers.

    Extra keyword arguments become attributes, ``_`` turned into ``-`` (``hx_get=`` → ``hx-get``).
    """
    # Template string literals arrive marked "safe"; join() gives a plain str again, so the
    # widget escapes its quotes like any other attribute value.
    attrs = {key.replace("_", "-"): "".join([str(v)]) for key, v in extra.items() if v}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def title_for(report: Report, user) -> str:
    """The report's title as ``user`` may read it (``reports.selectors.report_text_for``)."""
    return report_text_for(user=user, report=report)[0]


@register.filter
def public_reporter_name(report: Report) -> str | None:
    """The reporter's name on a public card, ``None`` for an anonymous report
    (``reports.selectors.reporter_public_name``): the template holds no rule."""
    return reporter_public_name(report)


@register.filter
def actor_label(event: ReportEvent, report: Report | None = None) -> str:
    """Who acted, as a role and an agency: a timeline never names an official or a citizen,
    and the reporter's own actions read "Reporter" (``event_by_reporter``)."""
    actor = event_actor(event=event, report=report)
    if actor.is_system:
        return _("System")
    if actor.as_citizen:
        return _("Reporter")
    role = actor.role_label or _("Official")
    return f"{role}, {actor.agency.label}" if actor.agency is not None else role
