"""What each action does besides moving the status: fields, deadlines, events, files,
notifications, and the checks on its input. (Which moves are allowed, by whom, is
test_transitions'.)"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from aduan.accounts.tests.factories import AgencyAdminFactory, UnitOfficerFactory, UserFactory
from aduan.agencies.tests.factories import NationalAdminAgencyFactory, OversightAgencyFactory
from aduan.categories.tests.factories import CategoryFactory
from aduan.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from aduan.notifications.models import Notification
from aduan.reports.attachments import prepare_upload
from aduan.reports.audit import chain_verify
from aduan.reports.models import Attachment, Rating, Report, ReportFollower, Status
from aduan.reports.selectors import event_list_for_user
from aduan.reports.tests.factories import ReportFactory, pdf_bytes
from aduan.sla.models import Deadline, DeadlineKind, DeadlineState
from aduan.workflow import listeners
from aduan.workflow import services as wf
from aduan.workflow.actions import action_take
from aduan.workflow.services import _common

from .test_transitions import (
    AGENCY_ADMIN,
    NATIONAL_ADMIN,
    OTHER_ADMIN,
    OTHER_CITIZEN,
    PARENT_ADMIN,
    REPORTER,
    START,
    UNIT_OFFICER,
    WIB,
    report_in,
    world_build,
)

pytestmark = pytest.mark.django_db

S = Status
OPEN, MET, CANCELLED = DeadlineState.OPEN, DeadlineState.MET, DeadlineState.CANCELLED
PDF = pdf_bytes()


def end_of(day: int) -> dt.datetime:
    """23:59:59 WIB on ``day`` December 2026 (deadlines end there)."""
    return dt.datetime(2026, 12, day, 23, 59, 59, tzinfo=WIB)


def at(day: int, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(dt.datetime(2026, 12, day, hour, 0, tzinfo=WIB), tick=False)


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False):  # Tuesday 1 December 2026, 10:00 WIB
        yield


@pytest.fixture
def w(frozen):
    return world_build()


def deadlines(report: Report) -> dict[tuple[str, str], list[dt.datetime]]:
    """{(kind, state): [due_at, …]} of the report's deadlines."""
    found: dict[tuple[str, str], list[dt.datetime]] = {}
    for kind, state, due in Deadline.objects.filter(report=report).values_list(
        "kind", "state", "due_at"
    ):
        found.setdefault((kind, state), []).append(due)
    return found


def open_deadline(report: Report, kind: str) -> Deadline:
    return Deadline.objects.get(report=report, kind=kind, state=OPEN)


def last_event(report: Report):
    return report.events.order_by("-seq").first()


def notified(user, kind: str | None = None) -> bool:
    found = Notification.objects.filter(recipient=user)
    return (found.filter(kind=kind) if kind else found).exists()


# --- The national admin's desk ---------------------------------------------------------


def test_dispose_sends_to_the_agency_and_starts_its_clocks(w):
    report = report_in(w, S.RETURNED, suggested_agency=w.unit)
    admin = w.users[NATIONAL_ADMIN]
    report = wf.report_dispose(report=report, actor=admin, agency_id=w.unit.pk, note="Segera.")
    report.refresh_from_db()
    assert (report.status, report.agency, report.disposed_agency) == (
        S.DISPOSITIONED,
        w.unit,
        w.unit,
    )
    assert report.suggested_agency is None
    found = deadlines(report)
    assert found[(DeadlineKind.VERIFICATION, MET)]
    # Tuesday 1 December + 5 working days; completion: 60 calendar days (Sat 30 Jan 2027
    # moves to Monday 1 February).
    assert found[(DeadlineKind.RESPONSE, OPEN)] == [end_of(8)]
    assert found[(DeadlineKind.COMPLETION, OPEN)] == [
        dt.datetime(2027, 2, 1, 23, 59, 59, tzinfo=WIB)
    ]
    assert report.due_at == end_of(8)
    event = last_event(report)
    assert (event.action, event.actor_role, event.actor_agency) == (
        "dispose",
        "national_admin",
        admin.agency,
    )
    assert (event.note, event.target_agency) == ("Segera.", w.unit)


