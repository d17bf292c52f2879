"""The reporter's actions on the tracking page: comment, answer, accept, rate, reopen."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse

from aduan.notifications.models import Notification
from aduan.reports.models import EventAction, Rating, ReportEvent, Status
from aduan.workflow import services as wf

from .staff_helpers import WIB, action_forms, closed, disposed, responded, sign_in, submitted, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def url(report) -> str:
    return reverse("web:track_detail", args=[report.tracking_id])


def post(client, report, action: str, **data):
    return client.post(url(report), {"action": action, **data})


@pytest.fixture
def handled(people, citizen, agency):
    def make(kind, **extra):
        kwargs = {
            "admin": people["national_admin"],
            "agency": agency,
            "agency_admin": people["agency_admin"],
            **extra,
        }
        return {"responded": responded, "closed": closed}[kind](citizen, **kwargs)

    return make


def assert_refused(response, report, status: str, code: int = 409) -> None:
    assert response.status_code == code
    events = ReportEvent.objects.filter(report=report).count()
    report.refresh_from_db()
    assert report.status == status
    assert report.events.count() == events


def steps(response) -> list[str]:
    """The choices the next-step form offers (``web.next_step``)."""
    return re.findall(r'name="step" value="([a-z_]+)"', response.content.decode())


@pytest.mark.parametrize(
    ("kind", "offered"),
    [
        ("submitted", ["comment"]),
        ("responded", ["accept", "send_back", "comment"]),
        ("closed", ["rate", "send_back"]),
    ],
)
def test_the_reporter_gets_one_form_with_the_steps_of_the_status(
    client, citizen, handled, kind, offered
):
    report = submitted(citizen) if kind == "submitted" else handled(kind)
    sign_in(client, citizen)
    page = client.get(url(report))
    assert action_forms(page) == ["next_step"]
    assert steps(page) == offered


def test_nobody_else_gets_reporter_forms(client, people, citizen, other_citizen, handled):
    report = handled("responded")
    for who in (other_citizen, people["agency_admin"], people["national_admin"], None):
        client.logout()
        sign_in(client, who)
        response = client.get(url(report))
        assert response.status_code == 200
        assert action_forms(response) == []


def test_comment(client, citizen, people, agency):
    report = disposed(citizen, admin=people["national_admin"], agency=agency)
    sign_in(client, citizen)
    response = post(client, report, "comment", body="Sudah dua minggu tidak ada kabar.")
    assert response.status_code == 302
    assert response["Location"] == url(report)
    event = report.events.get(action=EventAction.COMMENTED)
    assert event.is_public
    assert Notification.objects.filter(
        recipient=people["agency_admin"], kind="comment_posted"
    ).exists()
    # A reporter cannot slip an internal note in.
    response = post(client, report, "comment", body="Diam-diam saja.", internal="on")
    assert response.status_code == 302
    assert not report.events.filter(action=EventAction.NOTE).exists()


def test_comment_refused_on_a_closed_report(client, citizen, handled):
    report = handled("closed")
    sign_in(client, citizen)
    response = post(client, report, "comment", body="Masih ada yang kurang.")
    assert_refused(response, report, Status.CLOSED)
    assert "“Comment” is not possible while the report is “Closed”." in text(response)


def test_answer_a_response(client, citizen, handled):
    report = handled("responded")
    sign_in(client, citizen)
    response = post(client, report, "answer", body="Masih ada satu lubang lagi di ujung jalan.")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    response = post(client, report, "answer", body="Dan satu lagi di tikungan.")
    assert_refused(response, report, Status.IN_PROGRESS)


def test_answer_a_question_of_the_national_admin(client, citizen, people):
    report = submitted(citizen)
    wf.report_hold(report=report, actor=people["national_admin"], question="Di RT berapa tepatnya?")
    sign_in(client, citizen)
    page = client.get(url(report))
    assert steps(page) == ["answer", "comment"]
    assert "Your report then goes back to verification." in text(page)
    response = post(client, report, "answer", body="RT 03 RW 05, dekat masjid.")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_accept_and_close(client, citizen, handled, people):
    report = handled("responded")
    sign_in(client, citizen)
    response = post(client, report, "close")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert Notification.objects.filter(
        recipient=people["agency_admin"], kind="status_changed"
    ).exists()
    response = post(client, report, "close")
    assert_refused(response, report, Status.CLOSED)
    assert "is not possible while the report is “Closed”." in text(response)


def test_rate_once(client, citizen, handled):
    report = handled("closed")
    sign_in(client, citizen)
    response = post(client, report, "rate", score="9", comment="")
    assert response.status_code == 422
    assert not Rating.objects.exists()
    response = post(client, report, "rate", score="4", comment="Cukup cepat.")
    assert response.status_code == 302
    rating = Rating.objects.get(report=report)
    assert (rating.score, rating.comment) == (4, "Cukup cepat.")
    assert "rate" not in action_forms(client.get(url(report)))
    response = post(client, report, "rate", score="5", comment="")
    assert response.status_code == 409
    assert "This report has already been rated." in text(response)
    assert Rating.objects.get(report=report).score == 4


def test_rate_refused_before_a_response(client, citizen, people, agency):
    report = disposed(citizen, admin=people["national_admin"], agency=agency)
    sign_in(client, citizen)
    response = post(client, report, "rate", score="5")
    assert_refused(response, report, Status.DISPOSITIONED)
    assert not Rating.objects.exists()


def test_reopen_within_the_window_once(client, citizen, handled, people):
    report = handled("closed")
    sign_in(client, citizen)
    page = text(client.get(url(report)))
    # Closed Tue 1 Dec; 10 working days later is Tue 15 Dec, 23:59 WIB.
    assert "you may reopen the report once, until 15 December 2026" in page
    response = post(client, report, "reopen", reason="Lubangnya muncul lagi setelah hujan.")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert report.reopen_count == 1
    wf.report_respond(
        report=report, actor=people["agency_admin"], body="Sudah kami tambal ulang dengan aspal."
    )
    wf.report_close(report=report, actor=citizen)
    assert "reopen" not in action_forms(client.get(url(report)))
    response = post(client, report, "reopen", reason="Lubangnya muncul lagi setelah hujan.")
    assert response.status_code == 409
    assert "A report can be reopened only once." in text(response)
    report.refresh_from_db()
    assert report.status == Status.CLOSED


def test_reopen_after_the_window(client, citizen, handled, frozen):
    report = handled("closed")
    frozen.move_to(dt.datetime(2026, 12, 16, 9, 0, tzinfo=WIB))
    sign_in(client, citizen)
    assert "reopen" not in action_forms(client.get(url(report)))
    response = post(client, report, "reopen", reason="Lubangnya muncul lagi setelah hujan.")
    assert response.status_code == 409
    assert "The time to reopen this report has passed." in text(response)
    report.refresh_from_db()
    assert report.status == Status.CLOSED


def test_reopen_needs_a_reason(client, citizen, handled):
    report = handled("closed")
    sign_in(client, citizen)
    response = post(client, report, "reopen", reason="")
    assert response.status_code == 422
    report.refresh_from_db()
    assert report.status == Status.CLOSED


def test_others_may_not_act_for_the_reporter(client, people, citizen, other_citizen, handled):
    report = handled("responded")
    sign_in(client, other_citizen)
    assert post(client, report, "close").status_code == 403
    client.logout()
    sign_in(client, people["agency_admin"])
    # Staff act on the staff page; the tracking page takes the reporter's actions only.
    assert post(client, report, "comment", body="Dari halaman publik.").status_code == 403
    client.logout()
    response = post(client, report, "close")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    report.refresh_from_db()
    assert report.status == Status.RESPONDED
    assert not report.events.filter(action=EventAction.COMMENTED).exists()


def test_staff_actions_are_not_taken_here(client, citizen):
    report = submitted(citizen)
    sign_in(client, citizen)
    response = post(client, report, "archive", reason="Saya ingin menghapusnya saja.")
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_a_confidential_report_stays_404_for_a_post(client, citizen, other_citizen):
    report = submitted(citizen, confidential=True)
    sign_in(client, other_citizen)
    assert post(client, report, "comment", body="Mengintip laporan.").status_code == 404


def test_the_current_deadline_on_the_tracking_page(client, citizen, people, agency, frozen):
    report = submitted(citizen)
    sign_in(client, citizen)  # unverified: the reporter's own page
    page = text(client.get(url(report)))
    assert "Current deadline Verification: 4 December 2026, 23:59 WIB · 3 working days left" in page
    frozen.move_to(dt.datetime(2026, 12, 8, 9, 0, tzinfo=WIB))
    response = client.get(url(report))
    assert "overdue by 2 working days" in text(response)
    assert "badge-overdue" in response.content.decode()
    wf.report_dispose(report=report, actor=people["national_admin"], agency_id=agency.pk)
    page = text(client.get(url(report)))
    # Disposed on Tue 8 Dec: 5 working days to respond.
    assert "First response: 15 December 2026, 23:59 WIB · 5 working days left" in page


# --- The next-step form (``web.next_step``) ------------------------------------------------


def next_step(client, report, **data):
    return client.post(url(report), {"action": "next_step", **data})


def test_the_next_step_form_offers_five_labelled_stars(client, citizen, handled):
    report = handled("responded")
    sign_in(client, citizen)
    html = client.get(url(report)).content.decode()
    assert '<fieldset class="field stars-field"' in html
    assert "<legend>Your rating" in html
    stars = re.findall(r'<input class="star-input" type="radio" name="score" value="(\d)"', html)
    assert stars == ["1", "2", "3", "4", "5"]
    for label in ("Very poor", "Poor", "Fair", "Good", "Very good"):
        assert f"</span>{label}</span></label>" in html
    assert 'for="id_next_score_5"' in html


def test_accept_and_rate_in_one_step(client, citizen, handled, people):
    report = handled("responded")
    sign_in(client, citizen)
    response = next_step(client, report, step="accept", score="4", message="Cukup cepat.")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    rating = Rating.objects.get(report=report)
    assert (rating.score, rating.comment) == (4, "Cukup cepat.")
    assert list(report.events.values_list("action", flat=True).order_by("id"))[-2:] == [
        EventAction.CLOSED,
        EventAction.RATED,
    ]
    page = client.get(url(report))
    assert "Done: Accept the answer and rate it." in text(page)
    assert steps(page) == ["send_back"]  # rated once


def test_accept_needs_a_rating_and_saves_nothing_without_one(client, citizen, handled):
    report = handled("responded")
    sign_in(client, citizen)
    for score in ("", "0", "6", "lima"):
        response = next_step(client, report, step="accept", score=score)
        assert response.status_code == 422
        assert "Choose from one to five stars." in text(response)
    report.refresh_from_db()
    assert report.status == Status.RESPONDED
    assert not Rating.objects.exists()


def test_a_rating_the_service_refuses_leaves_the_report_open(client, citizen, handled):
    # The form takes a message as long as a note; a rating's comment is shorter: the
    # close is rolled back with the refused rating, nothing half-saved.
    report = handled("responded")
    events = report.events.count()
    sign_in(client, citizen)
    response = next_step(client, report, step="accept", score="5", message="baik " * 300)
    assert response.status_code == 422
    assert "Write at most 1000 characters." in text(response)
    report.refresh_from_db()
    assert report.status == Status.RESPONDED
    assert report.closed_at is None
    assert report.events.count() == events
    assert not Rating.objects.exists()


def test_send_back_a_response_that_does_not_answer(client, citizen, handled, people):
    report = handled("responded")
    sign_in(client, citizen)
    response = next_step(client, report, step="send_back", message="")
    assert response.status_code == 422
    assert "Write what is still missing or why the problem is not solved." in text(response)
    response = next_step(
        client, report, step="send_back", score="5", message="Lubang di ujung jalan belum ditambal."
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert report.events.filter(action=EventAction.ANSWERED).count() == 1
    assert not Rating.objects.exists()  # the stars are only read by "accept" and "rate"


def test_send_back_a_closed_report_reopens_it(client, citizen, handled):
    report = handled("closed")
    sign_in(client, citizen)
    response = next_step(client, report, step="send_back", message="Lubangnya muncul lagi.")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert report.reopen_count == 1


def test_rate_a_closed_report(client, citizen, handled):
    report = handled("closed")
    sign_in(client, citizen)
    assert next_step(client, report, step="rate", score="2").status_code == 302
    assert Rating.objects.get(report=report).score == 2


def test_comment_as_a_next_step(client, citizen, people, agency):
    report = disposed(citizen, admin=people["national_admin"], agency=agency)
    sign_in(client, citizen)
    response = next_step(client, report, step="comment", message=" ")
    assert response.status_code == 422
    assert "Write your comment." in text(response)
    response = next_step(client, report, step="comment", message="Sudah dua minggu.")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.DISPOSITIONED
    assert report.events.get(action=EventAction.COMMENTED).note == "Sudah dua minggu."


def test_a_step_the_status_does_not_allow_is_refused_in_indonesian(client, citizen, handled):
    report = handled("closed")
    sign_in(client, citizen)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    for step in ("accept", "comment", "answer", "hapus"):
        response = next_step(client, report, step=step, score="5", message="Belum selesai.")
        assert response.status_code == 422
        assert "Langkah ini tidak mungkin untuk laporan ini sekarang." in text(response)
    response = next_step(client, report, message="Belum selesai.")
    assert response.status_code == 422
    assert "Pilih apa yang ingin Anda lakukan." in text(response)
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert not Rating.objects.exists()


def test_a_step_taken_meanwhile_is_refused_with_the_services_message(
    client, citizen, handled, monkeypatch
):
    # The page offered "accept"; the report was closed by the sweep before it was sent.
    report = handled("responded")
    sign_in(client, citizen)
    from aduan.web import next_step as module

    offered = module.step_choices

    def stale(*, report, user):
        return [c for c in offered(report=report, user=user) if c.value != "send_back"] + [
            module.StepChoice("accept", "Accept", "", needs_message=False, needs_score=True)
        ]

    wf.report_close(report=report, actor=citizen)
    monkeypatch.setattr(module, "step_choices", stale)
    response = next_step(client, report, step="accept", score="3")
    assert response.status_code == 409
    assert "is not possible while the report is “Closed”." in text(response)
    assert not Rating.objects.exists()


def test_only_the_reporter_takes_a_next_step(client, citizen, other_citizen, people, handled):
    report = handled("responded")
    for who, code in ((other_citizen, 403), (people["agency_admin"], 403)):
        client.logout()
        sign_in(client, who)
        assert next_step(client, report, step="accept", score="5").status_code == code
    client.logout()
    response = next_step(client, report, step="accept", score="5")
    assert response["Location"].startswith(reverse("account_login"))
    report.refresh_from_db()
    assert report.status == Status.RESPONDED
    assert not Rating.objects.exists()
