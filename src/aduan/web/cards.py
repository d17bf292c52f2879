"""A report's card on the public lists (the feed, "my reports", the home page), built in
Python: twenty cards through an included template were most of a list page's CPU
(bench/README.md, "Pages"). What a card may show is decided in ``reports.selectors``
(the title as the reader may read it, the reporter's public name), as before.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aduan.reports.models import Report
from aduan.reports.selectors import AnyUser, report_title_for, reporter_public_name

from .templatetags.web_tags import classification_label, report_url, status_label

HEADINGS = ("h2", "h3")


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
        f"<span>{e(classification_label(report.classification))}</span>",
    ]
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
    parts = [
        '<li class="card">\n  ',
        (
            f'<{heading} class="card-title"><a href="{e(report_url(report.tracking_id))}">'
            f"{e(title)}</a></{heading}>\n"
        ),
        f'  <p class="snippet">{e(snippet)}</p>\n' if snippet else "",
        '  <p class="meta">\n    ',
        "\n    ".join(meta),
        '\n  </p>\n  <p class="meta">\n    ',
        "\n    ".join(place),
        "\n  </p>\n</li>\n",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
