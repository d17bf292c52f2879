"""Every page works under the Content-Security-Policy: no template holds inline script or
style, and every URL the resolver knows, fetched by each kind of user, answers with the
policy and renders nothing inline (a new page is covered without being listed here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import aduan
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UserFactory,
)
from aduan.core.security_headers import (
    OTHER_POLICY,
    PAGE_POLICY,
    PERMISSIONS_POLICY,
    WORKER_POLICY,
)
from aduan.core.tests.inline_code import inline_code, inline_code_in_template
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

# The one answer with a policy of its own: the service worker may fetch from this origin.
OWN_POLICY = {"/sw.js": WORKER_POLICY}
TEMPLATES = sorted(Path(aduan.__file__).parent.rglob("templates/**/*.html"))
# A converter or a regular-expression group in a route, with the argument's name.
_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


def test_templates_are_found():
    names = {path.relative_to(Path(aduan.__file__).parent).as_posix() for path in TEMPLATES}
    assert "web/templates/web/base.html" in names
    assert "web/templates/503.html" in names
    assert len(names) > 50


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=lambda path: path.relative_to(Path(aduan.__file__).parent).as_posix()
)
def test_no_template_has_inline_script_or_style(template):
    assert inline_code_in_template(template.read_text(encoding="utf-8")) == []


def _routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    found = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            found += _routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            found.append(route)
    return found


def _url(route: str, values: dict[str, str]) -> str | None:
    """``route`` with each argument filled from ``values`` (None if one is unknown)."""

    def fill(match: re.Match) -> str:
        name = match.group("name") or match.group("group")
        if name not in values:
            raise KeyError(name)
        return values[name]

    try:
        path = _ARGUMENT.sub(fill, route)
    except KeyError:
        return None
    if "(" in path or "\\" in path or "*" in path:  # a catch-all expression: no one URL
        return None
    return "/" + path


def every_url(report) -> list[str]:
    """Each route of the site with sample arguments: ``report`` where a report or an
    object is named, ``csv``/``json`` for formats; a missing object answers 404, which is
    a page to check as well."""
    values = {
        "tracking_id": report.tracking_id,
        "service_request_id": report.tracking_id,
        "pk": str(report.agency_id),
        "object_id": str(report.pk),
        "id": str(report.reporter_id),
        "content_type_id": "1",
        "fmt": "json",
        "app_label": "reports",
        "service_code": "1",
        "token": "x",
        "key": "x",
        "uidb36": "1",
        "unknown": "tidak-ada",
        "attachment_id": "1",
        "notification_id": "1",
        "identity_id": "1",
        "token_id": "1",
        "job_id": "1",
    }
    urls = {_url(route, values) for route in _routes(get_resolver())}
    return sorted(url for url in urls if url)


USERS = {
    "visitor": lambda agency: None,
    "citizen": lambda agency: UserFactory(),
    "agency_admin": lambda agency: AgencyAdminFactory(agency=agency, is_staff=True),
    "national_admin": lambda agency: NationalAdminFactory(is_staff=True),
    "oversight": lambda agency: OversightFactory(),
    # Django's admin, every model's list, form and history (the national admin sees some).
    "superuser": lambda agency: NationalAdminFactory(is_staff=True, is_superuser=True),
}


@pytest.mark.parametrize("role", USERS)
def test_every_url_answers_with_the_policy_and_renders_nothing_inline(client, role):
    report = ReportFactory(verified=True)
    user = USERS[role](report.agency)
    if user:
        client.force_login(user)
    urls = every_url(report)
    assert len(urls) > 150
    checked, problems, statuses = 0, {}, set()
    for url in urls:
        if (role == "superuser") != url.startswith("/admin/") and url != "/admin/":
            continue  # the others meet the admin's door only (/admin/)
        response = client.get(url)
        statuses.add(response.status_code)
        html = response.get("Content-Type", "").startswith("text/html")
        expected = OWN_POLICY.get(url, PAGE_POLICY if html else OTHER_POLICY)
        assert response["Content-Security-Policy"] == expected, url
        assert response["Permissions-Policy"] == PERMISSIONS_POLICY, url
        if html and not response.streaming:
            checked += 1
            if found := inline_code(response.content.decode()):
                problems[url] = found
    assert problems == {}
    assert 200 in statuses
    assert checked > 30


def test_a_refused_form_is_the_sites_own_page_in_indonesian(visitor_client):
    """Django's CSRF failure page styles itself inline: the site answers its own."""
    visitor_client.handler.enforce_csrf_checks = True
    response = visitor_client.post("/lapor/", {"title": "Jalan rusak"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Formulir sudah kedaluwarsa" in html
    assert '<main id="main"' in html  # in the site's layout
    assert response["Content-Security-Policy"] == PAGE_POLICY
    assert inline_code(html) == []
