"""The workflow API: every action endpoint (success, 409, 403, 404, 422), the response
with files, the deadlines in the report JSON, the staff inbox, and the whole life of a
report driven through HTTP only."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile

from aduan.accounts.models import User
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    ProgrammeOverseerFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.models import Agency
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.api.tests.utils import PDF_BYTES, assert_problem, bearer, png_bytes
from aduan.categories.tests.factories import CategoryFactory
from aduan.programmes.tests.factories import ProgrammeFactory
from aduan.regions.tests.factories import ProvinceFactory, RegencyFactory
from aduan.reports.audit import chain_verify
from aduan.reports.models import Attachment, Rating, Report, ReportEvent, Status
from aduan.reports.tests.factories import pdf_bytes
from aduan.workflow import services as wf
from aduan.workflow.services import report_submit
from aduan.workflow.transitions import TRANSITIONS, Action

pytestmark = pytest.mark.django_db

WIB = dt.timezone(dt.timedelta(hours=7))
# Tuesday 1 December 2026, 09:00 WIB: no holiday in the following two weeks.
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")

REPORTS = "/api/v1/reports"
INBOX = "/api/v1/inbox"
TITLE = "Jalan berlubang di depan pasar"
BODY = "Lubang besar di jalan depan pasar sudah membahayakan pengendara motor setiap hari."
RESPONSE = "Lubang sudah kami tambal pada hari ini, terima kasih atas laporannya."
API_ACTIONS = [action for action in Action if action != Action.AUTO_CLOSE]


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class World:
    agency: Agency
    unit: Agency
    other_agency: Agency
    admin: User  # national admin
    agency_admin: User
    officer: User  # unit officer of ``unit``
    other_staff: User  # agency admin of ``other_agency``
    citizen: User
    stranger: User  # another citizen
    oversight: User
    ksp: User  # the priority programmes' overseer


@pytest.fixture
def w() -> World:
    agency = AgencyFactory(name="Pemerintah Kota Bandung")
    unit = UnitFactory(parent=agency, name="Dinas Pekerjaan Umum Kota Bandung")
    other_agency = AgencyFactory(name="Pemerintah Kota Surabaya")
    return World(
        agency=agency,
        unit=unit,
        other_agency=other_agency,
        admin=NationalAdminFactory(),
        agency_admin=AgencyAdminFactory(agency=agency),
        officer=UnitOfficerFactory(agency=unit),
        other_staff=AgencyAdminFactory(agency=other_agency),
        citizen=UserFactory(full_name="Siti Rahmawati", email="siti@example.id"),
        stranger=UserFactory(),
        oversight=OversightFactory(),
        ksp=ProgrammeOverseerFactory(),
    )


# --- Reports in each status, moved by the services ---------------------------------------


def submitted(w: World, **kwargs) -> Report:
    return report_submit(
        reporter=w.citizen,
        channel="web",
        classification="complaint",
        title=TITLE,
        body=BODY,
        **kwargs,
    )


def dispositioned(w: World, **kwargs) -> Report:
    return wf.report_dispose(report=submitted(w, **kwargs), actor=w.admin, agency_id=w.agency.pk)


def in_progress(w: World, **kwargs) -> Report:
    return wf.report_accept(report=dispositioned(w, **kwargs), actor=w.agency_admin)


def responded(w: World, **kwargs) -> Report:
    return wf.report_respond(report=in_progress(w, **kwargs), actor=w.agency_admin, body=RESPONSE)


def closed(w: World, **kwargs) -> Report:
    return wf.report_close(report=responded(w, **kwargs), actor=w.citizen)


def act(client, report: Report | str, action: str, body: dict | None, user: User | None):
    tracking_id = report if isinstance(report, str) else report.tracking_id
    headers = bearer(user) if user is not None else {}
    return client.post(
        f"{REPORTS}/{tracking_id}/actions/{action}",
        body if body is not None else {},
        content_type="application/json",
        **headers,
    )


Body = Callable[[World, Report], dict]


def _merge_body(w: World, report: Report) -> dict:
    return {"into": submitted(w).tracking_id, "note": "Laporan yang sama."}


# action → (how the report gets there, who acts, a valid body, the status after)
SUCCESS: dict[Action, tuple[Callable, str, Body, Status]] = {
    Action.DISPOSE: (
        submitted,
        "admin",
        lambda w, r: {"agency_id": w.agency.pk, "note": "Mohon segera ditindaklanjuti."},
        Status.DISPOSITIONED,
    ),
    Action.HOLD: (
        submitted,
        "admin",
        lambda w, r: {"question": "Di kelurahan mana tepatnya lubang itu?"},
        Status.ON_HOLD,
    ),
    Action.ARCHIVE: (
        submitted,
        "admin",
        lambda w, r: {"reason": "Bukan pengaduan, hanya ucapan salam."},
        Status.ARCHIVED,
    ),
    Action.MERGE: (submitted, "admin", _merge_body, Status.ARCHIVED),
    Action.SET_FLAGS: (submitted, "admin", lambda w, r: {"confidential": True}, Status.SUBMITTED),
    # Verified, so public: the 403 cases below are readers who may see it.
    Action.REDACT: (
        dispositioned,
        "admin",
        lambda w, r: {"public_title": "Jalan berlubang di sebuah pasar"},
        Status.DISPOSITIONED,
    ),
    Action.SET_PROGRAMMES: (
        dispositioned,
        "admin",
        lambda w, r: {"programme_ids": [ProgrammeFactory().pk]},
        Status.DISPOSITIONED,
    ),
    Action.ACCEPT: (dispositioned, "agency_admin", lambda w, r: {}, Status.IN_PROGRESS),
    Action.RETURN: (
        dispositioned,
        "agency_admin",
        lambda w, r: {"reason": "Ini kewenangan pemerintah provinsi, bukan kota."},
        Status.RETURNED,
    ),
    Action.FORWARD: (
        dispositioned,
        "agency_admin",
        lambda w, r: {"agency_id": w.unit.pk, "note": "Mohon ditangani."},
        Status.DISPOSITIONED,
    ),
    Action.EXTEND: (
        in_progress,
        "agency_admin",
        lambda w, r: {"working_days": 3, "reason": "Perlu survei lapangan dahulu."},
        Status.IN_PROGRESS,
    ),
    Action.RESPOND: (
        in_progress,
        "agency_admin",
        lambda w, r: {"body": RESPONSE},
        Status.RESPONDED,
    ),
    Action.COMMENT: (
        in_progress,
        "citizen",
        lambda w, r: {"body": "Terima kasih, kami tunggu."},
        Status.IN_PROGRESS,
    ),
    Action.ANSWER: (
        responded,
        "citizen",
        lambda w, r: {"body": "Masih ada satu lubang lagi di sebelah utara."},
        Status.IN_PROGRESS,
    ),
    Action.CLOSE: (responded, "citizen", lambda w, r: {}, Status.CLOSED),
    Action.REOPEN: (
        closed,
        "citizen",
        lambda w, r: {"reason": "Lubangnya muncul lagi setelah hujan deras."},
        Status.IN_PROGRESS,
    ),
    Action.RATE: (
        closed,
        "citizen",
        lambda w, r: {"score": 4, "comment": "Cukup cepat"},
        Status.CLOSED,
    ),
}


def test_success_table_covers_every_api_action():
    assert set(SUCCESS) == set(API_ACTIONS)


@pytest.mark.parametrize("action", API_ACTIONS)
def test_action_succeeds_with_the_report(client, w, action):
    arrive, who, body, expected = SUCCESS[action]
    report = arrive(w)
    events_before = report.events.count()
    response = act(client, report, action, body(w, report), getattr(w, who))
    assert response.status_code == 200, response.content
    data = response.json()
    report.refresh_from_db()
    assert data["tracking_id"] == report.tracking_id
    assert data["status"] == report.status == expected
    assert report.events.count() == events_before + 1
    assert isinstance(data["actions"], list)
    assert "deadlines" in data
    assert "is_overdue" in data


def test_action_side_effects(client, w):
    """What the success table does not show: the fields each action set."""
    report = submitted(w)
    act(client, report, "set_flags", {"confidential": True}, w.admin)
    report.refresh_from_db()
    assert report.confidential
    assert not report.anonymous
    act(client, report, "dispose", {"agency_id": w.agency.pk, "anonymous": True}, w.admin)
    report.refresh_from_db()
    assert report.agency == w.agency
    assert report.anonymous
    act(client, report, "forward", {"agency_id": w.unit.pk}, w.agency_admin)
    report.refresh_from_db()
    assert report.agency == w.unit
    data = act(client, report, "comment", {"body": "Cek lokasi.", "internal": True}, w.officer)
    assert data.status_code == 200
    assert ReportEvent.objects.filter(report=report, action="note", is_public=False)
    rated = closed(w)
    act(client, rated, "rate", {"score": 5}, w.citizen)
    assert Rating.objects.get(report=rated).score == 5


# --- 409: the status does not allow it -------------------------------------------------

# action → (a status the actor may act in but the table refuses, who acts). set_flags,
# redact and set_programmes are allowed in every status, so they never answer 409.
CONFLICT: dict[Action, tuple[Callable, str]] = {
    Action.DISPOSE: (in_progress, "admin"),
    Action.HOLD: (in_progress, "admin"),
    Action.ARCHIVE: (in_progress, "admin"),
    Action.MERGE: (in_progress, "admin"),
    Action.ACCEPT: (in_progress, "agency_admin"),
    Action.RETURN: (responded, "agency_admin"),
    Action.FORWARD: (responded, "agency_admin"),
    Action.EXTEND: (responded, "agency_admin"),
    Action.RESPOND: (responded, "agency_admin"),
    Action.COMMENT: (closed, "citizen"),
    Action.ANSWER: (in_progress, "citizen"),
    Action.CLOSE: (in_progress, "citizen"),
    Action.REOPEN: (in_progress, "citizen"),
    Action.RATE: (in_progress, "citizen"),
}


def test_conflict_table_covers_every_action_but_set_flags_redact_and_set_programmes():
    anytime = {Action.SET_FLAGS, Action.REDACT, Action.SET_PROGRAMMES}
    assert set(CONFLICT) == set(API_ACTIONS) - anytime
    for action in anytime:
        assert set(TRANSITIONS[action].moves) == set(Status)


@pytest.mark.parametrize("action", list(CONFLICT))
def test_illegal_transition_is_409(client, w, action):
    arrive, who = CONFLICT[action]
    report = arrive(w)
    status_before = report.status
    body = SUCCESS[action][2](w, report)
    problem = assert_problem(act(client, report, action, body, getattr(w, who)), 409)
    assert problem["detail"]
    report.refresh_from_db()
    assert report.status == status_before


def test_rating_twice_and_reopening_twice_are_409(client, w):
    report = closed(w)
    assert act(client, report, "rate", {"score": 3}, w.citizen).status_code == 200
    assert_problem(act(client, report, "rate", {"score": 5}, w.citizen), 409)
    reason = {"reason": "Lubangnya muncul lagi setelah hujan."}
    assert act(client, report, "reopen", reason, w.citizen).status_code == 200
    wf.report_respond(report=report, actor=w.agency_admin, body=RESPONSE)
    wf.report_close(report=report, actor=w.citizen)
    problem = assert_problem(act(client, report, "reopen", reason, w.citizen), 409)
    assert problem["detail"] == "A report can be reopened only once."


# --- 403: may see the report, may not act ----------------------------------------------

# action → who may see the report but not take the action. The national desk's actions
# are taken on unverified reports, which only the reporter, the desk and oversight see.
FORBIDDEN: dict[Action, tuple[str, ...]] = {
    Action.DISPOSE: ("oversight",),
    Action.HOLD: ("citizen", "oversight"),
    Action.ARCHIVE: ("citizen",),
    Action.MERGE: ("oversight",),
    Action.SET_FLAGS: ("citizen", "oversight"),
    Action.REDACT: ("stranger", "citizen", "agency_admin", "oversight"),
    Action.SET_PROGRAMMES: ("stranger", "citizen", "agency_admin", "oversight", "ksp"),
    Action.ACCEPT: ("stranger", "citizen", "other_staff", "oversight", "admin"),
    Action.RETURN: ("stranger", "other_staff", "citizen"),
    Action.FORWARD: ("stranger", "other_staff"),
    Action.EXTEND: ("stranger", "citizen", "oversight"),
    Action.RESPOND: ("stranger", "citizen", "other_staff", "admin"),
    Action.COMMENT: ("stranger", "other_staff", "oversight"),
    Action.ANSWER: ("stranger", "agency_admin", "admin"),
    Action.CLOSE: ("stranger", "agency_admin", "oversight"),
    Action.REOPEN: ("stranger", "agency_admin"),
    Action.RATE: ("stranger", "agency_admin", "admin"),
}


@pytest.mark.parametrize(
    ("action", "who"), [(action, who) for action, whos in FORBIDDEN.items() for who in whos]
)
def test_wrong_capacity_is_403(client, w, action, who):
    arrive, _who, body, _status = SUCCESS[action]
    report = arrive(w)
    status_before, events_before = report.status, report.events.count()
    problem = assert_problem(act(client, report, action, body(w, report), getattr(w, who)), 403)
    assert problem["detail"]
    report.refresh_from_db()
    assert (report.status, report.events.count()) == (status_before, events_before)


@pytest.mark.parametrize("action", [Action.DISPOSE, Action.HOLD, Action.ARCHIVE, Action.MERGE])
@pytest.mark.parametrize("who", ["stranger", "agency_admin", "other_staff"])
def test_an_unverified_report_is_404_to_those_who_may_not_see_it(client, w, action, who):
    arrive, _who, body, _status = SUCCESS[action]
    report = arrive(w)
    assert report.status == "submitted"
    assert_problem(act(client, report, action, body(w, report), getattr(w, who)), 404)
    assert report.events.count() == 1


def test_unit_officer_may_not_return_forward_or_extend(client, w):
    report = wf.report_forward(report=dispositioned(w), actor=w.agency_admin, agency_id=w.unit.pk)
    for action in (Action.RETURN, Action.FORWARD, Action.EXTEND):
        body = SUCCESS[action][2](w, report)
        assert_problem(act(client, report, action, body, w.officer), 403)
    assert act(client, report, "accept", {}, w.officer).status_code == 200


def test_reporter_may_not_write_internal_notes(client, w):
    report = in_progress(w)
    body = {"body": "Catatan rahasia", "internal": True}
    assert_problem(act(client, report, "comment", body, w.citizen), 403)


# --- 404: may not see the report -------------------------------------------------------


@pytest.mark.parametrize("action", API_ACTIONS)
def test_confidential_report_of_someone_else_is_404(client, w, action):
    arrive, _who, body, _status = SUCCESS[action]
    report = arrive(w, confidential=True)
    valid = body(w, report)
    for outsider in (w.stranger, w.other_staff):
        assert_problem(act(client, report, action, valid, outsider), 404)
    # The same answer as for a report that does not exist.
    assert_problem(act(client, "23456789AB", action, valid, w.admin), 404)


def test_other_agencys_staff_get_404_for_a_confidential_report(client, w):
    report = in_progress(w, confidential=True)
    headers = bearer(w.other_staff)
    assert_problem(client.get(f"{REPORTS}/{report.tracking_id}", **headers), 404)
    assert_problem(act(client, report, "respond", {"body": RESPONSE}, w.other_staff), 404)
    # Public, the same report is visible to them, but still not theirs to act on.
    wf.report_set_flags(report=report, actor=w.admin, confidential=False)
    assert_problem(act(client, report, "respond", {"body": RESPONSE}, w.other_staff), 403)


def test_actions_need_a_token(client, w):
    report = submitted(w)
    body = {"agency_id": w.agency.pk}
    assert_problem(act(client, report, "dispose", body, None), 401)
    bad = client.post(
        f"{REPORTS}/{report.tracking_id}/actions/dispose",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer adn_not-a-real-token",
    )
    assert_problem(bad, 401)


def test_unknown_action_is_404(client, w):
    report = submitted(w)
    assert_problem(act(client, report, "auto_close", {}, w.admin), 404)
    assert_problem(act(client, report, "approve", {}, w.admin), 404)


# --- The national priority programmes (KSP) ---------------------------------------------


def test_the_desk_tags_programmes_audited_and_listed(client, w):
    first, second = ProgrammeFactory(name="Makan Bergizi Gratis"), ProgrammeFactory()
    report = dispositioned(w)
    body = {"programme_ids": [second.pk, first.pk]}
    data = act(client, report, "set_programmes", body, w.admin).json()
    assert {p["name"] for p in data["programmes"]} == {first.name, second.name}
    event = report.events.get(action="set_programmes")
    assert (event.actor, event.is_public) == (w.admin, False)
    assert "Makan Bergizi Gratis" in event.note
    # The same list again changes nothing and writes nothing.
    act(client, report, "set_programmes", body, w.admin)
    assert report.events.filter(action="set_programmes").count() == 1
    data = act(client, report, "set_programmes", {"programme_ids": [first.pk]}, w.admin).json()
    assert [p["id"] for p in data["programmes"]] == [first.pk]
    assert "removed" in report.events.filter(action="set_programmes").last().note
    # Readers of the public report see the tags; the desk's event is not theirs.
    public = client.get(f"{REPORTS}/{report.tracking_id}").json()
    assert [p["code"] for p in public["programmes"]] == [first.code]
    assert "set_programmes" not in [e["action"] for e in public["events"]]


def test_only_active_programmes_are_added(client, w):
    report = dispositioned(w)
    switched_off = ProgrammeFactory(is_active=False)
    problem = assert_problem(
        act(client, report, "set_programmes", {"programme_ids": [switched_off.pk]}, w.admin),
        422,
    )
    assert "programme_ids" in problem["errors"]
    assert_problem(act(client, report, "set_programmes", {"programme_ids": [987654]}, w.admin), 422)
    assert not report.programme_tags.exists()


def test_a_category_implies_its_programmes_on_disposition(client, w):
    category = CategoryFactory()
    implied = ProgrammeFactory(name="Makan Bergizi Gratis")
    implied.categories.add(category)
    ProgrammeFactory(is_active=False).categories.add(category)  # switched off: not applied
    already = ProgrammeFactory()
    report = submitted(w)
    wf.report_set_programmes(report=report, actor=w.admin, programme_ids=[already.pk])
    body = {"agency_id": w.agency.pk, "category_id": category.pk}
    data = act(client, report, "dispose", body, w.admin).json()
    assert {p["id"] for p in data["programmes"]} == {implied.pk, already.pk}
    event = report.events.filter(action="set_programmes").last()
    assert event.note == "Priority programmes from the category: Makan Bergizi Gratis"
    assert event.actor == w.admin
    assert report.programme_tags.get(programme=implied).tagged_by == w.admin


def test_the_ksp_overseer_reads_the_programmes_reports_only(client, w):
    programme = ProgrammeFactory()
    tagged = dispositioned(w, confidential=True, anonymous=True)
    wf.report_set_programmes(report=tagged, actor=w.admin, programme_ids=[programme.pk])
    untagged = dispositioned(w, confidential=True)
    headers = bearer(w.ksp)
    detail = client.get(f"{REPORTS}/{tagged.tracking_id}", **headers).json()
    assert detail["actions"] == []
    assert detail["reporter"] is None  # anonymous stays anonymous
    assert [p["id"] for p in detail["programmes"]] == [programme.pk]
    assert_problem(client.get(f"{REPORTS}/{untagged.tracking_id}", **headers), 404)
    inbox = client.get(INBOX, **headers).json()
    assert [r["tracking_id"] for r in inbox["results"]] == [tagged.tracking_id]
    for action, body in (
        ("comment", {"body": "Mohon dipercepat."}),
        ("set_programmes", {"programme_ids": []}),
        ("respond", {"body": RESPONSE}),
    ):
        assert_problem(act(client, tagged, action, body, w.ksp), 403)
    assert_problem(act(client, untagged, "comment", {"body": "Halo"}, w.ksp), 404)


# --- 422: the body -----------------------------------------------------------------------

# action → (a required field, a body with a wrongly typed field and that field's name)
INVALID: dict[Action, tuple[str | None, dict, str]] = {
    Action.DISPOSE: ("agency_id", {"agency_id": "Bandung"}, "agency_id"),
    Action.HOLD: ("question", {"question": ["Di mana?"]}, "question"),
    Action.ARCHIVE: ("reason", {"reason": 42}, "reason"),
    Action.MERGE: ("into", {"into": {"id": 1}}, "into"),
    Action.SET_FLAGS: (None, {"confidential": "maybe"}, "confidential"),
    Action.REDACT: (None, {"public_title": 42}, "public_title"),
    Action.SET_PROGRAMMES: ("programme_ids", {"programme_ids": "mbg"}, "programme_ids"),
    Action.ACCEPT: (None, [], "__all__"),
    Action.RETURN: ("reason", {"reason": False}, "reason"),
    Action.FORWARD: ("agency_id", {"agency_id": 1.5}, "agency_id"),
    Action.EXTEND: (
        "working_days",
        {"working_days": "three", "reason": "Survei lapangan."},
        "working_days",
    ),
    Action.RESPOND: ("body", {"body": None}, "body"),
    Action.COMMENT: ("body", {"body": "Halo semua", "internal": "yes please"}, "internal"),
    Action.ANSWER: ("body", {"body": 123}, "body"),
    Action.CLOSE: (None, "close", "__all__"),
    Action.REOPEN: ("reason", {"reason": {"text": "x"}}, "reason"),
    Action.RATE: ("score", {"score": "lima"}, "score"),
}


@pytest.mark.parametrize("action", API_ACTIONS)
def test_unknown_field_is_422(client, w, action):
    arrive, who, body, _status = SUCCESS[action]
    report = arrive(w)
    status_before = report.status
    payload = {**body(w, report), "confidental": True}
    problem = assert_problem(act(client, report, action, payload, getattr(w, who)), 422)
    assert "confidental" in problem["errors"]
    report.refresh_from_db()
    assert report.status == status_before


@pytest.mark.parametrize("action", API_ACTIONS)
def test_missing_or_wrongly_typed_field_is_422(client, w, action):
    arrive, who, body, _status = SUCCESS[action]
    report = arrive(w)
    actor = getattr(w, who)
    required, wrong, field = INVALID[action]
    if required is not None:
        payload = {k: v for k, v in body(w, report).items() if k != required}
        problem = assert_problem(act(client, report, action, payload, actor), 422)
        assert problem["errors"][required] == ["This field is required."]
    if isinstance(wrong, dict):
        payload = {**body(w, report), **wrong}
        problem = assert_problem(act(client, report, action, payload, actor), 422)
        assert field in problem["errors"], problem
    else:  # not a JSON object at all
        response = client.post(
            f"{REPORTS}/{report.tracking_id}/actions/{action}",
            wrong,
            content_type="application/json",
            **bearer(actor),
        )
        assert response.status_code in (400, 422), response.content
    report.refresh_from_db()
    assert report.status == SUCCESS[action][0](w).status  # unchanged


def test_set_flags_needs_one_flag(client, w):
    report = submitted(w)
    problem = assert_problem(act(client, report, "set_flags", {}, w.admin), 422)
    assert problem["errors"] == {"confidential": ["Set anonymous, confidential or both."]}


def test_service_rules_are_422_with_field_names(client, w):
    report = submitted(w)
    inactive = AgencyFactory(is_active=False)
    problem = assert_problem(
        act(client, report, "dispose", {"agency_id": inactive.pk}, w.admin), 422
    )
    assert problem["errors"] == {"agency_id": ["Choose an active agency from the list."]}
    problem = assert_problem(act(client, report, "hold", {"question": "Mana?"}, w.admin), 422)
    assert problem["errors"] == {"question": ["Write at least 10 characters."]}
    problem = assert_problem(act(client, report, "merge", {"into": "XXXX"}, w.admin), 422)
    assert list(problem["errors"]) == ["into"]
    rated = responded(w)
    problem = assert_problem(act(client, rated, "rate", {"score": 6}, w.citizen), 422)
    assert problem["errors"] == {"score": ["Enter a value of at most 5."]}
    extended = in_progress(w)
    problem = assert_problem(
        act(
            client,
            extended,
            "extend",
            {"working_days": 99, "reason": "Perlu survei lapangan dahulu."},
            w.agency_admin,
        ),
        422,
    )
    assert list(problem["errors"]) == ["working_days"]


@pytest.mark.parametrize(
    ("arrive", "action", "who"),
    [(dispositioned, "accept", "agency_admin"), (responded, "close", "citizen")],
)
def test_accept_and_close_take_an_empty_object_or_no_body(client, w, arrive, action, who):
    for body in (b"", b"{}"):
        report = arrive(w)
        response = client.generic(
            "POST",
            f"{REPORTS}/{report.tracking_id}/actions/{action}",
            body,
            content_type="application/json",
            **bearer(getattr(w, who)),
        )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == SUCCESS[Action(action)][3]


@pytest.mark.parametrize(
    "action", [a for a in API_ACTIONS if a not in (Action.ACCEPT, Action.CLOSE)]
)
def test_an_action_with_fields_needs_a_body(client, w, action):
    arrive, who, _body, _status = SUCCESS[action]
    report = arrive(w)
    events = report.events.count()
    response = client.generic(
        "POST",
        f"{REPORTS}/{report.tracking_id}/actions/{action}",
        b"",
        content_type="application/json",
        **bearer(getattr(w, who)),
    )
    assert_problem(response, 422)
    report.refresh_from_db()
    assert report.status == SUCCESS[action][0](w).status  # unchanged
    assert report.events.count() == events


# --- The answer after acting ---------------------------------------------------------


def test_answer_lists_what_the_caller_may_do_next(client, w):
    report = submitted(w)
    data = act(client, report, "dispose", {"agency_id": w.agency.pk}, w.admin).json()
    assert set(data["actions"]) == {"set_flags", "redact", "set_programmes", "merge", "comment"}
    data = act(client, report, "accept", {}, w.agency_admin).json()
    assert set(data["actions"]) == {"return", "forward", "extend", "respond", "comment"}
    detail = client.get(f"{REPORTS}/{report.tracking_id}", **bearer(w.citizen)).json()
    assert detail["actions"] == ["comment"]
    assert client.get(f"{REPORTS}/{report.tracking_id}").json()["actions"] == []


def test_returning_a_confidential_report_still_answers_200(client, w):
    """The agency loses sight of it (it is back with the national admin), but the caller
    learns the outcome, without actions and without internal notes."""
    report = dispositioned(w, confidential=True)
    wf.report_comment(report=report, actor=w.agency_admin, body="Catatan dalam", internal=True)
    reason = {"reason": "Ini kewenangan pemerintah provinsi, bukan kota."}
    response = act(client, report, "return", reason, w.agency_admin)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == Status.RETURNED
    assert data["actions"] == []
    assert "note" not in [e["action"] for e in data["events"]]
    headers = bearer(w.agency_admin)
    assert_problem(client.get(f"{REPORTS}/{report.tracking_id}", **headers), 404)


# --- The anonymous reporter ----------------------------------------------------------


def test_anonymous_reporter_is_never_shown_to_agency_staff_or_oversight(client, w):
    report = dispositioned(w, anonymous=True)
    identity = ("Siti Rahmawati", "siti@example.id", w.citizen.phone)
    answers = [
        act(client, report, "accept", {}, w.agency_admin),
        act(client, report, "comment", {"body": "Sedang kami cek."}, w.agency_admin),
        client.get(f"{REPORTS}/{report.tracking_id}", **bearer(w.oversight)),
        client.get(INBOX, **bearer(w.agency_admin)),
        client.get(INBOX, **bearer(w.oversight)),
    ]
    answers.append(act(client, report, "respond", {"body": RESPONSE}, w.agency_admin))
    answers.append(
        act(client, report, "answer", {"body": "Terima kasih banyak."}, w.citizen)
    )  # the reporter's own answer...
    answers.append(client.get(f"{REPORTS}/{report.tracking_id}", **bearer(w.agency_admin)))
    for response in answers[:-2] + answers[-1:]:
        assert response.status_code == 200, response.content
        text = response.content.decode()
        for secret in identity:
            assert secret not in text
    # ... is shown to the reporter (and the national admin) with the details.
    own = answers[-2].json()
    assert own["reporter"]["email"] == "siti@example.id"
    staff_view = answers[-1].json()
    assert staff_view["reporter"] is None
    answered = [e for e in staff_view["events"] if e["action"] == "answer"]
    assert answered[0]["actor"] == {"role": "citizen", "role_label": "Citizen", "agency": None}
    admin_view = client.get(f"{REPORTS}/{report.tracking_id}", **bearer(w.admin)).json()
    assert admin_view["reporter"]["name"] == "Siti Rahmawati"


# --- Deadlines in the report JSON --------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "offset", "response_due"),
    [
        ("Asia/Jakarta", "+07:00", "2026-12-08T23:59:59+07:00"),
        ("Asia/Makassar", "+08:00", "2026-12-08T23:59:59+08:00"),
        ("Asia/Jayapura", "+09:00", "2026-12-08T23:59:59+09:00"),
    ],
)
def test_deadlines_in_the_agencys_time_zone(client, w, zone, offset, response_due):
    agency = AgencyFactory(timezone=zone)
    AgencyAdminFactory(agency=agency)
    report = submitted(w)
    # Unverified: only the reporter, the national desk and oversight may read it yet.
    data = client.get(f"{REPORTS}/{report.tracking_id}", **bearer(w.citizen)).json()
    # Tue 1 Dec + 3 working days, the national admin's day (WIB).
    assert data["deadlines"] == {"verification_due": "2026-12-04T23:59:59+07:00"}
    assert data["current_deadline"] == {
        "kind": "verification",
        "kind_label": "Verification",
        "due_at": "2026-12-04T23:59:59+07:00",
        "overdue": False,
    }
    assert data["is_overdue"] is False

    data = act(client, report, "dispose", {"agency_id": agency.pk}, w.admin).json()
    deadlines = data["deadlines"]
    assert set(deadlines) == {"verification_due", "response_due", "completion_due"}
    assert deadlines["verification_due"] == "2026-12-04T23:59:59+07:00"  # met, still shown
    assert deadlines["response_due"] == response_due  # 5 working days, local day
    assert ISO_WITH_OFFSET.match(deadlines["completion_due"])
    assert deadlines["completion_due"].endswith(offset)
    assert data["current_deadline"]["kind"] == "response"
    assert data["current_deadline"]["due_at"] == response_due

    with time_machine.travel(dt.datetime(2026, 12, 10, 9, 0, tzinfo=WIB), tick=False):
        late = client.get(f"{REPORTS}/{report.tracking_id}").json()
    assert late["is_overdue"] is True
    assert late["current_deadline"]["overdue"] is True


def test_autoclose_appears_after_a_response_and_is_never_overdue(client, w):
    report = in_progress(w)
    data = act(client, report, "respond", {"body": RESPONSE}, w.agency_admin).json()
    assert set(data["deadlines"]) == {
        "verification_due",
        "response_due",
        "completion_due",
        "autoclose_at",
    }
    assert data["deadlines"]["autoclose_at"].endswith("+07:00")
    assert data["current_deadline"]["kind"] == "autoclose"
    with time_machine.travel(dt.datetime(2026, 12, 31, 9, 0, tzinfo=WIB), tick=False):
        late = client.get(f"{REPORTS}/{report.tracking_id}").json()
    # Past the auto-close time (the sweep has not run): the reporter's silence is nobody's
    # lateness, and the completion clock's 60 calendar days have not passed.
    assert late["current_deadline"]["kind"] == "autoclose"
    assert late["current_deadline"]["overdue"] is False
    assert late["is_overdue"] is False


# --- A response with files ---------------------------------------------------------------


def respond_with_files(client, report, user, *, body=RESPONSE, files=()):
    return client.post(
        f"{REPORTS}/{report.tracking_id}/responses",
        {"body": body, "files": list(files)},
        **bearer(user),
    )


def photo(name: str = "tambalan.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def test_response_with_files(client, w):
    report = in_progress(w)
    pdf = SimpleUploadedFile("berita-acara.pdf", PDF_BYTES, content_type="application/pdf")
    response = respond_with_files(client, report, w.agency_admin, files=[photo(), pdf])
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == Status.RESPONDED
    assert sorted(a["name"] for a in data["attachments"]) == ["berita-acara.pdf", "tambalan.png"]
    event = ReportEvent.objects.get(report=report, action="respond")
    assert event.note == RESPONSE
    assert set(Attachment.objects.filter(event=event).values_list("content_type", flat=True)) == {
        "image/png",
        "application/pdf",
    }


def test_response_without_files(client, w):
    report = in_progress(w)
    response = respond_with_files(client, report, w.agency_admin)
    assert response.status_code == 200, response.content
    assert response.json()["attachments"] == []


def test_response_files_are_checked(client, w, settings):
    report = in_progress(w)
    fake = SimpleUploadedFile("foto.png", b"not an image at all", content_type="image/png")
    problem = assert_problem(respond_with_files(client, report, w.agency_admin, files=[fake]), 422)
    assert list(problem["errors"]) == ["files"]
    settings.ADUAN_ATTACHMENT_MAX_COUNT = 1
    two = [photo("a.png"), photo("b.png")]
    problem = assert_problem(respond_with_files(client, report, w.agency_admin, files=two), 422)
    assert problem["errors"] == {"files": ["At most 1 attachments."]}
    settings.ADUAN_ATTACHMENT_MAX_BYTES = 10
    problem = assert_problem(
        respond_with_files(client, report, w.agency_admin, files=[photo()]), 413
    )
    assert list(problem["errors"]) == ["files"]
    problem = assert_problem(
        respond_with_files(client, report, w.agency_admin, body="Pendek", files=[]), 422
    )
    assert list(problem["errors"]) == ["body"]
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert not Attachment.objects.filter(report=report).exists()


def test_response_files_go_through_the_pdf_check(client, w):
    report = in_progress(w)
    scripted = SimpleUploadedFile("berita-acara.pdf", pdf_bytes(javascript=True))
    problem = assert_problem(
        respond_with_files(client, report, w.agency_admin, files=[scripted]), 422
    )
    assert problem["errors"] == {
        "files": ["berita-acara.pdf: the PDF file contains JavaScript, which is not accepted."]
    }
    signed = SimpleUploadedFile("berita-acara.pdf", pdf_bytes(author="Kepala Dinas Budi"))
    response = respond_with_files(client, report, w.agency_admin, files=[signed])
    assert response.status_code == 200, response.content
    assert b"Kepala Dinas Budi" not in Attachment.objects.get(report=report).file.read()


def test_response_with_files_permissions(client, w):
    report = in_progress(w)
    assert_problem(respond_with_files(client, report, w.citizen, files=[photo()]), 403)
    assert_problem(respond_with_files(client, report, w.other_staff, files=[photo()]), 403)
    hidden = in_progress(w, confidential=True)
    assert_problem(respond_with_files(client, hidden, w.other_staff, files=[photo()]), 404)
    done = responded(w)
    assert_problem(respond_with_files(client, done, w.agency_admin, files=[photo()]), 409)
    no_token = client.post(f"{REPORTS}/{report.tracking_id}/responses", {"body": RESPONSE})
    assert_problem(no_token, 401)
    assert not Attachment.objects.exists()


# --- The inbox -------------------------------------------------------------------------


def inbox_ids(client, user, **params) -> list[str]:
    response = client.get(INBOX, params, **bearer(user))
    assert response.status_code == 200, response.content
    return [r["tracking_id"] for r in response.json()["results"]]


@pytest.fixture
def desk(w):
    """A report with the agency, one with its unit, one with another agency, and one
    awaiting verification."""
    mine = in_progress(w)
    at_unit = wf.report_forward(report=dispositioned(w), actor=w.agency_admin, agency_id=w.unit.pk)
    elsewhere = wf.report_dispose(report=submitted(w), actor=w.admin, agency_id=w.other_agency.pk)
    waiting = submitted(w)
    return {"mine": mine, "at_unit": at_unit, "elsewhere": elsewhere, "waiting": waiting}


def test_inbox_is_scoped_by_role_and_agency(client, w, desk):
    ids = {name: r.tracking_id for name, r in desk.items()}
    assert set(inbox_ids(client, w.agency_admin)) == {ids["mine"], ids["at_unit"]}
    assert inbox_ids(client, w.officer) == [ids["at_unit"]]
    assert inbox_ids(client, w.other_staff) == [ids["elsewhere"]]
    everyone = {ids["mine"], ids["at_unit"], ids["elsewhere"]}
    assert set(inbox_ids(client, w.admin)) == everyone
    assert set(inbox_ids(client, w.oversight)) == everyone
    assert inbox_ids(client, w.admin, queue="true") == [ids["waiting"]]
    assert inbox_ids(client, w.oversight, queue="true") == [ids["waiting"]]


def test_inbox_is_for_staff_only(client, w, desk):
    assert_problem(client.get(INBOX, **bearer(w.citizen)), 403)
    assert_problem(client.get(INBOX, {"queue": "true"}, **bearer(w.agency_admin)), 403)
    assert_problem(client.get(INBOX, {"queue": "true"}, **bearer(w.citizen)), 403)
    assert_problem(client.get(INBOX), 401)


def test_inbox_filters(client, w, desk):
    ids = {name: r.tracking_id for name, r in desk.items()}
    admin = w.agency_admin
    assert inbox_ids(client, admin, status="in_progress") == [ids["mine"]]
    assert inbox_ids(client, admin, agency=w.unit.pk) == [ids["at_unit"]]
    assert inbox_ids(client, admin, unit=w.unit.pk) == [ids["at_unit"]]
    assert set(inbox_ids(client, w.admin, agency=w.agency.pk)) == {ids["mine"], ids["at_unit"]}
    # Another agency's unit is outside the scope: nothing, not its reports.
    assert inbox_ids(client, admin, agency=w.other_agency.pk) == []
    Report.objects.filter(pk=desk["at_unit"].pk).update(is_overdue=True)
    assert inbox_ids(client, admin, overdue="true") == [ids["at_unit"]]
    assert inbox_ids(client, admin, overdue="false") == [ids["mine"]]
    category = CategoryFactory()
    Report.objects.filter(pk=desk["mine"].pk).update(category=category)
    assert inbox_ids(client, admin, category=category.pk) == [ids["mine"]]
    province = ProvinceFactory()
    regency = RegencyFactory(parent=province)
    Report.objects.filter(pk=desk["at_unit"].pk).update(region=regency)
    assert inbox_ids(client, admin, region=province.code) == [ids["at_unit"]]
    Report.objects.filter(pk=desk["mine"].pk).update(created_at=NOW - dt.timedelta(days=10))
    assert inbox_ids(client, admin, created_to="2026-11-25") == [ids["mine"]]
    assert inbox_ids(client, admin, created_from="2026-11-25") == [ids["at_unit"]]
    # Saved, not update()d: the search index follows a report's saves (aduan.search).
    mine = Report.objects.get(pk=desk["mine"].pk)
    mine.title = "Lampu jalan padam di alun-alun"
    mine.save(update_fields=["title"])
    assert inbox_ids(client, admin, q="lampu padam") == [ids["mine"]]
    assert inbox_ids(client, admin, q=ids["at_unit"]) == [ids["at_unit"]]
    assert inbox_ids(client, w.admin, queue="true", q="lampu") == []


def test_inbox_narrows_to_a_priority_programme(client, w, desk):
    """Combined with the other filters and within the caller's scope; an id no programme
    has finds nothing (like ``category``), a value that is no id is a 422."""
    ids = {name: r.tracking_id for name, r in desk.items()}
    programme, other = ProgrammeFactory(), ProgrammeFactory()
    for name in ("mine", "elsewhere", "waiting"):
        wf.report_set_programmes(report=desk[name], actor=w.admin, programme_ids=[programme.pk])
    wf.report_set_programmes(report=desk["at_unit"], actor=w.admin, programme_ids=[other.pk])
    admin = w.agency_admin
    assert inbox_ids(client, admin, programme=programme.pk) == [ids["mine"]]
    assert inbox_ids(client, admin, programme=other.pk) == [ids["at_unit"]]
    assert inbox_ids(client, admin, programme=programme.pk, status="dispositioned") == []
    everywhere = {ids["mine"], ids["elsewhere"]}
    assert set(inbox_ids(client, w.admin, programme=programme.pk)) == everywhere
    assert inbox_ids(client, w.admin, queue="true", programme=programme.pk) == [ids["waiting"]]
    assert inbox_ids(client, w.admin, queue="true", programme=other.pk) == []
    assert inbox_ids(client, w.admin, programme=999999) == []
    # The KSP overseer's inbox is the programmes' reports; the filter narrows within it.
    assert set(inbox_ids(client, w.ksp)) == everywhere | {ids["at_unit"]}
    assert inbox_ids(client, w.ksp, programme=other.pk) == [ids["at_unit"]]
    problem = assert_problem(client.get(INBOX, {"programme": "mbg"}, **bearer(admin)), 422)
    assert list(problem["errors"]) == ["programme"]


def test_inbox_rejects_bad_filters(client, w):
    headers = bearer(w.agency_admin)
    problem = assert_problem(
        client.get(INBOX, {"created_from": "2026-12-02", "created_to": "2026-12-01"}, **headers),
        422,
    )
    assert problem["errors"] == {"created_to": ["The end date must not be before the start date."]}
    problem = assert_problem(client.get(INBOX, {"status": "lost"}, **headers), 422)
    assert list(problem["errors"]) == ["status"]
    problem = assert_problem(client.get(INBOX, {"created_from": "kemarin"}, **headers), 422)
    assert list(problem["errors"]) == ["created_from"]
    # Lax parsing read 0 as 1 January 1970 (issue 12).
    problem = assert_problem(client.get(INBOX, {"created_to": "0"}, **headers), 422)
    assert list(problem["errors"]) == ["created_to"]
    assert_problem(client.get(INBOX, {"page_size": 500}, **headers), 422)


def test_inbox_orders_by_deadline_and_shows_them(client, w):
    later = in_progress(w)
    # Two weeks ago: its five working days for a response have passed.
    with time_machine.travel(NOW - dt.timedelta(days=14), tick=False):
        earlier = in_progress(w)
    data = client.get(INBOX, **bearer(w.agency_admin)).json()
    assert [r["tracking_id"] for r in data["results"]] == [earlier.tracking_id, later.tracking_id]
    first = data["results"][0]
    assert first["current_deadline"]["kind"] == "response"
    assert first["is_overdue"] is True
    assert "respond" in first["actions"]
    assert data["count"] == 2
    assert data["count_is_capped"] is False


@pytest.mark.parametrize("n", [2, 8])
def test_inbox_query_count_is_constant(client, w, django_assert_max_num_queries, n):
    for _ in range(n):
        report = in_progress(w, category_id=CategoryFactory().pk)
        wf.report_comment(report=report, actor=w.agency_admin, body="Sedang dicek", internal=True)
    headers = bearer(w.agency_admin)
    # token (+ its last-used stamp), the agency's unit ids, count, page (with agency,
    # category, region), events, attachments, deadlines, programmes, the events'
    # agencies, the reporters
    with django_assert_max_num_queries(11):
        response = client.get(INBOX, **headers)
    assert len(response.json()["results"]) == n


# --- OpenAPI ---------------------------------------------------------------------------


def test_openapi_lists_every_action_with_its_own_body(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    bodies = set()
    for action in API_ACTIONS:
        operation = paths[f"/api/v1/reports/{{tracking_id}}/actions/{action.value}"]["post"]
        assert operation["operationId"] == f"report_action_{action.value}"
        assert operation["security"] == [{"BearerToken": []}]
        assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
        problem = operation["responses"]["409"]["content"]["application/problem+json"]
        assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        # accept and close take no fields: their body may be left out altogether.
        refs = [s["$ref"] for s in body.get("anyOf", [body]) if "$ref" in s]
        assert len(refs) == 1, body
        bodies.add(refs[0])
    assert len(bodies) == len(API_ACTIONS)
    dispose = schema["components"]["schemas"]["DisposeIn"]
    assert dispose["required"] == ["agency_id"]
    assert dispose["additionalProperties"] is False
    assert (
        "multipart/form-data"
        in (paths["/api/v1/reports/{tracking_id}/responses"]["post"]["requestBody"]["content"])
    )
    assert "get" in paths["/api/v1/inbox"]
    report = schema["components"]["schemas"]["ReportOut"]["properties"]
    assert {"deadlines", "current_deadline", "is_overdue", "actions"} <= set(report)


# --- Whole paths through HTTP only -------------------------------------------------------


def test_full_happy_path_through_the_api(client, w):
    # A citizen registers, verifies the address (the link in the e-mail) and gets a token.
    registered = client.post(
        "/api/v1/auth/register",
        {
            "email": "budi@example.id",
            "password": "kata-sandi-yang-panjang-7",
            "full_name": "Budi Santoso",
            "phone": "081234567890",
        },
        content_type="application/json",
    )
    assert registered.status_code == 201, registered.content
    EmailAddress.objects.filter(email="budi@example.id").update(verified=True)
    token = client.post(
        "/api/v1/auth/token",
        {"email": "budi@example.id", "password": "kata-sandi-yang-panjang-7"},
        content_type="application/json",
    ).json()["token"]
    citizen = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    admin, agency, officer = bearer(w.admin), bearer(w.agency_admin), bearer(w.officer)

    def post(path, body, headers, expected_status):
        response = client.post(path, body, content_type="application/json", **headers)
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["status"] == expected_status, data
        return data

    def do(action, body, headers, expected_status):
        return post(f"{REPORTS}/{tid}/actions/{action}", body, headers, expected_status)

    submitted_ = client.post(
        REPORTS,
        {"classification": "complaint", "title": TITLE, "body": BODY},
        content_type="application/json",
        **citizen,
    )
    assert submitted_.status_code == 201, submitted_.content
    tid = submitted_.json()["tracking_id"]
    assert submitted_.json()["deadlines"] == {"verification_due": "2026-12-04T23:59:59+07:00"}
    assert tid in inbox_ids(client, w.admin, queue="true")

    data = do("dispose", {"agency_id": w.agency.pk}, admin, Status.DISPOSITIONED)
    assert data["deadlines"]["response_due"] == "2026-12-08T23:59:59+07:00"
    assert tid in inbox_ids(client, w.agency_admin)
    assert "accept" in client.get(f"{REPORTS}/{tid}", **agency).json()["actions"]
    do("accept", {}, agency, Status.IN_PROGRESS)
    do("forward", {"agency_id": w.unit.pk, "note": "Tolong tambal."}, agency, Status.IN_PROGRESS)
    assert inbox_ids(client, w.officer) == [tid]
    data = do("respond", {"body": RESPONSE}, officer, Status.RESPONDED)
    assert "autoclose_at" in data["deadlines"]
    mine = client.get(f"{REPORTS}/{tid}", **citizen).json()
    assert set(mine["actions"]) == {"answer", "close", "rate", "comment"}
    do("answer", {"body": "Masih ada satu lubang lagi di utara."}, citizen, Status.IN_PROGRESS)
    do("respond", {"body": "Lubang kedua juga sudah kami tambal sore ini."}, officer, "responded")
    do("close", {}, citizen, Status.CLOSED)
    data = do("rate", {"score": 5, "comment": "Cepat dan rapi"}, citizen, Status.CLOSED)

    assert [e["action"] for e in data["events"]] == [
        "submitted",
        "dispose",
        "accept",
        "forward",
        "respond",
        "answer",
        "respond",
        "close",
        "rate",
    ]
    assert data["current_deadline"] is None
    assert data["is_overdue"] is False
    # Rated once already: only reopening is left (within its window).
    assert set(data["actions"]) == {"reopen"}
    report = Report.objects.get(tracking_id=tid)
    assert report.reporter.email == "budi@example.id"
    assert report.agency == w.unit
    assert Rating.objects.get(report=report).agency == w.agency
    assert list(chain_verify()) == []


def test_hold_and_answer_through_the_api(client, w):
    report = submitted(w)
    tid = report.tracking_id
    question = {"question": "Di kelurahan mana tepatnya lubang itu?"}
    data = act(client, report, "hold", question, w.admin).json()
    assert data["status"] == Status.ON_HOLD
    assert data["deadlines"] == {}  # the verification clock stopped
    assert tid not in inbox_ids(client, w.admin, queue="true")
    own = client.get(f"{REPORTS}/{tid}", **bearer(w.citizen)).json()
    assert set(own["actions"]) == {"comment", "answer"}
    data = act(client, report, "answer", {"body": "Kelurahan Cihapit, RT 03."}, w.citizen).json()
    assert data["status"] == Status.SUBMITTED
    assert data["deadlines"] == {"verification_due": "2026-12-04T23:59:59+07:00"}
    assert tid in inbox_ids(client, w.admin, queue="true")
    data = act(client, report, "dispose", {"agency_id": w.agency.pk}, w.admin).json()
    assert data["status"] == Status.DISPOSITIONED


def test_return_and_dispose_again_through_the_api(client, w):
    report = dispositioned(w)
    reason = {"reason": "Ini kewenangan pemerintah kota lain, bukan kami."}
    data = act(client, report, "return", reason, w.agency_admin).json()
    assert data["status"] == Status.RETURNED
    assert data["agency"] is None
    assert set(data["deadlines"]) == {"verification_due"}
    assert report.tracking_id in inbox_ids(client, w.admin, queue="true")
    assert report.tracking_id not in inbox_ids(client, w.agency_admin)

    # Forwarding to another agency is a suggestion back to the national admin, too.
    data = act(client, report, "dispose", {"agency_id": w.agency.pk}, w.admin).json()
    data = act(client, report, "forward", {"agency_id": w.other_agency.pk}, w.agency_admin).json()
    assert data["status"] == Status.RETURNED
    report.refresh_from_db()
    assert report.suggested_agency == w.other_agency

    data = act(client, report, "dispose", {"agency_id": w.other_agency.pk}, w.admin).json()
    assert data["status"] == Status.DISPOSITIONED
    assert data["agency"]["id"] == w.other_agency.pk
    assert inbox_ids(client, w.other_staff) == [report.tracking_id]
    data = act(client, report, "accept", {}, w.other_staff).json()
    assert data["status"] == Status.IN_PROGRESS
    assert list(chain_verify()) == []


def test_a_comment_with_a_lone_surrogate_or_nul_is_stored_cleaned(client, w):
    report = in_progress(w)
    raw = '{"body": "Cek lokasi \\ud800 sekarang\\u0000 juga.", "internal": true}'
    response = client.post(
        f"{REPORTS}/{report.tracking_id}/actions/comment",
        raw,
        content_type="application/json",
        **bearer(w.agency_admin),
    )
    assert response.status_code == 200, response.content
    note = ReportEvent.objects.filter(report=report, action="note").get()
    assert note.note == "Cek lokasi \ufffd sekarang juga."
