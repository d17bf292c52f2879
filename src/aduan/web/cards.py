"""A report's card on the public lists (the feed, "my reports", the home page), built in
Python: twenty cards through an included template were most of a list page's CPU
(bench/README.md, "Pages"). What a card may show is decided in ``reports.selectors``
(the text as the reader may read it, the reporter's public name, which files anyone may
open, answered or late); the picture is ``workflow.lists``' ``card_thumbnail``.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aduan.reports.models import Report
from aduan.reports.selectors import (
    AnyUser,
    report_answered,
    report_late,
    report_text_for,
    report_title_for,
    reporter_public_name,
)

from .templatetags.web_tags import classification_label, report_url, status_label

HEADINGS = ("h2", "h3")
EXCERPT_CHARS = 160
# Icons of the markers (inline SVG: nothing else to load; the text beside them says it).
_ICON = '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false" fill="currentColor">'
ICON_ANSWERED = _ICON + '<path d="M6.2 11.6 2.8 8.2l1.1-1.1 2.3 2.3 5.9-5.9 1.1 1.1z"/></svg>'
ICON_LATE = (
    _ICON + '<path d="M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13zm0 1.6a4.9 4.9 0 1 1 0 9.8 '
    '4.9 4.9 0 0 1 0-9.8zM7.2 4.5v4.1l3.3 2 .8-1.3-2.5-1.5V4.5z"/></svg>'
)


def card_marker(report: Report) -> SafeString:
    """ "Answered" or "past the deadline" (``reports.selectors``' rules), else nothing."""
    if report_answered(report):
        return mark_safe(  # noqa: S308 - constant markup and a translated constant, escaped
            f'<span class="badge badge-answered">{ICON_ANSWERED} '
            f"{conditional_escape(_('Answered'))}</span>"
        )
    if report_late(report):
        return mark_safe(  # noqa: S308 - constant markup and a translated constant, escaped
            f'<span class="badge badge-late">{ICON_LATE} '
            f"{conditional_escape(_('Past the deadline'))}</span>"
        )
    return mark_safe("")


def _thumbnail(report: Report, *, user: AnyUser) -> str:
    """The card's picture, lazy-loaded at its own size (the page does not jump when it
    arrives); only what ``workflow.lists`` found for a public report."""
    thumbnail = getattr(report, "card_thumbnail", None)
    if thumbnail is None:
        return ""
    e = conditional_escape
    src = reverse("web:attachment_thumbnail", args=[thumbnail.pk])
    # The plain title (a search's title holds <mark> tags).
    title = report_title_for(user=user, report=report)
    alt = _("Photo of the report: %(title)s") % {"title": title}
    return (
        f'  <img class="card-thumb" src="{e(src)}" width="{thumbnail.thumbnail_width}" '
        f'height="{thumbnail.thumbnail_height}" loading="lazy" decoding="async" alt="{e(alt)}">\n'
    )


def card_excerpt(*, user: AnyUser, report: Report) -> str:
    """The start of the text as ``user`` may read it, cut at a word."""
    _title, body = report_text_for(user=user, report=report)
    return Truncator(" ".join(body.split())).chars(EXCERPT_CHARS)


def report_card(
    report: Report, *, user: AnyUser, heading: str = "h3", show_private: bool = False
) -> SafeString:
    """The card of ``report`` for ``user``: ``show_private`` (their own list) adds the
    "confidential" badge and shows the tracking number instead of the reporter's name."""
    e = conditional_escape
    heading = heading if heading in HEADINGS else "h3"
    title = getattr(report, "search_title", "") or report_title_for(user=user, report=report)
    created = timezone.localtime(report.created_at)
    supporters = ngettext(
        "%(counter)s supporter", "%(counter)s supporters", report.support_count
    ) % {"counter": localize(report.support_count)}
    if getattr(report, "supported_by_me", False):
        supporters = f"{supporters} · {_('you support it')}"
    meta = [
        f'<span class="badge status-{e(report.status)}">{e(status_label(report.status))}</span>',
    ]
    if marker := card_marker(report):
        meta.append(marker)
    meta.append(f"<span>{e(classification_label(report.classification))}</span>")
    if report.category_id:
        meta.append(f"<span>{e(report.category.name)}</span>")
    if show_private and report.confidential:
        meta.append(f'<span class="badge">{e(_("Confidential"))}</span>')
    meta.append(f'<span class="support-count">{e(supporters)}</span>')
    place = [f'<time datetime="{date_format(created, "c")}">{date_format(created, "j M Y")}</time>']
    if report.region_id:
        place.append(f"· {e(report.region.full_name)}")
    if report.agency_id:
        place.append(f"· {e(report.agency.label)}")
    if show_private:
        place.append(f"· {e(report.tracking_id)}")
    else:
        name = reporter_public_name(report)
        place.append(f"· {e(_('Anonymous') if name is None else name)}")
    snippet = getattr(report, "search_snippet", "")
    thumbnail = _thumbnail(report, user=user)
    parts = [
        f'<li class="card card-report{" has-thumb" if thumbnail else ""}">\n  ',
        (
            f'<{heading} class="card-title"><a href="{e(report_url(report.tracking_id))}">'
            f"{e(title)}</a></{heading}>\n"
        ),
        thumbnail,
        (
            f'  <p class="snippet">{e(snippet)}</p>\n'
            if snippet
            else f'  <p class="excerpt">{e(card_excerpt(user=user, report=report))}</p>\n'
        ),
        '  <p class="meta">\n    ',
        "\n    ".join(meta),
        '\n  </p>\n  <p class="meta">\n    ',
        "\n    ".join(place),
        "\n  </p>\n</li>\n",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
