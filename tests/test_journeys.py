"""Journeys through the whole site in Chromium (issue 14), at phone and desktop size,
against the server `make run` starts (gunicorn and the task worker) on a database of its
own: a citizen registers, confirms the e-mail, files an anonymous report with a photo
while offline and sees it sent when the connection returns; the national desk sees it in
its queue with the router's suggestion and disposes it; the agency accepts it and passes
it to a unit; the unit answers with an attachment; the citizen gets the push (the site
posts it, VAPID-signed and encrypted, to a push service on loopback that decrypts it as a
browser would; its text is then handed to the page's service worker, which shows it),
reads the answer, comments, accepts and rates; the overseer's figures move; a visitor
finds the report in the feed and never sees the reporter's name. Every page visited is
screenshot and checked with axe-core.

Run them alone with ``pytest -m journey -n 0``; the screenshots are in
var/test-artefacts/journeys/ (ADUAN_JOURNEY_SCREENSHOTS=1 copies the chosen ones to
docs/screenshots/).
"""

from __future__ import annotations

import io
import json
import random

import pytest
from journey_pages import (
    Accounts,
    Dashboard,
    DeskQueue,
    Feed,
    Header,
    ReportForm,
    StaffReport,
    TrackedReport,
    t,
)
from journey_site import (  # noqa: F401 - fixtures
    axe_script,
    journey_site,
    keep_screenshots,
    record,
    seeded_database,
)
from PIL import Image

pytestmark = [
    pytest.mark.browser,
    pytest.mark.journey,
    pytest.mark.slow,
    # pytest-django makes its test database only for tests that ask for one: on PostgreSQL
    # the journeys' seeded database is copied from it (journey_site.seeded_database).
    pytest.mark.django_db(transaction=True),
]

SIZES = {"phone": (360, 800), "desktop": (1280, 900)}
CITIZEN = "Ratna Kusumawardani Siregar"  # the name no one but the desk may ever see
PASSWORD = "jalan-Berlubang-2026!"
TITLE = "Blangko KTP elektronik kosong di Disdukcapil Kota Bandung"
BODY = (
    "Sudah tiga bulan saya menunggu KTP elektronik di Disdukcapil Kota Bandung. Setiap "
    "kali datang petugas bilang blangko kosong, padahal saya butuh untuk melamar kerja."
)
DESK = "admin.nasional@demo.aduan.test"
AGENCY = "Pemerintah Kota Bandung"
AGENCY_ADMIN = "admin.bandung@demo.aduan.test"
UNIT = "Dinas Kependudukan dan Pencatatan Sipil Kota Bandung"
UNIT_OFFICER = "petugas.disdukcapil.bandung@demo.aduan.test"
OVERSEER = "ombudsman@demo.aduan.test"
ANSWER = "Blangko sudah tersedia lagi; KTP elektronik Anda dapat diambil mulai Senin."
# The steps copied to docs/screenshots/ by ADUAN_JOURNEY_SCREENSHOTS=1.
CHOSEN = {
    "offline-draft": "offline-draft",
    "sent": "sent",
    "desk-queue": "desk-queue",
    "citizen-answer": "citizen-answer",
}


def _photo() -> dict:
    pixels = random.Random(14).randbytes(160 * 120 * 3)
    image = Image.frombytes("RGB", (160, 120), pixels).resize((1280, 960), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return {"name": "antrean.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def _pdf() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(buffer, format="PDF")
    return {
        "name": "jadwal-pengambilan.pdf",
        "mimeType": "application/pdf",
        "buffer": buffer.getvalue(),
    }


class People:
    """One browser context per person, all at the journey's size."""

    def __init__(self, chromium, url: str, size: tuple[int, int]) -> None:
        self.browser, self.url, self.size = chromium, url, size
        self.contexts: list = []

    def page(self):
        context = self.browser.new_context(
            viewport={"width": self.size[0], "height": self.size[1]},
            base_url=self.url,
            locale="id-ID",
            service_workers="allow",
        )
        context.set_default_timeout(10000)
        self.contexts.append(context)
        return context.new_page()

    def close(self, failed_into=None) -> None:
        """Close every context; after a failure, keep each open page's screenshot and
        accessibility tree in ``failed_into`` first."""
        for number, context in enumerate(self.contexts):
            for page in context.pages if failed_into is not None else ():
                page.screenshot(path=failed_into / f"failed-{number}.png", full_page=True)
                (failed_into / f"failed-{number}.txt").write_text(
                    page.url + "\n" + page.locator("body").aria_snapshot()
                )
            context.close()


def _worker_in_control(page) -> None:
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def show_push(page, message: dict) -> list:
    """Hand ``message`` to the page's service worker as Chromium's push service would
    (DevTools' ServiceWorker.deliverPushMessage); the notification it shows."""
    page.context.grant_permissions(["notifications"])
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
    scope = page.url.split("/", 3)[:3]
    registration = next(r for r in registrations if r["scopeURL"] == "/".join(scope) + "/")
    data = {key: message[key] for key in ("title", "body", "url")}
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": "/".join(scope),
            "registrationId": registration["registrationId"],
            "data": json.dumps(data),
        },
    )
    return page.evaluate(
        """async (title) => {
          const registration = await navigator.serviceWorker.ready;
          for (let i = 0; i < 200; i++) {
            const shown = await registration.getNotifications();
            const found = shown.find((n) => n.title === title);
            if (found) return [found.title, found.body];
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          return [];
        }""",
        message["title"],
    )