def test_dispose_corrects_title_and_category_and_sets_the_flags_with_notes(w):
    report = report_in(w, S.SUBMITTED)
    category = CategoryFactory()
    report = wf.report_dispose(
        report=report,
        actor=w.users[NATIONAL_ADMIN],
        agency_id=w.agency.pk,
        title="  Jalan   rusak di  Desa Sukamaju ",
        category_id=category.pk,
        anonymous=True,
        confidential=True,
    )
    report.refresh_from_db()
    assert report.title == "Jalan rusak di Desa Sukamaju"
    assert report.category == category
    assert report.anonymous
    assert report.confidential
    note = last_event(report).note
    assert "Reporter's identity hidden." in note
    assert "Report made confidential." in note


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "Pendek"}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"category_id": 999_999}, "category_id"),
        ({"agency_id": 999_999}, "agency_id"),
        ({"agency_id": "bukan"}, "agency_id"),
    ],
)
def test_dispose_refuses_bad_input_and_changes_nothing(w, changes, field):
    report = report_in(w, S.SUBMITTED)
    kwargs = {"agency_id": w.agency.pk, **changes}
    with pytest.raises(ValidationFailed) as excinfo:
        wf.report_dispose(report=report, actor=w.users[NATIONAL_ADMIN], **kwargs)
    assert field in excinfo.value.field_errors
    report.refresh_from_db()
    assert (report.status, report.agency, report.event_count) == (S.SUBMITTED, None, 1)


@pytest.mark.parametrize("factory", [NationalAdminAgencyFactory, OversightAgencyFactory])
def test_dispose_only_to_an_agency_that_receives_reports(w, factory):
    report = report_in(w, S.SUBMITTED)
    with pytest.raises(ValidationFailed) as excinfo:
        wf.report_dispose(report=report, actor=w.users[NATIONAL_ADMIN], agency_id=factory().pk)
    assert "agency_id" in excinfo.value.field_errors


def test_dispose_to_an_inactive_agency_is_refused(w):
    w.elsewhere.is_active = False
    w.elsewhere.save()
    with pytest.raises(ValidationFailed):
        wf.report_dispose(
            report=report_in(w, S.SUBMITTED),
            actor=w.users[NATIONAL_ADMIN],
            agency_id=w.elsewhere.pk,
        )


def test_set_flags_writes_a_private_event_and_nothing_when_nothing_changes(w):
    report = report_in(w, S.IN_PROGRESS)
    admin = w.users[NATIONAL_ADMIN]
    wf.report_set_flags(report=report, actor=admin, confidential=True, anonymous=False)
    report.refresh_from_db()
    assert report.confidential
    event = last_event(report)
    assert (event.action, event.is_public, event.note) == (
        "set_flags",
        False,
        "Report made confidential.",
    )
    assert event not in event_list_for_user(user=w.users[REPORTER], report=report)
    assert event in event_list_for_user(user=w.users[AGENCY_ADMIN], report=report)
    count = report.event_count
    wf.report_set_flags(report=report, actor=admin, confidential=True)
    report.refresh_from_db()
    assert report.event_count == count


def test_hold_needs_a_real_question(w):
    report = report_in(w, S.SUBMITTED)
    for question in ("Lokasi?", " \x00 " * 10, ""):
        with pytest.raises(ValidationFailed) as excinfo:
            wf.report_hold(report=report, actor=w.users[NATIONAL_ADMIN], question=question)
        assert "question" in excinfo.value.field_errors


def test_hold_stops_verification_and_the_answer_restarts_it(w):
    report = report_in(w, S.SUBMITTED)
    report = wf.report_hold(
        report=report, actor=w.users[NATIONAL_ADMIN], question="Di RT berapa lokasinya?"
    )
    assert report.status == S.ON_HOLD
    assert (DeadlineKind.VERIFICATION, OPEN) not in deadlines(report)
    assert notified(w.users[REPORTER], "status_changed")
    with at(7):  # the reporter answers the next Monday
        report = wf.report_answer(report=report, actor=w.users[REPORTER], body="RT 03 RW 05.")
    assert report.status == S.SUBMITTED
    # A fresh three working days from Monday 7 December, not from the submission.
    assert open_deadline(report, DeadlineKind.VERIFICATION).due_at == end_of(10)
    assert deadlines(report)[(DeadlineKind.VERIFICATION, CANCELLED)]


