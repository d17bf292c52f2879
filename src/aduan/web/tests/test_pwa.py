"""The installable app (issue 14): the manifest, the service worker, the offline page,
which pages the worker may keep, and the report form's idempotency key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import storages
from django.test import RequestFactory
from django.urls import reverse
from django.utils.functional import empty
from PIL import Image

from aduan.accounts.mfa import NEXT_SESSION_KEY
from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory
from aduan.core.security_headers import WORKER_POLICY
from aduan.reports.models import Report
from aduan.web.forms import KEY_REUSED
from aduan.web.models import PendingUpload
from aduan.web.pwa import (
    ACCOUNT_COOKIE,
    ACCOUNT_HEADER,
    BACKGROUND_COLOR,
    NEVER_STORED,
    OFFLINE_HEADER,
    SHELL_FILES,
    THEME_COLOR,
    account_tag,
)

from .test_submit import BODY, valid_data

pytestmark = pytest.mark.django_db

STAFF_PREFIXES = ("/staf/", "/admin/", "/api/")


def tag_of(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return account_tag(request)


def worker_config(response) -> dict:
    match = re.search(r"^const CONFIG = (\{.*\});$", response.content.decode(), re.MULTILINE)
    assert match, "sw.js has no CONFIG line"
    return json.loads(match.group(1))


# --- The manifest ------------------------------------------------------------------------


def test_manifest_has_what_chromium_and_safari_ask_for(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Aduan"
    assert manifest["short_name"]
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "id"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
            assert image.format == "PNG"


def test_manifest_colours_are_the_stylesheets():
    css = Path(finders.find("web/site.css")).read_text()
    assert re.search(rf"--brand:\s*{THEME_COLOR};", css)
    assert re.search(rf"--bg:\s*{BACKGROUND_COLOR};", css)


def test_every_page_links_the_manifest_and_the_apple_icon(client):
    page = client.get(reverse("web:home")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert f'<meta name="theme-color" content="{THEME_COLOR}">' in page
    assert '<meta name="apple-mobile-web-app-capable" content="yes">' in page
    icon = re.search(r'<link rel="apple-touch-icon" href="/static/([^"]+)" sizes="180x180">', page)
    assert icon
    with Image.open(finders.find(icon.group(1))) as image:
        assert image.size == (180, 180)
        assert image.mode == "RGB"  # iOS draws transparency black


# --- The service worker ------------------------------------------------------------------


def test_service_worker_is_served_from_the_root_uncached(client):
    assert reverse("web:service_worker") == "/sw.js"
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Content-Security-Policy"] == WORKER_POLICY
    assert "unsafe" not in WORKER_POLICY
    assert "connect-src 'self'" in WORKER_POLICY


def test_the_pages_policy_is_not_loosened_for_the_worker(client):
    policy = client.get(reverse("web:home"))["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "script-src 'self'" in policy


def test_the_shell_has_the_offline_page_and_static_files_and_no_staff_url(client):
    config = worker_config(client.get("/sw.js"))
    assert config["offline"] == reverse("web:offline")
    assert config["shell"][0] == config["offline"]
    assert set(config["shell"][1:]) == {f"/static/{name}" for name in SHELL_FILES}
    for url in config["shell"]:
        assert not url.startswith(STAFF_PREFIXES), url
    assert set(STAFF_PREFIXES) <= set(config["never"])
    assert config["never"] == list(NEVER_STORED)


@pytest.fixture
def hashed_static(settings, tmp_path):
    """The production storage (hashed names from staticfiles.json) over a manifest this
    test writes; ``write(site_css_hash)`` rewrites it as a new deploy would."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }

    def write(site_css_hash: str) -> None:
        paths = {name: name.replace(".", ".aaaa1111.", 1) for name in SHELL_FILES}
        paths["web/site.css"] = f"web/site.{site_css_hash}.css"
        (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": paths, "version": "1.1"}))
        forget_storage()  # the storage reads its manifest once

    yield write
    forget_storage()


def forget_storage() -> None:
    storages._storages.pop("staticfiles", None)
    staticfiles_storage._wrapped = empty


def test_a_changed_static_file_makes_a_new_worker(client, hashed_static):
    hashed_static("0123456789ab")
    first = client.get("/sw.js")
    assert "/static/web/site.0123456789ab.css" in worker_config(first)["shell"]
    hashed_static("ba9876543210")
    second = client.get("/sw.js")
    assert "/static/web/site.ba9876543210.css" in worker_config(second)["shell"]
    assert worker_config(first)["version"] != worker_config(second)["version"]
    assert first.content != second.content
    # The same files give the same worker: browsers do not reinstall it for nothing.
    assert client.get("/sw.js").content == second.content


def test_the_version_does_not_follow_the_language(client):
    indonesian = worker_config(client.get("/sw.js", headers={"accept-language": "id"}))
    english = worker_config(client.get("/sw.js", headers={"accept-language": "en"}))
    assert indonesian["version"] == english["version"]


def test_offline_page_is_the_same_for_everyone(client, citizen):
    response = client.get(reverse("web:offline"))
    assert response.status_code == 200
    assert not response.cookies
    assert b"csrfmiddlewaretoken" not in response.content
    client.force_login(citizen)
    signed_in = client.get(reverse("web:offline"))
    assert citizen.email.encode() not in signed_in.content
    assert b"csrfmiddlewaretoken" not in signed_in.content


# --- Which pages the worker may keep ------------------------------------------------------


def test_own_report_pages_are_marked_to_keep_once_the_csrf_cookie_is_held(client, citizen):
    client.force_login(citizen)
    url = reverse("web:my_reports")
    first = client.get(url)  # sets a new CSRF cookie: not to be kept
    assert OFFLINE_HEADER not in first
    second = client.get(url)  # renews the same cookie only
    mark, tag = second[OFFLINE_HEADER].split(" ")
    assert mark == "keep"
    assert re.fullmatch(r"[0-9a-f]{16}", tag)  # a keyed digest, not the account's id
    assert client.get(reverse("web:report_new"))[OFFLINE_HEADER] == second[OFFLINE_HEADER]


def test_the_mark_names_whom_the_page_was_for(client, citizen, other_citizen):
    tags = []
    for user in (citizen, other_citizen):
        client.force_login(user)
        client.get(reverse("web:my_reports"))
        tags.append(client.get(reverse("web:my_reports"))[OFFLINE_HEADER])
    assert tags[0] != tags[1]


def test_other_pages_and_new_cookies_are_never_marked(client, citizen, agency):
    assert OFFLINE_HEADER not in client.get(reverse("web:home"))
    client.force_login(AgencyAdminFactory(agency=agency))
    client.get(reverse("web:staff_inbox"))
    assert OFFLINE_HEADER not in client.get(reverse("web:staff_inbox"))
    client.force_login(NationalAdminFactory())
    client.get(reverse("web:staff_queue"))
    assert OFFLINE_HEADER not in client.get(reverse("web:staff_queue"))
    client.force_login(citizen)
    client.get(reverse("web:my_reports"))
    # A page that sets a cookie the browser did not hold is never kept.
    client.cookies.pop("csrftoken")
    assert OFFLINE_HEADER not in client.get(reverse("web:my_reports"))


def test_a_report_page_is_kept_for_its_reporter_and_never_for_staff(client, citizen):
    from aduan.workflow.services import report_submit

    report = report_submit(
        reporter=citizen,
        channel="web",
        classification="complaint",
        title="Lampu jalan mati di Jalan Setiabudi",
        body=BODY,
    )
    url = reverse("web:track_detail", args=[report.tracking_id])
    client.force_login(citizen)
    client.get(url)
    assert client.get(url)[OFFLINE_HEADER] == f"keep {tag_of(citizen)}"
    # Staff read desk notes and the name behind an anonymous report here: never kept.
    staff = NationalAdminFactory()
    client.force_login(staff)
    client.get(url)
    second = client.get(url)
    assert second.status_code == 200
    assert OFFLINE_HEADER not in second
    assert second[ACCOUNT_HEADER] == tag_of(staff)


# --- Who is signed in now (a shared phone) ------------------------------------------------


def test_every_page_says_whom_it_is_for_and_the_cookie_follows_the_session(client, citizen):
    home = reverse("web:home")
    first = client.get(home)
    assert first[ACCOUNT_HEADER] == "anon"
    assert ACCOUNT_COOKIE not in first.cookies
    client.force_login(citizen)
    signed_in = client.get(home)
    assert signed_in[ACCOUNT_HEADER] == tag_of(citizen)
    cookie = signed_in.cookies[ACCOUNT_COOKIE]
    assert cookie.value == tag_of(citizen)
    assert not cookie["httponly"]  # offline.js reads it
    assert cookie["samesite"] == "Lax"
    assert ACCOUNT_COOKIE not in client.get(home).cookies  # held already: not set again
    # Not on static files or JSON: nobody there to tell.
    assert ACCOUNT_HEADER not in client.get(reverse("web:manifest"))

    out = client.post(reverse("account_logout"))
    assert out.cookies[ACCOUNT_COOKIE].value == ""
    assert out.cookies[ACCOUNT_COOKIE]["max-age"] == 0
    assert client.get(home)[ACCOUNT_HEADER] == "anon"


def test_the_worker_and_offline_js_read_the_same_cookie_and_header(client):
    config = worker_config(client.get(reverse("web:service_worker")))
    assert config["accountCookie"] == ACCOUNT_COOKIE
    assert config["accountHeader"] == ACCOUNT_HEADER.lower()
    script = Path(finders.find("web/offline.js")).read_text()
    assert f"(?:^|;\\s*){ACCOUNT_COOKIE}=" in script


def test_a_session_that_ended_without_signing_out_clears_the_cookie(client, citizen):
    client.force_login(citizen)
    client.get(reverse("web:home"))
    client.cookies.pop("sessionid")  # the session is gone; the account cookie is still held
    response = client.get(reverse("web:home"))
    assert response[ACCOUNT_HEADER] == "anon"
    assert response.cookies[ACCOUNT_COOKIE]["max-age"] == 0


# --- The report form's idempotency key ----------------------------------------------------


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


def test_the_form_carries_a_fresh_key(signed_in):
    keys = {
        re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
        for page in (signed_in.get(reverse("web:report_new")).content.decode() for _ in range(2))
    }
    assert len(keys) == 2


@pytest.mark.django_db(transaction=True)
def test_a_second_post_with_the_same_key_makes_no_second_report(signed_in, citizen):
    url = reverse("web:report_new")
    data = valid_data(idempotency_key="draft-7f3c")
    first = signed_in.post(url, data)
    assert first.status_code == 302
    second = signed_in.post(url, data)
    assert second.status_code == 302
    assert second.url == first.url
    assert Report.objects.filter(reporter=citizen).count() == 1
    # Without a key (an old page, no JavaScript) every post is a new report, as before.
    signed_in.post(url, valid_data())
    assert Report.objects.filter(reporter=citizen).count() == 2


def test_the_same_key_with_other_words_is_refused_and_a_new_key_offered(signed_in, citizen):
    url = reverse("web:report_new")
    assert signed_in.post(url, valid_data(idempotency_key="k-1")).status_code == 302
    other = signed_in.post(url, valid_data(idempotency_key="k-1", body=BODY + " Tolong."))
    assert other.status_code == 422
    assert str(KEY_REUSED) in other.content.decode()
    fresh = re.search(r'name="idempotency_key" value="([^"]+)"', other.content.decode()).group(1)
    assert fresh != "k-1"
    assert Report.objects.filter(reporter=citizen).count() == 1
    again = signed_in.post(url, valid_data(idempotency_key=fresh, body=BODY + " Tolong."))
    assert again.status_code == 302
    assert Report.objects.filter(reporter=citizen).count() == 2


def test_a_draft_of_another_account_is_refused_and_nothing_kept(signed_in, citizen, other_citizen):
    url = reverse("web:report_new")
    assert signed_in.post(url, valid_data(draft_account=str(citizen.pk))).status_code == 409
    refused = signed_in.post(url, valid_data(draft_account=tag_of(other_citizen)))
    assert refused.status_code == 409
    assert Report.objects.count() == 0
    assert PendingUpload.objects.count() == 0
    page = signed_in.get(url).content.decode()
    assert f'data-account="{tag_of(citizen)}"' in page  # what offline.js stamps drafts with
    mine = signed_in.post(url, valid_data(draft_account=tag_of(citizen)))
    assert mine.status_code == 302
    assert Report.objects.get().reporter == citizen


def test_staff_before_their_second_factor_still_get_the_apps_files(client, settings, agency):
    """The worker's update check must not become the page shown after enrolment."""
    settings.ADUAN_STAFF_MFA_REQUIRED = True
    client.force_login(AgencyAdminFactory(agency=agency))
    assert client.get(reverse("web:staff_inbox")).status_code == 302  # the rule holds
    for name in ("web:service_worker", "web:manifest", "web:offline"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.session.get(NEXT_SESSION_KEY) == reverse("web:staff_inbox")
