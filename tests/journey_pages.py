"""The pages the browser journeys use, by role and label (issue 14): every selector of the
journeys lives here, so a restyled page (the feed's cards, the report's next-step form,
the phone header's menu button) is adapted in one place.

Labels are the English msgids, looked up in the Indonesian catalogue as the page shows
them (``t``): the journeys run in Indonesian, like a visitor who chose nothing.
"""

from __future__ import annotations

import re
import time

from django.utils import translation

from aduan.demo.loader import DEMO_PASSWORD, DEMO_TOTP_SECRET

LANGUAGE = "id"


def t(msgid: str) -> str:
    """``msgid`` as the Indonesian pages show it."""
    with translation.override(LANGUAGE):
        return str(translation.gettext(msgid))


def totp_now() -> str:
    """The code a demo staff account's authenticator app shows now (the demo's secret).

    A code is accepted only within its 30-second window: like a person who sees the
    countdown ending, wait for the next code when this one has under 5 seconds left (on a
    busy machine the sign-in page can take that long to answer)."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 5:
        time.sleep(left + 0.1)
    # Each demo account signs in once per journey: no code is used twice.
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(time.time()) // period))


class Header:
    """The site's header: its menu (a button opens it at phone width once restyled)."""

    def __init__(self, page) -> None:
        self.page = page

    def open_menu(self) -> None:
        menu = self.page.get_by_role("banner").get_by_role("button", name=t("Menu"))
        if menu.count() and menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
            menu.click()

    def go(self, link: str) -> None:
        self.open_menu()
        self.page.get_by_role("banner").get_by_role("link", name=t(link), exact=True).click()


class Accounts:
    """Sign-up, e-mail confirmation and sign-in (allauth's pages, restyled)."""

    def __init__(self, page) -> None:
        self.page = page

    def register(self, *, name: str, email: str, password: str) -> None:
        page = self.page
        page.goto("/akun/signup/")
        page.get_by_label(t("Full name")).fill(name)
        page.get_by_label(t("Email"), exact=False).first.fill(email)
        page.get_by_label(t("Password"), exact=True).or_(
            page.get_by_label(t("Password") + ":", exact=True)
        ).fill(password)
        page.get_by_label(t("Password (again)"), exact=False).fill(password)
        with page.expect_navigation():
            page.get_by_role("main").get_by_role("button", name=t("Sign Up")).click()

    def confirm(self, link: str) -> None:
        self.page.goto(link)
        self.page.get_by_role("main").get_by_role("button", name=t("Confirm")).click()

    def sign_in(self, email: str, password: str = DEMO_PASSWORD, *, staff: bool = False) -> None:
        page = self.page
        page.goto("/akun/login/")
        page.get_by_label(t("Email"), exact=False).first.fill(email)
        page.get_by_label(t("Password"), exact=False).first.fill(password)
        page.get_by_role("main").get_by_role("button", name=t("Sign In")).click()
        if staff:
            page.get_by_label(t("Code")).fill(totp_now())
            page.get_by_role("main").get_by_role("button", name=t("Sign In")).click()
        page.wait_for_load_state()

    def sign_out(self) -> None:
        self.page.context.clear_cookies()


class ReportForm:
    """/lapor/: the submission form."""

    def __init__(self, page) -> None:
        self.page = page

    def open(self) -> None:
        self.page.goto("/lapor/")

    def fill(self, *, kind: str, title: str, body: str, anonymous: bool) -> None:
        page = self.page
        page.get_by_role("radio", name=t(kind), exact=True).check()
        page.get_by_label(t("Title"), exact=False).first.fill(title)
        page.get_by_label(t("What happened?"), exact=False).fill(body)
        if anonymous:
            page.get_by_role("checkbox", name=t("Hide my identity (anonymous)")).check()

    def attach(self, files: list[dict]) -> None:
        with self.page.expect_file_chooser() as chooser:
            self.page.get_by_role("button", name=t("Attachments (optional)")).click()
        chooser.value.set_files(files)

    def send(self) -> None:
        self.page.get_by_role("button", name=t("Send report")).click()

    def tracking_id(self) -> str:
        """The tracking id the page announces after sending (the sent page's status, or
        the offline drafts' status once the draft has gone)."""
        tracking_id = re.compile(r"\b[A-Z0-9]{10}\b")
        status = self.page.get_by_role("status").filter(has_text=tracking_id).first
        status.wait_for(timeout=20000)
        return tracking_id.search(status.inner_text()).group()


class DeskQueue:
    """/staf/antrean/: the national desk's queue."""

    def __init__(self, page) -> None:
        self.page = page

    def open(self) -> None:
        self.page.goto("/staf/antrean/")

    def row(self, tracking_id: str):
        row = self.page.get_by_role("row").filter(has_text=tracking_id)
        row.wait_for()
        return row

    def suggested_in(self, tracking_id: str) -> bool:
        """Whether the report's row shows the router's suggestion."""
        return t("Suggested") in self.row(tracking_id).inner_text()