def test_archive_closes_every_clock(w):
    report = report_in(w, S.SUBMITTED)
    with pytest.raises(ValidationFailed):
        wf.report_archive(report=report, actor=w.users[NATIONAL_ADMIN], reason="Spam")
    report = wf.report_archive(
        report=report, actor=w.users[NATIONAL_ADMIN], reason="Bukan pengaduan pelayanan publik."
    )
    assert report.status == S.ARCHIVED
    assert report.closed_at == START
    assert not Deadline.objects.filter(report=report, state=OPEN).exists()
    assert notified(w.users[REPORTER], "status_changed")


# --- Merge ------------------------------------------------------------------------------


def test_merge_archives_the_duplicate_and_its_people_follow_the_survivor(w):
    duplicate = report_in(w, S.DISPOSITIONED)
    follower, survivor_reporter = UserFactory(), w.users[OTHER_CITIZEN]
    ReportFollower.objects.create(report=duplicate, user=follower)
    ReportFollower.objects.create(report=duplicate, user=survivor_reporter)
    survivor = ReportFactory(reporter=survivor_reporter, status=S.IN_PROGRESS, agency=w.agency)
    merged = wf.report_merge(
        report=duplicate,
        actor=w.users[NATIONAL_ADMIN],
        into=survivor.tracking_id.lower(),
        note="Lokasi sama.",
    )
    merged.refresh_from_db()
    survivor.refresh_from_db()
    assert (merged.status, merged.merged_into) == (S.ARCHIVED, survivor)
    assert not Deadline.objects.filter(report=merged, state=OPEN).exists()
    assert set(survivor.followers.values_list("user_id", flat=True)) == {
        w.users[REPORTER].pk,
        follower.pk,
    }
    assert last_event(merged).note == f"Duplicate of {survivor.tracking_id}. Lokasi sama."
    survivor_event = last_event(survivor)
    assert (survivor_event.action, survivor_event.is_public) == ("merged_from", False)
    assert survivor.status == S.IN_PROGRESS
    assert notified(w.users[REPORTER], "report_merged")
    # The archived duplicate is no longer public: its follower hears from the survivor.
    assert not notified(follower, "report_merged")
    assert list(chain_verify()) == []


def test_merge_refuses_itself_an_archived_report_and_an_unknown_id(w):
    report = report_in(w, S.SUBMITTED)
    archived = report_in(w, S.ARCHIVED)
    for into in (report.tracking_id, archived.tracking_id, "ABCDEFGHJK", "bukan-id", ""):
        with pytest.raises(ValidationFailed) as excinfo:
            wf.report_merge(report=report, actor=w.users[NATIONAL_ADMIN], into=into)
        assert "into" in excinfo.value.field_errors, into
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


# --- The agency -------------------------------------------------------------------------


def test_return_clears_the_agency_and_starts_verification_again(w):
    report = report_in(w, S.IN_PROGRESS)
    with pytest.raises(ValidationFailed):
        wf.report_return(report=report, actor=w.users[AGENCY_ADMIN], reason="Bukan")
    with at(2):
        report = wf.report_return(
            report=report, actor=w.users[AGENCY_ADMIN], reason="Kewenangan pemerintah daerah."
        )
    report.refresh_from_db()
    assert (report.status, report.agency, report.disposed_agency) == (
        S.RETURNED,
        None,
        w.agency,
    )
    assert open_deadline(report, DeadlineKind.VERIFICATION).due_at == end_of(7)  # Wed + 3
    found = deadlines(report)
    assert (DeadlineKind.RESPONSE, OPEN) not in found
    assert (DeadlineKind.COMPLETION, OPEN) not in found
    assert notified(w.users[REPORTER], "status_changed")


