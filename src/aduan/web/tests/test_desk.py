"""The national desk's work: one-click disposition to the suggested agency, moving on to
the next report of the queue, and the staff report page's single action panel."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from aduan.agencies.tests.factories import AgencyFactory
from aduan.reports.models import EventAction, Status
from aduan.reports.tests.factories import ReportFactory
from aduan.sla.models import Deadline, DeadlineKind
from aduan.triage.selectors import SuggestionSource, report_triage
from aduan.workflow import services as wf
from aduan.workflow.permissions import actions_available

from ..action_forms import STAFF_ACTIONS
from .staff_helpers import (
    WIB,
    action_forms,
    disposed,
    in_progress,
    responded,
    sign_in,
    submitted,
    text,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

QUEUE = reverse("web:staff_queue")


def url(report) -> str:
    return reverse("web:staff_report", args=[report.tracking_id])


class _Forms(HTMLParser):
    """Every ``<form>`` of a page: its class, action and the values it would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"class": attrs.get("class", ""), "action": attrs.get("action")})
            self.forms[-1]["data"] = {}
        elif tag == "input" and self.forms and attrs.get("type") == "hidden":
            self.forms[-1]["data"][attrs["name"]] = attrs.get("value", "")


def one_click_forms(response) -> list[dict]:
    parser = _Forms()
    parser.feed(response.content.decode())
    return [f for f in parser.forms if "one-click" in f["class"]]


# --- The suggested agency ------------------------------------------------------------------


def test_the_suggestion_is_the_agencys_on_return_else_the_reporters_choice(agency):
    """Without a trained model: the return's suggestion, then the reporter's choice."""
    other = AgencyFactory(name="Pemerintah Kota Bandung")
    assert report_triage(ReportFactory(status=Status.SUBMITTED)).first is None
    chosen = report_triage(ReportFactory(status=Status.SUBMITTED, requested_agency=agency))
    assert [(o.agency, o.source) for o in chosen.options] == [(agency, SuggestionSource.REPORTER)]
    returned = ReportFactory(
        status=Status.RETURNED, requested_agency=agency, suggested_agency=other
    )
    assert [(o.agency, o.source) for o in report_triage(returned).options] == [
        (other, SuggestionSource.RETURN),
        (agency, SuggestionSource.REPORTER),
    ]


# --- One click from the queue row and from the report page ---------------------------------


def test_one_click_from_the_queue_row_disposes_audits_and_starts_the_response_clock(
    client, people, citizen, agency, frozen
):
    report = submitted(citizen, title="Lampu jalan mati di gang", agency_id=agency.pk)
    assert not Deadline.objects.filter(report=report, kind=DeadlineKind.RESPONSE).exists()
    frozen.move_to(dt.datetime(2026, 12, 2, 14, 30, tzinfo=WIB))  # a day later
    sign_in(client, people["national_admin"])
    queue = client.get(QUEUE, {"q": "Lampu"})
    (form,) = one_click_forms(queue)
    assert form["action"] == url(report)
    assert f"Send to {agency.name}" in text(queue)
    response = client.post(form["action"], form["data"])

    # Back on the queue, filtered as it was.
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?q=Lampu"
    report.refresh_from_db()
    assert report.status == Status.DISPOSITIONED
    assert report.agency == agency
    assert (report.title, report.anonymous, report.confidential) == (
        "Lampu jalan mati di gang",
        False,
        False,
    )
    event = report.events.get(action=EventAction.DISPOSED)
    assert event.actor == people["national_admin"]
    assert event.target_agency == agency
    response_clock = Deadline.objects.get(report=report, kind=DeadlineKind.RESPONSE)
    assert response_clock.starts_at == dt.datetime(2026, 12, 2, 14, 30, tzinfo=WIB)
    assert response_clock.agency == agency
    assert f"Done: {report.tracking_id} sent to {agency.name}." in text(
        client.get(response["Location"])
    )


