"""The site works in a real browser under its Content-Security-Policy (issue 12): the main
pages of a visitor, a citizen and the national admin at phone width report no violation
and no console error, and what runs on them (htmx's searches, the region picker, the
"use my location" button, the admin, the API docs) still works."""

from __future__ import annotations

import copy

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser

PHONE = 360
GOOGLE = "https://accounts.google.com"
_LISTEN_JS = """
document.addEventListener("securitypolicyviolation", (event) => window.cspViolation(
  `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} in ${event.sourceFile}`
  + `:${event.lineNumber} ${event.sample}`));
"""


class Watched:
    """A page whose CSP violations, console errors and uncaught exceptions are kept."""

    def __init__(self, page) -> None:
        self.page = page
        self.violations: list[str] = []
        self.errors: list[str] = []
        page.expose_function("cspViolation", lambda text: self.violations.append(text))
        page.add_init_script(_LISTEN_JS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _console(self, message) -> None:
        # Errors, and Chromium's warnings about the headers (an unknown feature is one).
        text = message.text
        if message.type == "error" or "Policy" in text:
            self.errors.append(f"{message.type}: {text} ({message.location})")

    def visit(self, url: str, timeout: float = 5000) -> None:
        response = self.page.goto(url, timeout=timeout)
        assert response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        self.page.wait_for_load_state("load")
        self.assert_clean(url)

    def assert_clean(self, where: str) -> None:
        self.page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
        assert self.violations == [], where
        assert self.errors == [], where


@pytest.fixture
def watched(page_at):
    def open_page(user=None) -> Watched:
        page = page_at(PHONE)
        if user:
            sign_in(page, user)
        return Watched(page)

    return open_page


def test_a_visitors_pages_run_under_the_policy(world, watched):
    visitor = watched()
    for url in (
        "/",
        "/laporan/",
        "/lacak/",
        f"/lacak/{world.public_report.tracking_id}/",
        "/statistik/",
        "/akun/login/",
        "/akun/signup/",
        "/akun/password/reset/",
    ):
        visitor.visit(url)
    # htmx ran, and found its indicator styles in site.css rather than injecting them.
    page = visitor.page
    assert page.evaluate("() => window.htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("() => document.querySelectorAll('style').length") == 0
    assert page.evaluate("() => document.documentElement.classList.contains('js')")


def test_the_report_form_and_its_htmx_searches_work_under_the_policy(world, watched, live_server):
    citizen = watched(world.users["citizen"])
    for url in ("/", "/laporan-saya/", "/notifikasi/", "/akun/profil/", "/akun/token/"):
        citizen.visit(url)
    citizen.visit("/lapor/")
    page = citizen.page

    # Similar reports: the title typed is searched after a pause (the reporter's own
    # report is never offered, so the answer is "none found").
    with page.expect_response(lambda response: "/lapor/serupa/" in response.url):
        page.locator("#id_title").fill("Jalan berlubang besar di depan Pasar Sukasari")
    page.locator("#similar-reports [role=status]").wait_for()

    # The agency search: typing asks the server (htmx) and the choices appear.
    with page.expect_response(lambda response: "/pilih/instansi/" in response.url):
        page.locator("#id_agency_q").fill("Bandung")
    choices = page.locator("#agency-choices")
    choices.get_by_text("Pemerintah Kota Bandung").wait_for()
    choices.get_by_label("Pemerintah Kota Bandung").check()

    # The region picker: a province loads its regencies, a regency its districts.
    with page.expect_response(lambda response: "/pilih/wilayah/" in response.url):
        page.locator("#id_province").select_option("32")
    page.locator("#id_regency option[value='32.73']").wait_for(state="attached")
    with page.expect_response(lambda response: "/pilih/wilayah/" in response.url):
        page.locator("#id_regency").select_option("32.73")
    page.locator("#id_district option[value='32.73.01']").wait_for(state="attached")

    # "Use my location": geolocation is allowed to this origin by the Permissions-Policy.
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": -6.8712, "longitude": 107.5896})
    page.get_by_text("Titik lokasi di peta (opsional)").click()
    page.get_by_role("button", name="Gunakan lokasi saya saat ini").click()
    page.locator("#geo-status").get_by_text("Lokasi sudah diisi.").wait_for()
    assert page.locator("#id_latitude").input_value() == "-6.871200"
    citizen.assert_clean("the report form after its searches")


def test_the_national_admins_pages_and_the_admin_run_under_the_policy(world, watched):
    admin = world.users["national_admin"]
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    desk = watched(admin)
    queued = world.queued_report
    for url in (
        "/staf/antrean/",
        f"/staf/laporan/{queued.tracking_id}/",
        "/staf/kotak-masuk/",
        "/staf/statistik/",
        "/staf/triase/",
        "/admin/",
        "/admin/reports/report/",
        f"/admin/reports/report/{queued.pk}/change/",
        "/admin/accounts/user/add/",
    ):
        desk.visit(url)
    # The admin's own scripts ran: its navigation sidebar toggle is wired up.
    page = desk.page
    page.goto("/admin/reports/report/")
    assert page.locator("#toggle-nav-sidebar").count() == 1
    assert page.evaluate("() => typeof window.django === 'object'")

    # The staff report page's agency picker searches through htmx as the form's does.
    desk.visit(f"/staf/laporan/{queued.tracking_id}/")
    if not page.locator("details:has(#dispose)").evaluate("details => details.open"):
        page.locator("details:has(#dispose) > summary").click()
    picker = page.locator("#dispose .agency-picker")
    with page.expect_response(lambda response: "/pilih/instansi/" in response.url):
        picker.locator("input[name$=agency_q]").fill("Bandung")
    picker.get_by_text("Pemerintah Kota Bandung").wait_for()
    desk.assert_clean("the staff report page after the agency search")


def test_the_api_docs_render_from_this_origin(world, watched):
    reader = watched()
    # Swagger UI's 1.4 MB script: more time than a page of the site's own.
    reader.visit("/api/v1/docs", timeout=30_000)
    reader.page.locator(".swagger-ui .opblock").first.wait_for(timeout=30_000)
    reader.assert_clean("the API docs")


def test_continue_with_google_may_leave_for_google(world, watched, settings):
    """allauth's "Continue" form is answered with a redirect to Google, which browsers check
    against form-action: the policy names Google's sign-in origin (served here by a stub)."""
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["google"]["APP"] = {"client_id": "aduan-test.apps.googleusercontent.com"}
    settings.SOCIALACCOUNT_PROVIDERS = providers
    visitor = watched()
    page = visitor.page
    page.route(
        "https://accounts.google.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>Google</p>"),
    )
    visitor.visit("/akun/google/login/?process=login")
    with page.expect_request(lambda request: request.url.startswith(GOOGLE)) as at_google:
        page.locator("main form[method=post] button[type=submit]").click()
    assert at_google.value.url.startswith(f"{GOOGLE}/o/oauth2/")
    page.wait_for_url(f"{GOOGLE}/**")
    visitor.assert_clean("the way to Google")