def test_forward_to_a_unit_keeps_status_and_due_times(w):
    report = report_in(w, S.IN_PROGRESS)
    before = {d.kind: d.due_at for d in Deadline.objects.filter(report=report, state=OPEN)}
    officer, other_admin = w.users[UNIT_OFFICER], w.users[PARENT_ADMIN]
    actor = w.users[AGENCY_ADMIN]
    with at(3):
        report = wf.report_forward(report=report, actor=actor, agency_id=w.unit.pk)
    report.refresh_from_db()
    assert (report.status, report.agency, report.disposed_agency) == (
        S.IN_PROGRESS,
        w.unit,
        w.agency,
    )
    after = Deadline.objects.filter(report=report, state=OPEN)
    assert {d.kind: d.due_at for d in after} == before
    assert {d.agency for d in after} == {w.unit}
    assert last_event(report).action == "forward"
    # The unit's officer and the agency's other admins hear of it; the actor does not.
    assert notified(officer, "disposition_received")
    assert notified(other_admin, "disposition_received")
    assert not notified(actor)
    assert not notified(w.users[REPORTER])


def test_forward_outside_the_agency_goes_back_with_a_suggestion(w):
    report = report_in(w, S.DISPOSITIONED)
    report = wf.report_forward(
        report=report, actor=w.users[AGENCY_ADMIN], agency_id=w.elsewhere.pk, note="Mohon."
    )
    report.refresh_from_db()
    assert (report.status, report.agency, report.suggested_agency) == (
        S.RETURNED,
        None,
        w.elsewhere,
    )
    assert last_event(report).note == f"Suggested agency: {w.elsewhere.name}. Mohon."
    assert open_deadline(report, DeadlineKind.VERIFICATION)


def test_forward_from_a_unit_to_its_parent_is_a_suggestion_too(w):
    # A unit's own admin may pass reports down its subtree, not up to the parent.
    unit_admin = AgencyAdminFactory(agency=w.unit)
    report = report_in(w, S.IN_PROGRESS, at_unit=True)
    report = wf.report_forward(report=report, actor=unit_admin, agency_id=w.agency.pk)
    assert (report.status, report.suggested_agency) == (S.RETURNED, w.agency)


def test_forward_to_the_same_agency_is_refused(w):
    report = report_in(w, S.IN_PROGRESS)
    with pytest.raises(ValidationFailed) as excinfo:
        wf.report_forward(report=report, actor=w.users[AGENCY_ADMIN], agency_id=w.agency.pk)
    assert "agency_id" in excinfo.value.field_errors


def test_extend_once_within_the_maximum(w):
    report = report_in(w, S.IN_PROGRESS)
    admin = w.users[AGENCY_ADMIN]
    for days in (0, 11, -1):
        with pytest.raises(ValidationFailed) as excinfo:
            wf.report_extend(report=report, actor=admin, working_days=days, reason="Butuh waktu.")
        assert "working_days" in excinfo.value.field_errors
    with pytest.raises(ValidationFailed) as excinfo:
        wf.report_extend(report=report, actor=admin, working_days=3, reason="Lama")
    assert "reason" in excinfo.value.field_errors
    report = wf.report_extend(
        report=report, actor=admin, working_days=3, reason="Menunggu anggaran perbaikan."
    )
    assert open_deadline(report, DeadlineKind.RESPONSE).due_at == end_of(11)  # 8 Dec + 3
    assert report.due_at == end_of(11)
    assert last_event(report).note.startswith("3 working days more, until 2026-12-11.")
    with pytest.raises(InvalidTransition):
        wf.report_extend(
            report=report, actor=admin, working_days=2, reason="Masih menunggu anggaran."
        )


def test_respond_needs_a_real_answer(w):
    report = report_in(w, S.IN_PROGRESS)
    with pytest.raises(ValidationFailed) as excinfo:
        wf.report_respond(report=report, actor=w.users[AGENCY_ADMIN], body="Sudah.")
    assert "body" in excinfo.value.field_errors