def test_one_click_keeps_the_privacy_flags_shown_in_the_row(client, people, citizen, agency):
    report = submitted(
        citizen, title="Pungutan liar di kantor", agency_id=agency.pk, anonymous=True
    )
    sign_in(client, people["national_admin"])
    (form,) = one_click_forms(client.get(QUEUE))
    assert form["data"]["anonymous"] == "hidden"
    assert form["data"]["confidential"] == "public"
    client.post(form["action"], form["data"])
    report.refresh_from_db()
    assert report.status == Status.DISPOSITIONED
    assert report.anonymous


def test_one_click_from_the_report_page_then_the_next_report(client, people, citizen, agency):
    first = submitted(citizen, title="Yang pertama di antrean", agency_id=agency.pk)
    second = submitted(citizen, title="Yang kedua di antrean")
    sign_in(client, people["national_admin"])
    page = client.get(url(first))
    (form,) = one_click_forms(page)
    assert "Reporter's choice: Kementerian Pekerjaan Umum" in text(page)
    response = client.post(form["action"], form["data"])
    assert response.status_code == 302
    assert response["Location"] == url(second)
    first.refresh_from_db()
    assert first.status == Status.DISPOSITIONED
    assert first.agency == agency
    assert "Next in the queue: Yang kedua di antrean" in text(client.get(url(second)))


def test_no_one_click_without_a_suggestion_or_for_oversight(client, people, citizen, agency):
    plain = submitted(citizen, title="Tanpa pilihan instansi")
    chosen = submitted(citizen, title="Dengan pilihan instansi", agency_id=agency.pk)
    sign_in(client, people["national_admin"])
    assert one_click_forms(client.get(url(plain))) == []
    assert len(one_click_forms(client.get(QUEUE))) == 1
    sign_in(client, people["oversight"])
    assert one_click_forms(client.get(QUEUE)) == []
    assert one_click_forms(client.get(url(chosen))) == []


def test_a_one_click_on_a_report_already_disposed_is_refused(client, people, citizen, agency):
    report = submitted(citizen, title="Dua admin menekan bersamaan", agency_id=agency.pk)
    sign_in(client, people["national_admin"])
    (form,) = one_click_forms(client.get(QUEUE))
    wf.report_dispose(report=report, actor=people["national_admin"], agency_id=agency.pk)
    response = client.post(form["action"], form["data"])
    assert response.status_code == 409
    assert report.events.filter(action=EventAction.DISPOSED).count() == 1


# --- Priority flags and the one-click archive of abuse and spam ----------------------------


def test_priority_flags_come_first_in_the_alert_tone(client, people, citizen):
    submitted(citizen, title="Jembatan desa ambruk, pungli di kantor", anonymous=True)
    submitted(citizen, title="Saya sakit hati dengan pelayanan kantor")
    sign_in(client, people["national_admin"])
    html = client.get(QUEUE).content.decode()
    rows = {
        re.search(r'href="/staf/laporan/[0-9A-Z]{10}/">([^<]+)<', row).group(1): row
        for row in re.findall(r'<tr class="queue-row.*?</tr>', html, flags=re.S)
    }
    flagged = rows["Jembatan desa ambruk, pungli di kantor"]
    assert re.findall(r'<li class="badge flag-([a-z_]+)', flagged) == [
        "danger",
        "extortion",
        "anonymous",
    ]
    assert 'flag-danger badge-alert">Danger to life or health<' in flagged
    assert 'flag-extortion badge-alert">Extortion, bribery or corruption<' in flagged
    assert "Archive as spam" not in flagged  # only abuse and spam are archived in one click
    plain = rows["Saya sakit hati dengan pelayanan kantor"]
    assert "badge-alert" not in plain
    assert "Archive as spam" not in plain


