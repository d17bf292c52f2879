"""The installable app in Chromium at 360x800 (issue 14): installable as Chromium judges it,
the service worker in control, a report written offline kept as a draft and sent once when
the connection returns, and the citizen's own pages readable offline (staff pages never)."""

from __future__ import annotations

import io
import random
import time

import pytest
from PIL import Image

from aduan.reports.models import Report

from .chromium import CHROMIUM
from .conftest import PHONE_HEIGHT, sign_in_as

pytestmark = pytest.mark.browser

TITLE = "Lampu jalan mati di Jalan Setiabudi sejak dua minggu"
BODY = "Seluruh lampu jalan di ruas Setiabudi padam sehingga jalan gelap dan rawan kecelakaan."
WAITING = "Menunggu dikirim"
SENT = "Laporan Anda sudah terkirim"


def _big_photo() -> bytes:
    """A 2400x1800 JPEG of noise (about 2 MB): large enough to be scaled on the phone."""
    pixels = random.Random(14).randbytes(600 * 450 * 3)
    image = Image.frombytes("RGB", (600, 450), pixels).resize((2400, 1800), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def _eventually(page, predicate: str) -> None:
    """Wait (up to 10 s) until the async JavaScript ``predicate`` resolves to true."""
    assert page.evaluate(
        f"""async () => {{
          const predicate = {predicate};
          for (let i = 0; i < 200; i++) {{
            if (await predicate()) return true;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }}
          return false;
        }}"""
    ), predicate


def _worker_in_control(page) -> None:
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def _write_offline(page, title: str) -> None:
    """The report form opened online (the worker in control), then filled offline."""
    page.goto("/lapor/")
    _worker_in_control(page)
    page.context.set_offline(True)
    page.get_by_label("Pengaduan").check()
    page.locator("#id_title").fill(title)
    page.locator("#id_body").fill(BODY)


def test_chromium_finds_the_app_installable(transactional_db, site, tmp_path):
    # A profile on disk: Chromium never offers to install from an incognito context,
    # which is what a plain new_context() is.
    context = site.browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        viewport={"width": 360, "height": PHONE_HEIGHT},
        base_url=site.url,
        locale="id-ID",
    )
    try:
        page = context.new_page()
        page.goto("/")
        _worker_in_control(page)
        cdp = context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"] == site.url + "/manifest.webmanifest"
        assert manifest.get("errors", []) == []
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        scope = page.evaluate("() => navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == site.url + "/"
    finally:
        context.close()


def test_a_report_written_offline_is_sent_once_when_the_connection_returns(
    transactional_db, page_at
):
    page = page_at(360)
    citizen = sign_in_as(page, "citizen")
    _write_offline(page, TITLE)
    page.locator("details.field summary").first.click()
    page.locator("#id_latitude").fill("-6.870000")
    page.locator("#id_longitude").fill("107.590000")
    photo = {"name": "lampu.jpg", "mimeType": "image/jpeg", "buffer": _big_photo()}
    page.locator("#id_files").set_input_files([photo])
    # Scaled on the phone before anything is kept or sent.
    page.wait_for_function("() => document.querySelector('#id_files').files[0].size < 1500000")
    size = page.evaluate(
        "() => createImageBitmap(document.querySelector('#id_files').files[0])"
        ".then(b => [b.width, b.height])"
    )
    assert size == [1600, 1200]

    page.get_by_role("button", name="Kirim laporan").click()
    status = page.locator("#offline-drafts")
    status.get_by_text(WAITING).wait_for()
    assert Report.objects.count() == 0

    page.context.set_offline(False)
    status.get_by_text(SENT).wait_for(timeout=20000)
    report = Report.objects.get()
    assert status.locator("a.tracking-id").inner_text() == report.tracking_id
    assert report.reporter_id == citizen.pk
    assert report.title == TITLE
    assert float(report.latitude) == pytest.approx(-6.87)
    assert report.attachments.count() == 1

    # Another page load tries the queue again: nothing is left in it, nothing sent twice.
    page.goto("/laporan-saya/")
    assert (
        page.evaluate(
            """() => new Promise((resolve) => {
          const open = indexedDB.open("aduan", 1);
          open.onsuccess = () => {
            const all = open.result.transaction("drafts").objectStore("drafts").getAll();
            all.onsuccess = () => resolve(all.result.length);
          };
        })"""
        )
        == 0
    )
    assert Report.objects.count() == 1


def test_own_pages_are_readable_offline_and_staff_pages_never_kept(transactional_db, page_at):
    from aduan.workflow.services import report_submit

    page = page_at(360)
    citizen = sign_in_as(page, "citizen")
    report = report_submit(
        reporter=citizen, channel="web", classification="complaint", title=TITLE, body=BODY
    )
    page.goto("/")
    _worker_in_control(page)
    page.goto("/laporan-saya/")
    page.goto(f"/lacak/{report.tracking_id}/")
    _eventually(
        page,
        """() => caches.open("aduan-pages").then(c => c.keys())
             .then(keys => keys.some(k => k.url.includes("/lacak/")))""",
    )
    kept = page.evaluate(
        """() => caches.keys().then(names => Promise.all(names.map(
             name => caches.open(name).then(c => c.keys()).then(keys => keys.map(k => k.url))
           ))).then(lists => lists.flat())"""
    )
    assert not [url for url in kept if "/staf/" in url or "/api/" in url or "/akun/" in url]

    page.context.set_offline(True)
    page.goto(f"/lacak/{report.tracking_id}/")
    assert TITLE in page.locator("h1").inner_text()
    page.goto("/staf/antrean/")
    assert page.locator("h1").inner_text() == "Tidak ada koneksi"

    # Someone else signs in on the same phone: the first one's pages are dropped.
    page.context.set_offline(False)
    sign_in_as(page, "citizen")
    page.goto("/laporan-saya/")
    _eventually(
        page,
        """() => caches.open("aduan-pages").then(c => c.keys())
             .then(keys => !keys.some(k => k.url.includes("/lacak/")))""",
    )


def _kept(page, path: str) -> None:
    _eventually(
        page,
        f"""() => caches.open("aduan-pages").then(c => c.keys())
             .then(keys => keys.some(k => new URL(k.url).pathname === "{path}"))""",
    )


@pytest.mark.parametrize("next_one", ["signs in", "nobody"])
def test_pages_kept_for_one_account_are_never_shown_to_the_next(
    transactional_db, page_at, next_one
):
    """A's session ends without the sign-out (cookies cleared, or it expired); then B signs
    in and reads a page that is not kept, or nobody does: offline, A's list is not shown."""
    from aduan.workflow.services import report_submit

    page = page_at(360)
    first = sign_in_as(page, "citizen")
    report_submit(reporter=first, channel="web", classification="complaint", title=TITLE, body=BODY)
    page.goto("/")
    _worker_in_control(page)
    page.goto("/laporan-saya/")
    page.goto("/laporan-saya/")  # the CSRF cookie held now: this one is kept
    _kept(page, "/laporan-saya/")

    page.context.clear_cookies()
    if next_one == "signs in":
        sign_in_as(page, "citizen")
        page.goto("/")  # a page not kept: it says whom it is for all the same
    page.context.set_offline(True)
    page.goto("/laporan-saya/")
    assert page.locator("h1").inner_text() == "Tidak ada koneksi"
    assert TITLE not in page.content()


def test_a_kept_report_form_gets_a_fresh_idempotency_key(transactional_db, page_at):
    page = page_at(360)
    sign_in_as(page, "citizen")
    page.goto("/")
    _worker_in_control(page)
    page.goto("/lapor/")
    page.goto("/lapor/")
    _kept(page, "/lapor/")
    kept_key = page.evaluate(
        """() => caches.match("/lapor/", { cacheName: "aduan-pages", ignoreVary: true }).then(r => r.text())
             .then(text => /name="idempotency_key" value="([^"]+)"/.exec(text)[1])"""
    )
    page.context.set_offline(True)
    page.goto("/lapor/")
    key = page.locator("input[name=idempotency_key]").input_value()
    assert key != kept_key
    assert len(key) == 36  # crypto.randomUUID()
    assert page.locator("#id_title").is_visible()  # the kept form itself, not the offline page


def test_a_push_message_shows_its_notification(transactional_db, page_at):
    page = page_at(360)
    page.context.grant_permissions(["notifications"])
    page.goto("/")
    _worker_in_control(page)
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if registrations:
            break
        page.wait_for_timeout(50)  # lets Playwright deliver the CDP events
    registration = next(r for r in registrations if r["scopeURL"] == page.site_url + "/")
    payload = '{"title": "Laporan Anda dijawab", "body": "Dinas PU menjawab.", "url": "/lacak/X/"}'
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": page.site_url,
            "registrationId": registration["registrationId"],
            "data": payload,
        },
    )
    _eventually(
        page,
        """() => navigator.serviceWorker.ready.then(r => r.getNotifications())
             .then(list => list.some(n => n.title === "Laporan Anda dijawab"))""",
    )
    shown = page.evaluate(
        """() => navigator.serviceWorker.ready.then(r => r.getNotifications())
             .then(list => list.map(n => [n.title, n.body, n.data.url]))"""
    )
    assert shown == [["Laporan Anda dijawab", "Dinas PU menjawab.", "/lacak/X/"]]