def test_respond_starts_the_autoclose_clock_and_keeps_its_files_on_the_event(w):
    report = report_in(w, S.IN_PROGRESS)
    officer = UnitOfficerFactory(agency=w.agency)
    files = [prepare_upload(name="berita-acara.pdf", chunks=[PDF])]
    report = wf.report_respond(
        report=report,
        actor=officer,
        body="Perbaikan selesai, berita acara terlampir.",
        files=files,
    )
    assert (report.status, report.responded_at) == (S.RESPONDED, START)
    found = deadlines(report)
    assert found[(DeadlineKind.RESPONSE, MET)]
    assert found[(DeadlineKind.AUTOCLOSE, OPEN)] == [end_of(15)]  # 10 working days
    event = last_event(report)
    attachment = Attachment.objects.get(event=event)
    assert (attachment.report, attachment.uploaded_by) == (report, officer)
    assert attachment.file.storage.exists(attachment.file.name)
    assert notified(w.users[REPORTER], "response_posted")
    assert not notified(officer)


def test_respond_removes_its_stored_files_when_the_transaction_fails(w, monkeypatch):
    report = report_in(w, S.IN_PROGRESS)
    stored: list[str] = []
    original_store = _common.attachment_store

    def store(**kwargs):
        attachment = original_store(**kwargs)
        stored.append(attachment.file.name)
        return attachment

    def broken_notify(**kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(_common, "attachment_store", store)
    monkeypatch.setattr(listeners, "tell_reporter", broken_notify)
    files = [prepare_upload(name=f"foto-{n}.pdf", chunks=[PDF]) for n in range(2)]
    with pytest.raises(RuntimeError):
        wf.report_respond(
            report=report,
            actor=w.users[AGENCY_ADMIN],
            body="Sudah kami tindak lanjuti.",
            files=files,
        )
    assert len(stored) == 2
    storage = Attachment._meta.get_field("file").storage
    assert not any(storage.exists(name) for name in stored)
    assert not Attachment.objects.filter(report=report).exists()
    report.refresh_from_db()
    assert report.status == S.IN_PROGRESS


def test_respond_refuses_too_many_files(w, settings):
    settings.ADUAN_ATTACHMENT_MAX_COUNT = 1
    files = [prepare_upload(name=f"foto-{n}.pdf", chunks=[PDF]) for n in range(2)]
    with pytest.raises(ValidationFailed) as excinfo:
        wf.report_respond(
            report=report_in(w, S.IN_PROGRESS),
            actor=w.users[AGENCY_ADMIN],
            body="Sudah kami tindak lanjuti.",
            files=files,
        )
    assert "files" in excinfo.value.field_errors
    assert not Attachment.objects.exists()


# --- Comments -------------------------------------------------------------------------------


def test_internal_notes_are_for_staff_only(w):
    report = report_in(w, S.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        wf.report_comment(report=report, actor=w.users[REPORTER], body="Rahasia", internal=True)
    wf.report_comment(
        report=report, actor=w.users[AGENCY_ADMIN], body="Pelapor pernah melapor.", internal=True
    )
    note = last_event(report)
    assert (note.action, note.is_public) == ("note", False)
    assert note not in event_list_for_user(user=w.users[REPORTER], report=report)
    assert note not in event_list_for_user(user=w.users[OTHER_ADMIN], report=report)
    assert note in event_list_for_user(user=w.users[AGENCY_ADMIN], report=report)
    assert note in event_list_for_user(user=w.users[NATIONAL_ADMIN], report=report)
    assert not Notification.objects.exists()  # nobody is told about an internal note


def test_comments_reach_the_other_side(w):
    report = report_in(w, S.IN_PROGRESS)
    wf.report_comment(report=report, actor=w.users[REPORTER], body="Ada perkembangan?")
    assert notified(w.users[AGENCY_ADMIN], "comment_posted")
    assert not notified(w.users[REPORTER])
    wf.report_comment(report=report, actor=w.users[AGENCY_ADMIN], body="Sedang dikerjakan.")
    assert notified(w.users[REPORTER], "comment_posted")
    event = last_event(report)
    assert (event.action, event.is_public) == ("comment", True)


def test_a_comment_needs_text(w):
    with pytest.raises(ValidationFailed) as excinfo:
        wf.report_comment(report=report_in(w, S.SUBMITTED), actor=w.users[REPORTER], body=" ")
    assert "body" in excinfo.value.field_errors


# --- The reporter -------------------------------------------------------------------------


def test_answer_to_a_response_reopens_the_agency_clock(w):
    report = report_in(w, S.RESPONDED)
    with at(3):
        report = wf.report_answer(
            report=report, actor=w.users[REPORTER], body="Masih ada lubang di ujung jalan."
        )
    assert report.status == S.IN_PROGRESS
    found = deadlines(report)
    assert (DeadlineKind.AUTOCLOSE, OPEN) not in found
    assert found[(DeadlineKind.AUTOCLOSE, CANCELLED)]
    assert found[(DeadlineKind.RESPONSE, OPEN)] == [end_of(10)]  # Thu 3 Dec + 5
    assert notified(w.users[AGENCY_ADMIN], "comment_posted")


def test_close_meets_completion(w):
    report = report_in(w, S.RESPONDED)
    report = wf.report_close(report=report, actor=w.users[REPORTER])
    assert (report.status, report.closed_at) == (S.CLOSED, START)
    found = deadlines(report)
    assert found[(DeadlineKind.COMPLETION, MET)]
    assert found[(DeadlineKind.AUTOCLOSE, MET)]
    assert not Deadline.objects.filter(report=report, state=OPEN).exists()
    assert notified(w.users[AGENCY_ADMIN], "status_changed")
    assert not notified(w.users[REPORTER])


@pytest.mark.parametrize("score", [0, 6, -1, "lima", None])
def test_rate_takes_a_score_from_one_to_five(w, score):
    with pytest.raises(ValidationFailed) as excinfo:
        wf.report_rate(report=report_in(w, S.CLOSED), actor=w.users[REPORTER], score=score)
    assert "score" in excinfo.value.field_errors
    assert not Rating.objects.exists()


def test_rate_once(w):
    report = report_in(w, S.CLOSED, at_unit=True)
    with pytest.raises(ValidationFailed) as excinfo:
        wf.report_rate(report=report, actor=w.users[REPORTER], score=3, comment="x" * 1001)
    assert "comment" in excinfo.value.field_errors
    wf.report_rate(report=report, actor=w.users[REPORTER], score=5, comment="Cepat sekali")
    rating = Rating.objects.get(report=report)
    # Credited to the agency the report was disposed to, not the unit that handled it.
    assert (rating.score, rating.agency, rating.comment) == (5, w.agency, "Cepat sekali")
    assert last_event(report).note == "5/5 Cepat sekali"
    with pytest.raises(InvalidTransition):
        wf.report_rate(report=report, actor=w.users[REPORTER], score=1)


def test_reopen_once_within_the_window(w):
    report = report_in(w, S.CLOSED)  # closed Tuesday 1 December
    assert wf.reopen_deadline_for(report) == end_of(15)  # 10 working days
    with pytest.raises(ValidationFailed):
        wf.report_reopen(report=report, actor=w.users[REPORTER], reason="Rusak")
    with at(15, hour=23):
        report = wf.report_reopen(
            report=report, actor=w.users[REPORTER], reason="Jalan rusak lagi setelah hujan."
        )
    assert (report.status, report.reopen_count, report.closed_at) == (S.IN_PROGRESS, 1, None)
    assert open_deadline(report, DeadlineKind.RESPONSE).due_at == end_of(22)
    assert notified(w.users[AGENCY_ADMIN], "status_changed")
    with at(16):
        report = wf.report_respond(
            report=report, actor=w.users[AGENCY_ADMIN], body="Sudah kami perbaiki sekali lagi."
        )
        report = wf.report_close(report=report, actor=w.users[REPORTER])
        assert wf.reopen_deadline_for(report) is None
        with pytest.raises(InvalidTransition, match="only once"):
            wf.report_reopen(
                report=report, actor=w.users[REPORTER], reason="Rusak lagi untuk ketiga kalinya."
            )


def test_reopen_after_the_window_is_refused(w):
    report = report_in(w, S.CLOSED)
    with at(16, hour=0), pytest.raises(InvalidTransition, match="has passed"):
        wf.report_reopen(
            report=report, actor=w.users[REPORTER], reason="Jalan rusak lagi setelah hujan."
        )
    report.refresh_from_db()
    assert report.status == S.CLOSED


def test_auto_close_waits_for_the_deadline(w):
    report = report_in(w, S.RESPONDED)
    with at(15, hour=23):
        assert wf.report_auto_close(report=report) is None
    with at(16, hour=0):
        closed = wf.report_auto_close(report=report)
    assert closed.status == S.CLOSED
    assert deadlines(closed)[(DeadlineKind.AUTOCLOSE, MET)]
    assert notified(w.users[REPORTER], "status_changed")
    assert notified(w.users[AGENCY_ADMIN], "status_changed")


# --- Notifications --------------------------------------------------------------------


def test_dispose_tells_the_reporter_and_the_agency_staff(w):
    unit_officer_of_parent = UnitOfficerFactory(agency=w.agency)
    wf.report_dispose(
        report=report_in(w, S.SUBMITTED), actor=w.users[NATIONAL_ADMIN], agency_id=w.agency.pk
    )
    assert notified(w.users[REPORTER], "status_changed")
    assert notified(w.users[AGENCY_ADMIN], "disposition_received")
    assert notified(unit_officer_of_parent, "disposition_received")
    for kind in (NATIONAL_ADMIN, OTHER_ADMIN, UNIT_OFFICER, OTHER_CITIZEN):
        assert not notified(w.users[kind]), kind


def test_the_actor_is_never_told_of_their_own_action(w):
    admin = w.users[NATIONAL_ADMIN]
    own = report_in(w, S.SUBMITTED, reporter=admin)
    wf.report_dispose(report=own, actor=admin, agency_id=w.agency.pk)
    assert not notified(admin)
    assert notified(w.users[AGENCY_ADMIN], "disposition_received")


def test_no_notification_survives_a_rolled_back_action(w):
    report = report_in(w, S.SUBMITTED)
    written_inside = []

    def dispose_then_fail():
        with transaction.atomic():
            wf.report_dispose(report=report, actor=w.users[NATIONAL_ADMIN], agency_id=w.agency.pk)
            written_inside.append(Notification.objects.count())
            raise RuntimeError("the caller's transaction fails")

    with pytest.raises(RuntimeError):
        dispose_then_fail()
    assert written_inside[0] > 0
    assert not Notification.objects.exists()
    report.refresh_from_db()
    assert (report.status, report.event_count) == (S.SUBMITTED, 1)


# --- action_take -------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["explode", "", "DISPOSE", None])
def test_act_unknown_action_is_not_found(w, action):
    with pytest.raises(NotFound):
        action_take(report=report_in(w, S.SUBMITTED), actor=w.users[NATIONAL_ADMIN], action=action)


@pytest.mark.parametrize(
    ("action", "payload", "fields"),
    [
        ("hold", {"question": "Lokasinya di mana?", "urgent": True}, {"urgent"}),
        ("dispose", {"agency_id": "12"}, {"agency_id"}),
        ("dispose", {"agency_id": True}, {"agency_id"}),
        ("dispose", {"agency_id": 1, "confidential": "ya"}, {"confidential"}),
        ("hold", {"question": 12345678901}, {"question"}),
        ("hold", {}, {"question"}),
        ("dispose", {"note": "Tanpa instansi"}, {"agency_id"}),
        ("extend", {"working_days": 2.5}, {"working_days", "reason"}),
    ],
)
def test_act_reports_bad_payloads_by_field(w, action, payload, fields):
    report = report_in(w, S.SUBMITTED)
    with pytest.raises(ValidationFailed) as excinfo:
        action_take(report=report, actor=w.users[NATIONAL_ADMIN], action=action, payload=payload)
    assert set(excinfo.value.field_errors) == fields
    report.refresh_from_db()
    assert report.event_count == 1


def test_act_passes_a_valid_payload_through(w):
    report = action_take(
        report=report_in(w, S.SUBMITTED),
        actor=w.users[NATIONAL_ADMIN],
        action="dispose",
        payload={"agency_id": w.agency.pk, "note": None, "confidential": True},
        ip_address="192.0.2.9",
    )
    assert (report.status, report.confidential) == (S.DISPOSITIONED, True)
    assert last_event(report).ip_address == "192.0.2.9"