def test_archive_as_spam_in_one_click_from_the_queue(client, people, citizen, agency):
    spam = submitted(citizen, title="Dasar pegawai goblok semua")
    keep = submitted(citizen, title="Lampu jalan mati di gang")
    sign_in(client, people["national_admin"])
    queue = client.get(QUEUE, {"q": "goblok"})
    page = text(queue)
    assert "Abusive language" in page
    assert "Archive as spam" in page
    (form,) = one_click_forms(queue)
    assert form["action"] == url(spam)
    assert form["data"]["action"] == "archive"
    response = client.post(form["action"], form["data"])

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?q=goblok"  # back on the queue as it was
    spam.refresh_from_db()
    assert spam.status == Status.ARCHIVED
    event = spam.events.get(action=EventAction.ARCHIVED)
    assert event.actor == people["national_admin"]
    assert event.note == "Diarsipkan: teks kasar atau spam."
    keep.refresh_from_db()
    assert keep.status == Status.SUBMITTED
    assert spam.tracking_id not in client.get(QUEUE).content.decode()

    # Listed in another status (the queue's status filter), it can no longer be archived.
    disposed_spam = disposed(
        citizen, admin=people["national_admin"], agency=agency, title="Bangsat semua pegawainya"
    )
    listed = client.get(QUEUE, {"status": "dispositioned"})
    assert disposed_spam.tracking_id in listed.content.decode()
    assert "Abusive language" in text(listed)
    assert one_click_forms(listed) == []

    # Oversight reads the flag but has no button.
    ReportFactory(status=Status.SUBMITTED, title="tes", body="tes tes tes tes tes tes tes tes")
    sign_in(client, people["oversight"])
    oversight_queue = client.get(QUEUE)
    assert "Spam?" in text(oversight_queue)
    assert one_click_forms(oversight_queue) == []


# --- After an action: the next report of the queue -----------------------------------------


def test_after_an_action_the_desk_lands_on_the_next_report_in_queue_order(
    client, people, citizen, frozen
):
    admin = people["national_admin"]
    oldest = submitted(citizen, title="Laporan paling lama")
    frozen.shift(dt.timedelta(hours=1))
    middle = submitted(citizen, title="Laporan di tengah")
    frozen.shift(dt.timedelta(hours=1))
    newest = submitted(citizen, title="Laporan paling baru")
    sign_in(client, admin)
    assert re.findall(r"/staf/laporan/([0-9A-Z]{10})/\">", client.get(QUEUE).content.decode()) == [
        oldest.tracking_id,
        middle.tracking_id,
        newest.tracking_id,
    ]
    # Held from the middle: the next one is the one after it, not the head of the queue.
    response = client.post(url(middle), {"action": "hold", "question": "Di mana lokasinya?"})
    assert response["Location"] == url(newest)
    # Archived at the end: back round to the head.
    response = client.post(url(newest), {"action": "archive", "reason": "Laporan ganda."})
    assert response["Location"] == url(oldest)
    # An action that leaves the report in the queue stays on it.
    response = client.post(url(oldest), {"action": "comment", "body": "Catatan internal desk."})
    assert response["Location"] == url(oldest)
    # The last one: the queue, with a message.
    response = client.post(url(oldest), {"action": "archive", "reason": "Bukan pengaduan."})
    assert response["Location"] == QUEUE
    page = text(client.get(QUEUE))
    assert "The verification queue is empty." in page
    assert "No reports match." in page


def test_the_report_page_links_to_the_next_report_of_the_queue(client, people, citizen):
    first = submitted(citizen, title="Yang pertama di antrean")
    second = submitted(citizen, title="Yang kedua di antrean")
    sign_in(client, people["national_admin"])
    html = client.get(url(first)).content.decode()
    assert f'<a href="{url(second)}" rel="next" class="next-in-queue">Next in the queue</a>' in html
    assert f'href="{url(first)}" rel="next"' in client.get(url(second)).content.decode()
    wf.report_archive(report=second, actor=people["national_admin"], reason="Laporan ganda.")
    assert 'rel="next"' not in client.get(url(first)).content.decode()  # alone in the queue


