"""Template helpers of the public site: accessible form fields, neutral actor labels and a
report's title as the reader may read it."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aduan.core.memo import directory_lookup
from aduan.reports.models import Classification, Report, ReportEvent, Status
from aduan.reports.selectors import (
    event_actor,
    report_title_for,
    reporter_public_name,
)
from aduan.web import pwa

register = template.Library()

# A list page shows a label and a link on each of its rows: looked up here once, not
# through ``get_FOO_display`` (a dict of the choices built on every call) and ``{% url %}``
# (the resolver on every call).
_STATUS_LABELS = dict(Status.choices)
_CLASSIFICATION_LABELS = dict(Classification.choices)
_MARK = "TRACKINGID"
_report_urls: dict[tuple[str, str], tuple[str, str]] = {}


@register.filter
def status_label(value: str) -> str:
    """The name of a report's status (``report.get_status_display``)."""
    return _STATUS_LABELS.get(value, value)


@register.filter
def classification_label(value: str) -> str:
    """The name of a report's kind (``report.get_classification_display``)."""
    return _CLASSIFICATION_LABELS.get(value, value)


@register.filter
def report_url(tracking_id: str, name: str = "web:track_detail") -> str:
    """``{% url name tracking_id %}`` for a URL whose one argument is a tracking id (letters
    and digits only: nothing to quote), reversed once per URL name and script prefix."""
    key = (name, get_script_prefix())
    parts = _report_urls.get(key)
    if parts is None:
        before, _mark, after = reverse(name, args=[_MARK]).partition(_MARK)
        parts = _report_urls[key] = (before, after)
    return f"{parts[0]}{tracking_id}{parts[1]}"


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
    return report_title_for(user=user, report=report)


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


@register.simple_tag(takes_context=True)
def filter_bar(context, form, template: str = "web/partials/filters.html") -> str:
    """``template``, a list's filter bar, for ``form`` (``FeedFilterForm``,
    ``WorkListFilterForm``), remembered per process until the directory changes
    (``aduan.core.memo``) when ``form.memo_key()`` allows: the bar with its hundreds of
    options cost more than the twenty cards under it."""
    opened = bool(context["request"].GET)

    def render() -> str:
        context = {"filters": form, "filters_open": opened}
        return render_to_string(template, context)

    key = form.memo_key()
    if key is None:
        return render()
    return directory_lookup(("filter-bar", template, get_language(), opened, key), render)


@register.simple_tag(takes_context=True)
def report_card(context, report: Report, heading: str = "h3", show_private: bool = False):
    """``{% report_card report heading="h2" show_private=True %}``: ``web.cards.report_card``
    for the signed-in reader."""
    from aduan.web.cards import report_card as card

    return card(report, user=context.get("user"), heading=heading, show_private=show_private)


@register.simple_tag(takes_context=True)
def account_tag(context) -> str:
    """Whom the page is for, as the opaque tag of ``aduan.web.pwa`` (offline drafts)."""
    request = context.get("request")
    return pwa.account_tag(request) if request is not None else ""