class StaffReport:
    """/staf/laporan/<id>/: one report as staff see it, with the actions they may take."""

    def __init__(self, page) -> None:
        self.page = page

    def open(self, tracking_id: str) -> None:
        self.page.goto(f"/staf/laporan/{tracking_id}/")

    def action(self, title: str):
        """The action's form, found by its heading, unfolded (each is a <details>)."""
        heading = self.page.get_by_role("heading", name=t(title), exact=True)
        group = self.page.get_by_role("group").filter(has=heading)
        group.wait_for()
        if group.evaluate("e => e.tagName === 'DETAILS' && !e.open"):
            heading.click()
        return group

    def suggestions(self) -> list[str]:
        """The router's suggestions: the names of the one-click "Send to <agency>" buttons."""
        send_to = re.compile("^" + re.escape(t("Send to %(agency)s").split("%", 1)[0]))
        return [
            button.get_attribute("aria-label") or button.inner_text()
            for button in self.page.get_by_role("button", name=send_to).all()
        ]

    def dispose(self, agency: str, note: str) -> None:
        form = self.action("Verify and send to an agency")
        form.get_by_role("searchbox", name=t("Search for an agency")).fill(agency)
        # The search's results name the parent too: "Pemerintah Kota Bandung (Pemprov ...)".
        form.get_by_role("radio", name=re.compile("^" + re.escape(agency))).check()
        form.get_by_label(t("Note for the agency (optional; the reporter does not see it)")).fill(
            note
        )
        form.get_by_role("checkbox", name=t("I checked anonymity and confidentiality")).check()
        form.get_by_role("button", name=t("Send to the agency")).click()

    def accept(self) -> None:
        self.action("Accept").get_by_role("button", name=t("Accept the report")).click()

    def forward(self, unit: str, note: str) -> None:
        form = self.action("Forward")
        form.get_by_label(t("Unit"), exact=True).select_option(label=unit)
        form.get_by_label(
            t("Note for the unit or the national admin (the reporter does not see it)")
        ).fill(note)
        form.get_by_role("button", name=t("Forward"), exact=True).click()

    def respond(self, body: str, files: list[dict]) -> None:
        form = self.action("Respond to the reporter")
        form.get_by_role("textbox", name=re.compile("^" + re.escape(t("Response")))).fill(body)
        with self.page.expect_file_chooser() as chooser:
            form.get_by_role("button", name=t("Attachments (optional)")).click()
        chooser.value.set_files(files)
        form.get_by_role("button", name=t("Send the response")).click()


class TrackedReport:
    """/lacak/<id>/: the report as its reporter (or the public) reads it, with the
    reporter's next step: one form (a choice, a message, the rating as five stars)."""

    def __init__(self, page) -> None:
        self.page = page

    def open(self, tracking_id: str) -> None:
        self.page.goto(f"/lacak/{tracking_id}/")

    def next_step(self):
        # The panel and the form inside it bear the same name; the form is the inner one.
        return self.page.get_by_role("region", name=t("Your next step"), exact=True).last

    def _send(self, choice: str, message: str, stars: int | None = None) -> None:
        form = self.next_step()
        form.get_by_role("radio", name=re.compile("^" + re.escape(t(choice)))).check()
        if stars is not None:
            # Each star's name: "5 bintang: Sangat baik" ("5 stars: Very good").
            form.get_by_role("radio", name=re.compile(rf"^{stars}\b")).check()
        form.get_by_role("textbox", name=re.compile("^" + re.escape(t("Your message")))).fill(
            message
        )
        with self.page.expect_navigation():
            form.get_by_role("button", name=t("Send"), exact=True).click()

    def comment(self, text: str) -> None:
        self._send("Add a comment", text)

    def accept_and_rate(self, stars: int, comment: str) -> None:
        self._send("Accept the answer and rate it", comment, stars)

    def answer(self) -> str:
        """The agency's answer, shown at the top of the page."""
        return self.page.get_by_role("region", name=t("The agency's answer")).inner_text()


class Dashboard:
    """/staf/statistik/: the overseer's figures."""

    def __init__(self, page) -> None:
        self.page = page

    def open(self) -> None:
        self.page.goto("/staf/statistik/")

    def figures(self) -> dict[str, str]:
        """Each figure's label and value, as the page's description list shows them."""
        return self.page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll("main dt")].map(
                 (dt) => [dt.textContent.trim(), dt.nextElementSibling?.textContent.trim()]))"""
        )

    def count(self, label: str) -> int:
        """The whole number a figure starts with ("31", "3.4 (5)" gives 3)."""
        value = self.figures()[t(label)]
        return int(re.match(r"[\d.]+", value).group().replace(".", ""))


class Feed:
    """/laporan/: the public feed and its search."""

    def __init__(self, page) -> None:
        self.page = page

    def search(self, words: str) -> None:
        self.page.goto("/laporan/")
        search = self.page.get_by_role("search").first
        search.get_by_role("searchbox", name=t("Words")).fill(words)
        search.get_by_role("button", name=t("Search")).click()
        self.page.wait_for_load_state()

    def open_result(self, title: str) -> None:
        self.page.get_by_role("link", name=title).first.click()
        self.page.wait_for_load_state()