def test_agency_staff_stay_on_the_report(client, people, citizen, agency):
    report = disposed(citizen, admin=people["national_admin"], agency=agency)
    submitted(citizen, title="Masih ada di antrean")
    sign_in(client, people["agency_admin"])
    response = client.post(url(report), {"action": "accept"})
    assert response["Location"] == url(report)


def test_return_to_the_queue_only_re_encodes_the_query(client, people, citizen, agency):
    report = submitted(citizen, title="Laporan untuk dialihkan", agency_id=agency.pk)
    sign_in(client, people["national_admin"])
    (form,) = one_click_forms(client.get(QUEUE))
    data = {**form["data"], "queue_query": "https://evil.example/?q=x&status=returned"}
    response = client.post(url(report), data)
    assert response["Location"].startswith(f"{QUEUE}?")
    assert "evil.example" not in response["Location"].split("?")[0]


# --- One action panel, one privacy block ---------------------------------------------------


def panel_items(response) -> list[tuple[str, bool]]:
    """(form name, open?) for each item of the action panel, in order."""
    html = response.content.decode()
    panel = html[html.index('<ul class="action-list">') :]
    items = re.findall(
        r'<details class="action-item[^"]*"( open)?>\s*<summary><h3 id="([a-z_]+)-title"', panel
    )
    return [(name, bool(is_open)) for is_open, name in items]


@pytest.fixture
def reports_in_every_status(people, citizen, agency):
    admin, agency_admin = people["national_admin"], people["agency_admin"]
    kwargs = {"admin": admin, "agency": agency}
    held = wf.report_hold(
        report=submitted(citizen), actor=admin, question="Mohon lengkapi alamatnya."
    )
    returned = wf.report_return(
        report=disposed(citizen, **kwargs), actor=agency_admin, reason="Bukan kewenangan kami."
    )
    return {
        "submitted": submitted(citizen, agency_id=agency.pk),
        "on_hold": held,
        "returned": returned,
        "dispositioned": disposed(citizen, **kwargs),
        "in_progress": in_progress(citizen, agency_admin=agency_admin, **kwargs),
        "responded": responded(citizen, agency_admin=agency_admin, **kwargs),
    }


@pytest.mark.parametrize("who", ["national_admin", "agency_admin", "oversight"])
def test_the_page_offers_exactly_the_actions_the_workflow_permits(
    client, people, reports_in_every_status, who
):
    user = people[who]
    sign_in(client, user)
    for status, report in reports_in_every_status.items():
        response = client.get(url(report))
        if response.status_code == 404:
            assert who == "agency_admin"
            assert status in {"submitted", "on_hold", "returned"}
            continue
        permitted = [a.value for a in actions_available(user=user, report=report)]
        permitted = [a for a in permitted if a in {s.value for s in STAFF_ACTIONS}]
        offered = action_forms(response)
        assert set(offered) == set(permitted), (status, offered, permitted)
        # Each once, but for the one-click disposition beside the full form.
        assert len(offered) == len(permitted) + (status == "submitted" and "dispose" in offered)
        items = panel_items(response) if permitted else []
        assert [name for name, _ in items] == [a for a in permitted if a != "set_flags"]
        # One item open at most: the step that moves the report on.
        assert sum(is_open for _, is_open in items) <= 1


def test_the_most_likely_action_is_open(client, people, reports_in_every_status):
    sign_in(client, people["national_admin"])
    items = panel_items(client.get(url(reports_in_every_status["submitted"])))
    assert items[0] == ("dispose", True)
    assert all(not is_open for _, is_open in items[1:])
    sign_in(client, people["agency_admin"])
    items = dict(panel_items(client.get(url(reports_in_every_status["in_progress"]))))
    assert items["respond"] is True
    assert sum(items.values()) == 1


def test_a_refused_form_comes_back_open(client, people, reports_in_every_status):
    report = reports_in_every_status["submitted"]
    sign_in(client, people["national_admin"])
    response = client.post(url(report), {"action": "hold", "question": ""})
    assert response.status_code == 422
    items = dict(panel_items(response))
    assert items["hold"] is True
    assert items["dispose"] is False