def _never_named(page, seen: list[str]) -> None:
    """The anonymous reporter's name is nowhere on ``page`` (its HTML, attributes too)."""
    seen.append(page.url)
    assert CITIZEN not in page.content(), f"{CITIZEN!r} shown on {page.url}"


@pytest.mark.parametrize("size", list(SIZES))
def test_a_report_from_sign_up_to_rating(size, record, browser, journey_site):  # noqa: F811
    journey = record("report", size)
    people = People(browser, journey_site.url, SIZES[size])
    failed = True
    try:
        # The overseer's figures before anything happens.
        overseer = people.page()
        Accounts(overseer).sign_in(OVERSEER, staff=True)
        Dashboard(overseer).open()
        before = Dashboard(overseer).figures()
        received = Dashboard(overseer).count("Received")
        journey.step(overseer, "overseer-before")

        # A citizen registers and confirms the address from the e-mail.
        citizen = people.page()
        email = f"ratna.{size}@contoh.id"
        Accounts(citizen).register(name=CITIZEN, email=email, password=PASSWORD)
        journey.step(citizen, "registered")
        Accounts(citizen).confirm(journey_site.link_in_mail(email, "/akun/confirm-email/"))
        journey.step(citizen, "confirmed")
        if (
            "/akun/login/" in citizen.url
            or citizen.get_by_role("link", name=t("Sign In"), exact=True).count()
        ):
            Accounts(citizen).sign_in(email, PASSWORD)

        # Push on: the subscription a phone's browser would make, to the loopback service.
        Header(citizen).go("Notifications")
        subscribed = citizen.evaluate(
            """([url, subscription]) => fetch(url, {
                 method: "POST", credentials: "same-origin", body: JSON.stringify(subscription),
                 headers: {"Content-Type": "application/json",
                           "X-CSRFToken": document.cookie.match(/csrftoken=([^;]+)/)[1]}})
               .then((answer) => answer.status)""",
            ["/notifikasi/push/langganan/", journey_site.push_endpoint("citizen")],
        )
        assert subscribed in (200, 201), subscribed

        # Offline: the report is kept on the phone, then sent when the connection returns.
        form = ReportForm(citizen)
        form.open()
        _worker_in_control(citizen)
        journey.step(citizen, "report-form")
        citizen.context.set_offline(True)
        form.fill(kind="Complaint", title=TITLE, body=BODY, anonymous=True)
        form.attach([_photo()])
        form.send()
        waiting = citizen.get_by_text(t("Waiting to be sent"), exact=False).first
        waiting.wait_for()
        journey.step(citizen, "offline-draft")
        citizen.context.set_offline(False)
        tracking_id = form.tracking_id()
        journey.step(citizen, "sent")

        # The national desk: the report in its queue with the router's suggestion.
        desk = people.page()
        Accounts(desk).sign_in(DESK, staff=True)
        queue = DeskQueue(desk)
        queue.open()
        assert queue.suggested_in(tracking_id)
        journey.step(desk, "desk-queue")
        report = StaffReport(desk)
        report.open(tracking_id)
        assert report.suggestions()
        assert CITIZEN in desk.content()  # the desk alone sees who wrote it
        journey.step(desk, "desk-report")
        report.dispose(AGENCY, "Mohon ditangani bersama Disdukcapil.")
        desk.get_by_text(AGENCY).first.wait_for()
        journey.step(desk, "desk-disposed")

        seen: list[str] = []
        # The agency accepts it and passes it to its unit.
        agency = people.page()
        Accounts(agency).sign_in(AGENCY_ADMIN, staff=True)
        agency.goto("/staf/kotak-masuk/")
        agency.get_by_role("link", name=TITLE).first.wait_for()
        _never_named(agency, seen)
        journey.step(agency, "agency-inbox")
        report = StaffReport(agency)
        report.open(tracking_id)
        _never_named(agency, seen)
        report.accept()
        report.action("Forward").wait_for()
        journey.step(agency, "agency-accepted")
        report.forward(UNIT, "Mohon dijawab paling lambat Jumat.")
        _never_named(agency, seen)
        journey.step(agency, "agency-forwarded")

        # The unit answers with an attachment.
        unit = people.page()
        Accounts(unit).sign_in(UNIT_OFFICER, staff=True)
        report = StaffReport(unit)
        report.open(tracking_id)
        _never_named(unit, seen)
        journey.step(unit, "unit-report")
        report.respond(ANSWER, [_pdf()])
        unit.get_by_text(ANSWER).first.wait_for()
        _never_named(unit, seen)
        journey.step(unit, "unit-answered")

        # The citizen is told: a push message to the phone, which its service worker shows,
        # and the notification in the site.
        message = journey_site.pushed(ANSWER[:40])  # the response's push quotes it
        assert message["url"].endswith(f"/lacak/{tracking_id}/"), message
        assert CITIZEN not in json.dumps(message)
        shown = show_push(citizen, message)
        assert shown[0] == message["title"], shown
        journey.note(f"push: {message['title']!r} / {message['body']!r} -> {message['url']}")
        journey.note(f"push messages received and decrypted: {len(journey_site.push.received)}")
        Header(citizen).go("Notifications")
        citizen.get_by_text(tracking_id).first.wait_for()
        journey.step(citizen, "citizen-notified")
        tracked = TrackedReport(citizen)
        tracked.open(tracking_id)
        assert ANSWER in tracked.answer()
        citizen.get_by_role("link", name="jadwal-pengambilan.pdf").first.wait_for()
        journey.step(citizen, "citizen-answer")
        tracked.comment("Terima kasih, saya akan mengambilnya hari Senin.")
        journey.step(citizen, "citizen-commented")
        tracked.accept_and_rate(5, "Cepat dan jelas.")
        journey.step(citizen, "citizen-rated")

        # The overseer's figures have moved.
        Dashboard(overseer).open()
        after = Dashboard(overseer).figures()
        _never_named(overseer, seen)
        journey.step(overseer, "overseer-after")
        moved = {label for label in after if after[label] != before.get(label)}
        assert Dashboard(overseer).count("Received") == received + 1, (before, after)
        assert t("Average rating") in moved, (before, after)
        journey.note(
            "overseer's figures moved: "
            + "; ".join(f"{label} {before.get(label)} -> {after[label]}" for label in sorted(moved))
        )

        # A visitor finds it in the feed and never reads the name.
        visitor = people.page()
        Feed(visitor).search("blangko KTP Bandung")
        _never_named(visitor, seen)
        journey.step(visitor, "visitor-search")
        Feed(visitor).open_result(TITLE)
        visitor.get_by_text(ANSWER).first.wait_for()
        _never_named(visitor, seen)
        journey.step(visitor, "visitor-report")
        failed = False
    finally:
        people.close(journey.directory if failed else None)
    # The wall time is printed with the summary, not asserted: the machine is shared.
    keep_screenshots(journey, CHOSEN)
    assert not journey.serious(), "\n".join(journey.serious())