def test_a_draft_the_server_refuses_comes_back_into_the_form(transactional_db, page_at):
    page = page_at(360)
    sign_in_as(page, "citizen")
    _write_offline(page, "Pendek")  # too short: the server will refuse it
    page.get_by_role("button", name="Kirim laporan").click()
    page.locator("#offline-drafts").get_by_text(WAITING).wait_for()

    page.context.set_offline(False)
    page.locator("#offline-drafts [data-state=failed]").wait_for(timeout=20000)
    assert Report.objects.count() == 0
    page.goto("/lapor/")
    page.locator("#offline-drafts [data-state=restored]").wait_for()
    assert page.locator("#id_title").input_value() == "Pendek"
    assert page.locator("#id_body").input_value() == BODY
    assert page.get_by_label("Pengaduan").is_checked()


def _drafts(page) -> int:
    return page.evaluate(
        """() => new Promise((resolve) => {
          const open = indexedDB.open("aduan", 1);
          open.onupgradeneeded = () => open.result.createObjectStore("drafts", { keyPath: "key" });
          open.onsuccess = () => {
            const all = open.result.transaction("drafts").objectStore("drafts").getAll();
            all.onsuccess = () => resolve(all.result.length);
          };
        })"""
    )


def test_a_page_left_open_after_the_session_ended_keeps_no_draft(transactional_db, page_at):
    """The form still names its writer, but the session is gone (someone else may hold the
    phone): nothing is kept as the writer's draft, the form posts the browser's own way."""
    page = page_at(360)
    sign_in_as(page, "citizen")
    _write_offline(page, TITLE)
    page.context.clear_cookies()
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_load_state()
    page.context.set_offline(False)
    page.goto("/")
    assert _drafts(page) == 0