@pytest.mark.parametrize("who", ["national_admin", "agency_admin", "oversight"])
def test_the_privacy_block_appears_once(client, people, reports_in_every_status, who):
    sign_in(client, people[who])
    for status in ("submitted", "dispositioned", "in_progress"):
        response = client.get(url(reports_in_every_status[status]))
        if response.status_code == 404:
            continue
        html = response.content.decode()
        assert html.count('id="privacy"') == 1
        assert text(response).count("Reporter's identity:") == 1
        # The switches exist once, and only for who may change them (the national admin).
        radios = len(re.findall(r'type="radio" name="anonymous"', html))
        assert radios == (2 if who == "national_admin" else 0)


# --- Triage's suggestions in the row -------------------------------------------------------


def test_the_first_suggestion_stands_out_and_a_guess_under_five_percent_is_not_offered(
    client, people, citizen, agency
):
    from aduan.triage.models import Assessment

    likely, unlikely = AgencyFactory(name="Dinas Bina Marga"), AgencyFactory(name="Dinas Lain")
    report = submitted(citizen, title="Aspal jalan mengelupas", agency_id=agency.pk)
    Assessment.objects.create(
        report=report, model_version="v1", agencies=[[likely.pk, 0.7], [unlikely.pk, 0.03]]
    )
    sign_in(client, people["national_admin"])
    queue = client.get(QUEUE)
    forms = one_click_forms(queue)
    # The model's guess, then the reporter's choice; the 3% guess is left out.
    assert [f["data"]["agency_id"] for f in forms] == [str(likely.pk), str(agency.pk)]
    assert "Dinas Lain" not in text(queue)
    buttons = re.findall(
        r'<button type="submit"( class="secondary")?>Send to', queue.content.decode()
    )
    assert buttons == ["", ' class="secondary"']


def test_one_click_gives_a_report_without_a_topic_the_suggested_one(
    client, people, citizen, agency
):
    from aduan.categories.tests.factories import CategoryFactory
    from aduan.triage.models import Assessment

    topic = CategoryFactory(name_en="Roads")
    report = submitted(citizen, title="Aspal jalan mengelupas")
    Assessment.objects.create(
        report=report, model_version="v1", agencies=[[agency.pk, 0.9]], category=topic
    )
    sign_in(client, people["national_admin"])
    queue = client.get(QUEUE)
    assert "Category: Roads" in text(queue)
    (form,) = one_click_forms(queue)
    assert form["data"]["category_id"] == str(topic.pk)
    client.post(form["action"], form["data"])
    report.refresh_from_db()
    assert (report.agency, report.category) == (agency, topic)
    # The full form proposes it too.
    other = submitted(citizen, title="Aspal jalan mengelupas lagi")
    Assessment.objects.create(report=other, model_version="v1", category=topic)
    page = client.get(url(other)).content.decode()
    assert re.search(rf'<option value="{topic.pk}" selected>', page)


def test_the_report_page_shows_the_rows_priority_flags_and_likely_original(client, people, citizen):
    from aduan.triage import duplicates
    from aduan.triage.models import Assessment
    from aduan.triage.tests.samples import ORIGINAL, REPOST

    original, repost = (
        wf.report_submit(
            reporter=citizen, channel="web", classification="complaint", title=t, body=b
        )
        for t, b in (ORIGINAL, REPOST)
    )
    duplicates.fingerprints_write([original, repost])
    Assessment.objects.create(report=repost, priority=["danger", "abuse"], flagged=True)
    sign_in(client, people["national_admin"])
    page = client.get(url(repost))
    shown = text(page)
    assert "Danger to life or health" in shown
    assert "Abusive language" in shown
    assert f"Likely duplicate of {original.tracking_id}" in shown
    assert f"Merge into {original.tracking_id}" in shown
    assert "Archive as spam" in shown
    # Oversight reads the page without them (no action, no triage).
    sign_in(client, people["oversight"])
    assert "Archive as spam" not in text(client.get(url(repost)))