def _tab_to(page, target, *, back: bool = False, limit: int = 60) -> None:
    """Press Tab (Shift+Tab with ``back``) until ``target`` has the focus."""
    for _ in range(limit):
        if target.evaluate("e => e === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    pytest.fail(f"{target} never got the focus in {limit} presses")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_report_form_is_completed_with_the_keyboard_alone(
    size,
    record,  # noqa: F811 - the fixtures imported above
    browser,
    journey_site,  # noqa: F811
):
    journey = record("keyboard", size)
    people = People(browser, journey_site.url, SIZES[size])
    failed = True
    try:
        page = people.page()
        Accounts(page).sign_in("warga@demo.aduan.test")
        ReportForm(page).open()
        journey.step(page, "form")
        # From here on, only keys: Tab, Shift+Tab, arrows, Space, Enter and typed text.
        kind = page.get_by_role("radio", name=t("Complaint"), exact=True)
        _tab_to(page, kind)
        page.keyboard.press("ArrowDown")  # Aspirasi: arrows move and choose in a group
        page.keyboard.press("ArrowUp")  # back to Pengaduan
        assert kind.is_checked()
        title = page.get_by_label(t("Title"), exact=False).first
        _tab_to(page, title)
        page.keyboard.type(TITLE)
        body = page.get_by_label(t("What happened?"), exact=False)
        _tab_to(page, body)
        page.keyboard.type(BODY)
        _tab_to(page, title, back=True)  # Shift+Tab goes back, and what was typed stayed
        assert title.input_value() == TITLE
        anonymous = page.get_by_role("checkbox", name=t("Hide my identity (anonymous)"))
        _tab_to(page, anonymous)
        page.keyboard.press("Space")
        assert anonymous.is_checked()
        journey.step(page, "filled")
        _tab_to(page, page.get_by_role("button", name=t("Send report")))
        page.keyboard.press("Enter")
        tracking_id = ReportForm(page).tracking_id()
        assert len(tracking_id) == 10
        journey.step(page, "sent")
        failed = False
    finally:
        people.close(journey.directory if failed else None)
    assert not journey.serious(), "\n".join(journey.serious())
