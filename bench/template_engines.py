"""Django's template engine against Jinja2 and Python on the feed's report card.

Reads one page of the public feed from the bench database (``report_list``, 20 rows) and
renders its cards ``--repeat`` times each way: Django's ``report_card.html`` as the feed
included it until 2026-12-03 (kept here), a Jinja2 port of the same markup calling the
same helpers (labels, links, dates, translations), and ``web.cards.report_card``, which
the lists use now. Prints CPU ms per page of cards and checks that all write the same
text (whitespace aside).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench \
        .venv/bin/python bench/template_engines.py --repeat 200
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from _setup import django_setup

DJANGO_CARD = """{% load i18n web_tags %}<li class="card">
  {% with level=card_heading|default:"h3" %}<{{ level }} class="card-title"><a href="{{ report.tracking_id|report_url }}">{% if report.search_title %}{{ report.search_title }}{% else %}{{ report|title_for:user }}{% endif %}</a></{{ level }}>{% endwith %}
  {% if report.search_snippet %}<p class="snippet">{{ report.search_snippet }}</p>{% endif %}
  <p class="meta">
    <span class="badge status-{{ report.status }}">{{ report.status|status_label }}</span>
    <span>{{ report.classification|classification_label }}</span>
    {% if report.category %}<span>{{ report.category.name }}</span>{% endif %}
    {% if show_private and report.confidential %}<span class="badge">{% translate "Confidential" %}</span>{% endif %}
    <span class="support-count">{% blocktranslate count counter=report.support_count %}{{ counter }} supporter{% plural %}{{ counter }} supporters{% endblocktranslate %}{% if report.supported_by_me %} · {% translate "you support it" %}{% endif %}</span>
  </p>
  <p class="meta">
    <time datetime="{{ report.created_at|date:'c' }}">{{ report.created_at|date:"j M Y" }}</time>
    {% if report.region %}· {{ report.region.full_name }}{% endif %}
    {% if report.agency %}· {{ report.agency.label }}{% endif %}
    · {% if show_private %}{{ report.tracking_id }}{% else %}{% with name=report|public_reporter_name %}{% if name is None %}{% translate "Anonymous" %}{% else %}{{ name }}{% endif %}{% endwith %}{% endif %}
  </p>
</li>
"""

JINJA_CARD = """<li class="card">
  <{{ level }} class="card-title"><a href="{{ report.tracking_id|report_url }}">{% if report.search_title %}{{ report.search_title }}{% else %}{{ report|title_for(user) }}{% endif %}</a></{{ level }}>
  {% if report.search_snippet %}<p class="snippet">{{ report.search_snippet }}</p>{% endif %}
  <p class="meta">
    <span class="badge status-{{ report.status }}">{{ report.status|status_label }}</span>
    <span>{{ report.classification|classification_label }}</span>
    {% if report.category %}<span>{{ report.category.name }}</span>{% endif %}
    {% if show_private and report.confidential %}<span class="badge">{{ _("Confidential") }}</span>{% endif %}
    <span class="support-count">{{ ngettext("%(counter)s supporter", "%(counter)s supporters", report.support_count)|format(counter=report.support_count) }}{% if report.supported_by_me %} · {{ _("you support it") }}{% endif %}</span>
  </p>
  <p class="meta">
    <time datetime="{{ report.created_at|date('c') }}">{{ report.created_at|date("j M Y") }}</time>
    {% if report.region %}· {{ report.region.full_name }}{% endif %}
    {% if report.agency %}· {{ report.agency.label }}{% endif %}
    · {% if show_private %}{{ report.tracking_id }}{% else %}{% set name = report|public_reporter_name %}{% if name is none %}{{ _("Anonymous") }}{% else %}{{ name }}{% endif %}{% endif %}
  </p>
</li>
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    django_setup()

    import jinja2
    from django.contrib.auth.models import AnonymousUser
    from django.template import defaultfilters, engines
    from django.utils import translation
    from django.utils.timezone import template_localtime
    from django.utils.translation import gettext, ngettext

    from aduan.reports.selectors import report_list
    from aduan.web.cards import report_card
    from aduan.web.templatetags import web_tags

    translation.activate("id")
    user = AnonymousUser()
    reports = list(report_list(user=user)[:20])

    django_card = engines["django"].from_string(DJANGO_CARD)
    env = jinja2.Environment(autoescape=True)
    env.filters.update(
        report_url=web_tags.report_url,
        title_for=lambda report, user: web_tags.title_for(report, user),
        status_label=web_tags.status_label,
        classification_label=web_tags.classification_label,
        public_reporter_name=web_tags.public_reporter_name,
        date=lambda value, fmt: defaultfilters.date(template_localtime(value), fmt),
    )
    env.globals.update(_=gettext, ngettext=ngettext)
    jinja_card = env.from_string(JINJA_CARD)

    def with_django():
        return "".join(
            django_card.render({"report": r, "user": user, "card_heading": "h2"}) for r in reports
        )

    def with_jinja():
        return "".join(
            jinja_card.render(report=r, user=user, level="h2", show_private=False) for r in reports
        )

    def with_python():
        return "".join(report_card(r, user=user, heading="h2") for r in reports)

    def squeeze(html: str) -> str:
        return re.sub(r"\s+", " ", html).replace("> <", "><").strip()

    same = squeeze(with_django()) == squeeze(with_jinja()) == squeeze(with_python())
    print(f"same text: {same}")
    for name, render in (("django", with_django), ("jinja2", with_jinja), ("python", with_python)):
        times = []
        for _ in range(args.repeat):
            start = time.process_time()
            render()
            times.append(time.process_time() - start)
        print(f"{name:<8} {statistics.median(times) * 1000:6.2f} ms per 20 cards")


if __name__ == "__main__":
    main()