def _wait_for_reports(count: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while Report.objects.count() < count:
        assert time.monotonic() < deadline, f"no report {count} after {seconds} s"
        time.sleep(0.1)


def test_a_draft_is_sent_by_the_worker_with_no_page_of_the_site_open(transactional_db, page_at):
    """Background Sync: the browser wakes the worker when the connection returns."""
    page = page_at(360)
    citizen = sign_in_as(page, "citizen")
    _write_offline(page, TITLE)
    page.get_by_role("button", name="Kirim laporan").click()
    page.locator("#offline-drafts").get_by_text(WAITING).wait_for()
    _eventually(
        page,
        "() => navigator.serviceWorker.ready"
        ".then(r => r.sync.getTags()).then(tags => tags.includes('aduan-drafts'))",
    )

    blank = page.context.new_page()
    page.close()  # no page of the site is open any more: only the worker can send it
    page = blank
    assert Report.objects.count() == 0
    page.context.set_offline(False)  # Chromium fires the sync when the connection returns
    _wait_for_reports(1)
    report = Report.objects.get()
    assert (report.reporter_id, report.title) == (citizen.pk, TITLE)

    # The draft is gone: the next page sends nothing again.
    page.goto("/laporan-saya/")
    _worker_in_control(page)
    page.wait_for_timeout(500)
    assert Report.objects.count() == 1
