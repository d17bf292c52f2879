"""One access matrix: every reader × every kind of report × every surface that shows a report.

The expected answer of each cell comes from one table (``READERS``, read by ``opens``,
``handles`` and ``identity``): who may open the report at all, how much of the reporter
they may know, whether they read the notes between desks (ADR 0010). Each cell then asks
the surface itself (a page, the API, Open311, a search, an export, a notification on each
channel, a webhook payload, an attachment) and greps the whole answer for the reporter's
name, e-mail and phone and for the desk's note markers, which the world seeds uniquely.

The world is built once for the module inside a transaction rolled back at the end. A
test is one surface and reader (a kind and recipient, an event and endpoint) and asks
about every subject, each in a savepoint, listing the failing cells: 888 tests, 5252
cells (``CELL_COUNT``). A new URL, notification kind or channel, webhook event or export
format without a row here fails ``test_every_*``.
"""

from __future__ import annotations

import dataclasses
import enum
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from PIL import Image

from aduan.accounts.services import token_create
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    ProgrammeOverseerFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.channels.open311.services import api_key_issue
from aduan.channels.sms.sender import sms_text
from aduan.channels.x.sender import message_text
from aduan.exports.models import ExportList
from aduan.exports.responses import ExportFormat
from aduan.exports.services import export_job_build
from aduan.integrations.models import WebhookEndpoint, WebhookEvent
from aduan.integrations.payloads import delivery_payload, delivery_withdrawn
from aduan.integrations.services import (
    integration_token_create,
    webhook_send_test,
    webhooks_emit,
    webhooks_emit_deadline_reminder,
)
from aduan.notifications import listeners as notification_listeners
from aduan.notifications.models import (
    Notification,
    NotificationChannel,
    NotificationKind,
    PushSubscription,
)
from aduan.notifications.senders import channels
from aduan.notifications.senders.push import push_payload
from aduan.notifications.services import notify
from aduan.notifications.tests.push_service import PUSH_SETTINGS, device_keys
from aduan.programmes.tests.factories import ReportProgrammeFactory
from aduan.reports.attachments import attachment_store, prepare_upload
from aduan.reports.models import (
    EventAction,
    ReportEvent,
    ReportFollower,
    ReportSupport,
    Status,
)
from aduan.reports.tests.factories import ReportFactory, pdf_bytes
from aduan.sla.models import Deadline, DeadlineKind
from aduan.workflow import sweep

# --- The one table -------------------------------------------------------------------------


class Scope(enum.Enum):
    """Which reports a reader opens besides the public ones (ADR 0010)."""

    PUBLIC = "public"  # the public ones only
    OWN = "own"  # and their own
    ALL = "all"  # every report (the national desk, oversight)
    SUBTREE = "subtree"  # those the handling agency or one below their agency handles
    PROGRAMME = "programme"  # those tagged with a priority programme (the KSP)


class Id(enum.IntEnum):
    """How much of the reporter a reader may know (``ReporterVisibility``)."""

    NONE = 0  # anonymous: not even the name
    NAME = 1  # the name, never the e-mail or the phone
    FULL = 2  # name and contact details


class Via(enum.Enum):
    SESSION = "session"  # the site, signed in or not
    TOKEN = "token"  # the API with a personal bearer token (or none)
    OPEN311 = "open311"  # Open311 reads (and the key's POSTs)
    INTEGRATION = "integration"  # the API with an agency's integration token


HUMAN = frozenset({Via.SESSION, Via.TOKEN, Via.OPEN311})


@dataclasses.dataclass(frozen=True)
class Reader:
    scope: Scope
    agency: str | None = None  # SUBTREE: whose subtree ("parent", "unit", "unrelated")
    sees_contact: bool = False  # FULL identity of every reporter (the national desk)
    via: frozenset[Via] = HUMAN


READERS: dict[str, Reader] = {
    "visitor": Reader(Scope.PUBLIC),
    "reporter": Reader(Scope.OWN),
    "other_citizen": Reader(Scope.OWN),
    "merged_reporter": Reader(Scope.OWN),
    "supporter": Reader(Scope.OWN),
    "national_admin": Reader(Scope.ALL, sees_contact=True),
    "oversight": Reader(Scope.ALL),
    "ksp": Reader(Scope.PROGRAMME),
    "unit_admin": Reader(Scope.SUBTREE, "unit"),
    "unit_officer": Reader(Scope.SUBTREE, "unit"),
    "parent_admin": Reader(Scope.SUBTREE, "parent"),
    "parent_officer": Reader(Scope.SUBTREE, "parent"),
    "unrelated_admin": Reader(Scope.SUBTREE, "unrelated"),
    "unrelated_officer": Reader(Scope.SUBTREE, "unrelated"),
    "open311_key": Reader(Scope.PUBLIC, via=frozenset({Via.OPEN311})),
    "unit_integration": Reader(Scope.SUBTREE, "unit", via=frozenset({Via.INTEGRATION})),
    "unrelated_integration": Reader(Scope.SUBTREE, "unrelated", via=frozenset({Via.INTEGRATION})),
}
# The agencies: the report's unit sits under "parent"; "unrelated" is another ministry.
SUBTREES = {"unit": {"unit"}, "parent": {"parent", "unit"}, "unrelated": {"unrelated"}}


@dataclasses.dataclass(frozen=True)
class Subject:
    """A report of the world: its flags and state, and whose it is."""

    anonymous: bool = False
    confidential: bool = False
    status: str = Status.DISPOSITIONED
    with_unit: bool = True  # handled by the unit (verified), or still with nobody
    tagged: bool = False  # a national priority programme
    reporter: str = "reporter"
    merged: bool = False  # a duplicate merged into "plain"

    @property
    def public(self) -> bool:
        return not self.confidential and self.status in {
            Status.DISPOSITIONED,
            Status.IN_PROGRESS,
            Status.RESPONDED,
            Status.CLOSED,
        }


SUBJECTS: dict[str, Subject] = {
    "plain": Subject(),
    "anonymous": Subject(anonymous=True),
    "confidential": Subject(confidential=True, tagged=True),
    "anon_confidential": Subject(anonymous=True, confidential=True),
    "waiting": Subject(status=Status.SUBMITTED, with_unit=False),
    "closed": Subject(status=Status.CLOSED),
    "spam": Subject(status=Status.ARCHIVED, with_unit=False),
    "merged": Subject(
        status=Status.ARCHIVED, with_unit=False, reporter="merged_reporter", merged=True
    ),
}


def handles(reader: str, subject: str) -> bool:
    """Whether ``reader`` works on ``subject`` as staff: reads its notes between desks."""
    rule, report = READERS[reader], SUBJECTS[subject]
    if rule.scope is Scope.ALL:
        return True
    if rule.scope is Scope.PROGRAMME:
        return report.tagged
    if rule.scope is Scope.SUBTREE:
        return report.with_unit and "unit" in SUBTREES[rule.agency or ""]
    return False


def owns(reader: str, subject: str) -> bool:
    return SUBJECTS[subject].reporter == reader


def opens(reader: str, subject: str) -> bool:
    """Whether ``reader`` may open ``subject`` at all (and so be told about it)."""
    return SUBJECTS[subject].public or owns(reader, subject) or handles(reader, subject)


def identity(reader: str, subject: str) -> Id:
    if owns(reader, subject) or READERS[reader].sees_contact:
        return Id.FULL
    return Id.NONE if SUBJECTS[subject].anonymous else Id.NAME


# --- What the answers are grepped for ------------------------------------------------------

PEOPLE = {
    "reporter": (
        "Sutrisno Qomaruddin Matrikswara",
        "sutrisno.matriks@example.id",
        "+6281311122233",
    ),
    "merged_reporter": ("Wulandari Kembangmatriks", "wulan.kembang@example.id", "+6285744455566"),
}


def phone_forms(phone: str) -> tuple[str, ...]:
    """The ways a page may print a number: +62…, 62…, 0…, and its last eight digits."""
    digits = phone.lstrip("+")
    return (phone, digits, "0" + digits[2:], digits[-8:])


def word(subject: str) -> str:
    """The unique word of the subject's text (what search finds)."""
    return "kuncimatriks" + subject.replace("_", "")


def desk_note(subject: str) -> str:
    return f"MEJADESK{subject.upper()}"


def internal_note(subject: str) -> str:
    return f"INTERNALNOTE{subject.upper()}"


def markers(subject: str) -> tuple[str, str]:
    return desk_note(subject), internal_note(subject)


@dataclasses.dataclass
class Answer:
    status: int
    headers: str
    body: str

    @property
    def text(self) -> str:
        return self.headers + "\n" + self.body


def answer(response) -> Answer:
    """The whole answer as text: a streamed or file response read out, a spreadsheet
    unzipped, the headers (a download's file name) included."""
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b"".join(archive.read(name) for name in archive.namelist())
    headers = "\n".join(f"{key}: {value}" for key, value in response.items())
    return Answer(response.status_code, headers, data.decode("utf-8", "replace"))


def check_text(text: str, *, reader: str, subject: str, where: str) -> list[str]:
    """What ``text`` shows of ``subject`` that ``reader`` may not read."""
    problems = []
    name, email, phone = PEOPLE[SUBJECTS[subject].reporter]
    level = identity(reader, subject)
    if level < Id.NAME and name in text:
        problems.append(f"{where}: the anonymous reporter's name")
    if level < Id.FULL:
        if email in text:
            problems.append(f"{where}: the reporter's e-mail")
        if any(form in text for form in phone_forms(phone)):
            problems.append(f"{where}: the reporter's phone")
    if not handles(reader, subject):
        problems += [f"{where}: the desk note {m}" for m in markers(subject) if m in text]
    return problems


# --- The world ------------------------------------------------------------------------------


@dataclasses.dataclass
class World:
    users: dict[str, Any]
    reports: dict[str, Any]
    tokens: dict[str, str]
    attachments: dict[str, Any]
    events: dict[tuple[str, str], Any]
    agencies: dict[str, Any]
    endpoints: dict[str, Any]
    open311_key: str
    pictures: dict[str, Any] = dataclasses.field(default_factory=dict)
    cache: dict[Any, Any] = dataclasses.field(default_factory=dict)


def _build() -> World:
    parent = AgencyFactory(name="Kementerian Matriks Induk")
    unit = UnitFactory(parent=parent, name="Direktorat Matriks Penanganan")
    unrelated = AgencyFactory(name="Kementerian Matriks Lain")
    users: dict[str, Any] = {"visitor": None}
    for key, (name, email, phone) in PEOPLE.items():
        users[key] = UserFactory(full_name=name, email=email, phone=phone)
    users |= {
        "other_citizen": UserFactory(),
        "supporter": UserFactory(),
        "national_admin": NationalAdminFactory(),
        "oversight": OversightFactory(),
        "ksp": ProgrammeOverseerFactory(),
        "unit_admin": AgencyAdminFactory(agency=unit),
        "unit_officer": UnitOfficerFactory(agency=unit),
        "parent_admin": AgencyAdminFactory(agency=parent),
        "parent_officer": UnitOfficerFactory(agency=parent),
        "unrelated_admin": AgencyAdminFactory(agency=unrelated),
        "unrelated_officer": UnitOfficerFactory(agency=unrelated),
    }
    tokens = {key: token_create(user=user)[1] for key, user in users.items() if user}
    for key, admin in (
        ("unit_integration", "unit_admin"),
        ("unrelated_integration", "unrelated_admin"),
    ):
        token, raw = integration_token_create(actor=users[admin], name="Sistem matriks")
        users[key] = token.user
        tokens[key] = raw
    _key, open311_raw = api_key_issue(actor=users["national_admin"], organisation="Kota Matriks")
    # Push on every device: each notification is also written for push (never sent: the
    # delivery is enqueued on a commit that never comes), and its payload read.
    keys = device_keys()
    for key, user in users.items():
        if user is not None:
            PushSubscription.objects.create(
                user=user,
                endpoint=f"https://fcm.googleapis.com/fcm/send/matriks-{key}",
                p256dh=keys.p256dh,
                auth=keys.auth,
            )

    reports, events, attachments, pictures = {}, {}, {}, {}
    for key, subject in SUBJECTS.items():
        reporter = users[subject.reporter]
        report = ReportFactory(
            reporter=reporter,
            title=f"Laporan matriks {key.replace('_', ' ')} tentang jalan",
            body=f"Jalan berlubang di depan pasar {word(key)} sudah tiga bulan tidak diperbaiki.",
            anonymous=subject.anonymous,
            confidential=subject.confidential,
            status=subject.status,
            agency=unit if subject.with_unit else None,
            disposed_agency=unit if subject.with_unit else None,
            requested_agency=unit,
        )
        reports[key] = report
        desk = users["national_admin"]
        if subject.with_unit:
            events[key, "staff"] = ReportEvent.objects.create(
                report=report,
                actor=desk,
                actor_role=desk.role,
                actor_agency=desk.agency,
                action=EventAction.DISPOSED,
                from_status=Status.SUBMITTED,
                to_status=report.status,
                target_agency=unit,
                note=f"Catatan untuk instansi {desk_note(key)}",
            )
        else:
            events[key, "staff"] = ReportEvent.objects.create(
                report=report,
                actor=desk,
                actor_role=desk.role,
                action=EventAction.NOTE,
                note=f"Catatan meja {desk_note(key)}",
                is_public=False,
            )
        author = users["unit_admin"] if subject.with_unit else desk
        events[key, "internal"] = ReportEvent.objects.create(
            report=report,
            actor=author,
            actor_role=author.role,
            actor_agency=author.agency,
            action=EventAction.NOTE,
            note=f"Catatan internal {internal_note(key)}",
            is_public=False,
        )
        for action in (EventAction.COMMENTED, EventAction.ANSWERED):
            events[key, action] = ReportEvent.objects.create(
                report=report,
                actor=reporter,
                actor_role=reporter.role,
                action=action,
                note=f"Tambahan dari pelapor untuk {word(key)}",
            )
        # A PDF whose author is the reporter: the upload's cleaning must drop it.
        name, email, _phone = PEOPLE[subject.reporter]
        prepared = prepare_upload(
            name="bukti.pdf", chunks=[pdf_bytes(author=name, xmp_author=email)]
        )
        attachments[key] = attachment_store(report=report, prepared=prepared, actor=reporter)
        # A photo, with its thumbnail (the public cards' picture).
        photo = io.BytesIO()
        Image.new("RGB", (48, 32), (20, 90, 160)).save(photo, format="JPEG")
        prepared = prepare_upload(name="foto.jpg", chunks=[photo.getvalue()])
        pictures[key] = attachment_store(report=report, prepared=prepared, actor=reporter)
        for follower in ("supporter", "merged_reporter"):
            if subject.reporter != follower:
                ReportFollower.objects.create(report=report, user=users[follower])
        if subject.public:
            ReportSupport.objects.create(report=report, user=users["supporter"])
        if subject.tagged:
            ReportProgrammeFactory(report=report)
    reports["merged"].merged_into = reports["plain"]
    reports["merged"].save(update_fields=["merged_into"])

    endpoints = {
        key: WebhookEndpoint.objects.create(
            agency=agency,
            url=f"https://{key}.matriks.example.id/hook",
            secret_salt=f"salt-{key}",
            events=[value for value in WebhookEvent.values if value != WebhookEvent.PING],
        )
        for key, agency in (("unit", unit), ("parent", parent), ("unrelated", unrelated))
    }
    return World(
        users=users,
        reports=reports,
        tokens=tokens,
        attachments=attachments,
        pictures=pictures,
        events=events,
        agencies={"unit": unit, "parent": parent, "unrelated": unrelated},
        endpoints=endpoints,
        open311_key=open311_raw,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once; every cell runs in a savepoint of this transaction, rolled back after."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            from django.utils import translation

            with translation.override("en"):
                built = _build()
                # Signed in now: a session written inside a cell would roll back with it.
                for reader, rule in READERS.items():
                    if Via.SESSION in rule.via:
                        session_client(built, reader)
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def session_client(world: World, reader: str) -> Client:
    key = ("session", reader)
    if key not in world.cache:
        client = Client(headers={"accept-language": "en"})
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        if world.users.get(reader) is not None:
            client.force_login(world.users[reader])
        world.cache[key] = client
    return world.cache[key]


def api_headers(world: World, reader: str) -> dict[str, str]:
    token = world.tokens.get(reader)
    return {"authorization": f"Bearer {token}"} if token else {}


def api_get(world: World, reader: str, path: str, **params) -> Answer:
    response = Client().get(path, params, headers=api_headers(world, reader))
    return answer(response)


def page_get(world: World, reader: str, path: str, **params) -> Answer:
    response = session_client(world, reader).get(path, params)
    return answer(response)


def open311_get(world: World, reader: str, path: str, **params) -> Answer:
    if reader == "open311_key":
        params["api_key"] = world.open311_key
    response = Client().get(path, params)
    return answer(response)


# --- The surfaces ---------------------------------------------------------------------------


class Gate(enum.Enum):
    """Who gets a 2xx from a surface: exactly these readers, or at most these (a write, or
    a read for only some of them, such as the desk's router suggestions)."""

    OPENERS = "openers"  # exactly who may open the report
    PUBLIC = "public"  # exactly everyone, for a public report (Open311 ignores who asks)
    HANDLERS = "handlers"  # exactly the staff who work on it (the staff pages)
    OWNER = "owner"  # exactly the reporter (the confirmation after sending)
    SOME_OPENERS = "some openers"  # a write: never anyone who may not open it
    SOME_HANDLERS = "some handlers"  # a staff tool: never anyone who does not work on it

    def allows(self, reader: str, subject: str) -> bool:
        if self in (Gate.HANDLERS, Gate.SOME_HANDLERS):
            return handles(reader, subject)
        if self is Gate.OWNER:
            return owns(reader, subject)
        if self is Gate.PUBLIC:
            return SUBJECTS[subject].public
        return opens(reader, subject)

    @property
    def exact(self) -> bool:
        return self in (Gate.OPENERS, Gate.PUBLIC, Gate.HANDLERS, Gate.OWNER)


@dataclasses.dataclass(frozen=True)
class ReportSurface:
    """A URL about one report: how to request it, and who gets it."""

    via: Via | tuple[Via, ...]
    request: Callable[[World, str, str], Answer]
    gate: Gate = Gate.OPENERS
    shows_word: bool = True  # a 200 holds the report's unique word
    shows_notes: bool = False  # a handler finds the desk notes in it
    shows_name: bool = False  # who may know the name finds it


def _tracking(world: World, subject: str) -> str:
    return world.reports[subject].tracking_id


def _page(name: str, **params) -> Callable[[World, str, str], Answer]:
    def request(world: World, reader: str, subject: str) -> Answer:
        return page_get(world, reader, reverse(name, args=[_tracking(world, subject)]), **params)

    return request


def _api(name: str, method: str = "get") -> Callable[[World, str, str], Answer]:
    def request(world: World, reader: str, subject: str) -> Answer:
        path = reverse(name, kwargs={"tracking_id": _tracking(world, subject)})
        response = getattr(Client(), method)(
            path,
            {} if method == "get" else "{}",
            content_type="application/json",
            headers=api_headers(world, reader),
        )
        return answer(response)

    return request


def _page_post(name: str) -> Callable[[World, str, str], Answer]:
    def request(world: World, reader: str, subject: str) -> Answer:
        path = reverse(name, args=[_tracking(world, subject)])
        response = session_client(world, reader).post(path, {})
        return answer(response)

    return request


def _attachment_page(world: World, reader: str, subject: str) -> Answer:
    path = reverse("web:attachment_download", args=[world.attachments[subject].pk])
    return page_get(world, reader, path)


def _thumbnail_page(world: World, reader: str, subject: str) -> Answer:
    path = reverse("web:attachment_thumbnail", args=[world.pictures[subject].pk])
    return page_get(world, reader, path)


def _attachment_api(world: World, reader: str, subject: str) -> Answer:
    path = reverse(
        "api:report_attachment",
        kwargs={
            "tracking_id": _tracking(world, subject),
            "attachment_id": world.attachments[subject].pk,
        },
    )
    return api_get(world, reader, path)


def _open311_detail(world: World, reader: str, subject: str) -> Answer:
    path = reverse(
        "open311:request_detail",
        kwargs={"service_request_id": _tracking(world, subject), "fmt": "json"},
    )
    return open311_get(world, reader, path)


API = (Via.TOKEN, Via.INTEGRATION)
ACTIONS = (
    "dispose", "hold", "archive", "merge", "set_flags", "redact", "set_programmes", "accept",
    "return", "forward", "extend", "respond", "comment", "answer", "close", "reopen", "rate",
)  # fmt: skip

REPORT_SURFACES: dict[str, ReportSurface] = {
    "web:track_detail": ReportSurface(
        Via.SESSION, _page("web:track_detail"), shows_notes=True, shows_name=True
    ),
    "web:staff_report": ReportSurface(
        Via.SESSION, _page("web:staff_report"), Gate.HANDLERS, shows_notes=True
    ),
    "web:staff_response_template": ReportSurface(
        Via.SESSION, _page("web:staff_response_template"), Gate.SOME_HANDLERS, shows_word=False
    ),
    "web:report_sent": ReportSurface(
        Via.SESSION, _page("web:report_sent"), Gate.OWNER, shows_word=False
    ),
    "web:attachment_download": ReportSurface(Via.SESSION, _attachment_page, shows_word=False),
    "web:attachment_thumbnail": ReportSurface(Via.SESSION, _thumbnail_page, shows_word=False),
    "web:report_support": ReportSurface(
        Via.SESSION, _page_post("web:report_support"), Gate.SOME_OPENERS, shows_word=False
    ),
    "web:report_follow": ReportSurface(
        Via.SESSION, _page_post("web:report_follow"), Gate.SOME_OPENERS, shows_word=False
    ),
    "api:report_detail": ReportSurface(API, _api("api:report_detail"), shows_notes=True),
    "api:report_attachment": ReportSurface(API, _attachment_api, shows_word=False),
    "api:report_triage": ReportSurface(
        API, _api("api:report_triage"), Gate.SOME_HANDLERS, shows_word=False
    ),
    "api:report_attachment_add": ReportSurface(
        API, _api("api:report_attachment_add", "post"), Gate.SOME_OPENERS, shows_word=False
    ),
    "api:report_response_with_files": ReportSurface(
        API, _api("api:report_response_with_files", "post"), Gate.SOME_OPENERS, shows_word=False
    ),
    "api:report_support": ReportSurface(
        API, _api("api:report_support", "post"), Gate.SOME_OPENERS, shows_word=False
    ),
    "api:report_unsupport": ReportSurface(
        API, _api("api:report_unsupport", "delete"), Gate.SOME_OPENERS, shows_word=False
    ),
    **{
        f"api:report_action_{action}": ReportSurface(
            API, _api(f"api:report_action_{action}", "post"), Gate.SOME_OPENERS, shows_word=False
        )
        for action in ACTIONS
    },
    "open311:request_detail": ReportSurface(Via.OPEN311, _open311_detail, Gate.PUBLIC),
}

# Every other URL, and why it shows no report by its id (lists are ``LIST_SURFACES``).
NOT_ABOUT_ONE_REPORT = {
    "admin": "Django's admin: national desk and operators; reports/tests/test_admin.py",
    "allauth": "sign-in pages",
    "set_language": "no report",
    "accounts:profile": "the user's own account",
    "accounts:api_tokens": "the user's own tokens",
    "accounts:api_token_revoke": "the user's own tokens",
    "channels:linked": "the user's own channels",
    "channels:unlink": "the user's own channels",
    "api:api-root": "no report",
    "api:openapi-json": "the schema",
    "api:openapi-view": "the schema",
    "api:not_found": "no report",
    "api:auth_register": "no report",
    "api:auth_token": "no report",
    "api:auth_token_revoke": "no report",
    "api:auth_tokens": "the user's own tokens",
    "api:auth_token_revoke_one": "the user's own tokens",
    "api:auth_me": "the user's own account",
    "api:linked_channels": "the user's own channels",
    "api:claim_code": "the user's own channels",
    "api:linked_channel_delete": "the user's own channels",
    "api:report_submit": "writes a new report",
    "api:export_job": "the owner's own job (its file: exports/tests/test_jobs.py)",
    "api:export_job_download": "the owner's own job (its file: exports/tests/test_jobs.py)",
    "api:agency_list": "no report",
    "api:category_list": "no report",
    "api:region_list": "no report",
    "api:stats_agencies": "counts only, small ones withheld",
    "api:stats_programmes": "counts only, small ones withheld",
    "sms:inbound": "a gateway: answers by SMS (channels/sms tests)",
    "channels_x:webhook": "a gateway",
    "open311:root": "discovery",
    "open311:discovery": "discovery",
    "open311:v2_discovery": "discovery",
    "open311:services": "categories",
    "open311:service_definition": "categories",
    "open311:token": "the tracking id of a post, for its poster",
    "notifications:list": "the user's own notifications (their text: NOTIFICATION cells)",
    "notifications:read": "the user's own notifications",
    "notifications:read_all": "the user's own notifications",
    "notifications:preferences": "the user's own choices",
    "notifications:push_subscribe": "the user's own devices",
    "notifications:push_unsubscribe": "the user's own devices",
    "notifications:push_check": "the user's own devices",
    "sla:day_offs": "the calendar",
    "sla:day_off_delete": "the calendar",
    "webhooks:integration": "endpoints and tokens (payloads: WEBHOOK cells)",
    "webhooks:endpoint_log": "delivery log: event ids and states, no payload",
    "webhooks:endpoint_disable": "endpoint settings",
    "webhooks:endpoint_enable": "endpoint settings",
    "webhooks:endpoint_secret": "endpoint settings",
    "webhooks:endpoint_test": "sends the ping (WEBHOOK cells)",
    "webhooks:endpoint_delete": "endpoint settings",
    "webhooks:token_create": "integration tokens",
    "webhooks:token_revoke": "integration tokens",
    "exports:jobs": "the owner's own jobs",
    "exports:job": "the owner's own job",
    "oversight:dashboard": "figures",
    "oversight:monthly_reports": "figures",
    "oversight:monthly_report_download": "figures",
    "triage:accuracy": "figures",
    "public_statistics:index": "figures",
    "public_statistics:agencies_csv": "figures",
    "public_statistics:programmes_csv": "figures",
    "public_statistics:agency": "figures",
    "web:favicon": "no report",
    "web:manifest": "no report",
    "web:service_worker": "no report",
    "web:offline": "no report (the same page for everyone)",
    "web:report_new": "the form",
    "web:report_similar": "open public reports like the one being typed (web/tests/test_support.py)",
    "web:track": "the search box",
    "web:region_options": "no report",
    "web:agency_suggestions": "no report",
}

# --- Lists, searches and exports: one subject at a time, found by its word --------------

INBOX_STATUSES = {Status.DISPOSITIONED, Status.IN_PROGRESS, Status.RESPONDED}
QUEUE_STATUSES = {Status.SUBMITTED, Status.RETURNED}


def in_public(reader: str, subject: str) -> bool:
    return SUBJECTS[subject].public


def in_mine(reader: str, subject: str) -> bool:
    return owns(reader, subject)


def in_inbox(reader: str, subject: str) -> bool:
    return handles(reader, subject) and SUBJECTS[subject].status in INBOX_STATUSES


def in_exported_inbox(reader: str, subject: str) -> bool:
    """The inbox as a file: for people, never for an agency's system (its token is
    refused by every endpoint that does not serve agency systems)."""
    return in_inbox(reader, subject) and Via.INTEGRATION not in READERS[reader].via


def in_queue(reader: str, subject: str) -> bool:
    return READERS[reader].scope is Scope.ALL and SUBJECTS[subject].status in QUEUE_STATUSES


@dataclasses.dataclass(frozen=True)
class ListSurface:
    """A list of reports, read once per reader (``by_word``: once per reader and subject,
    searched for the subject's word: the search and its snippets)."""

    via: Via | tuple[Via, ...]
    request: Callable[..., Answer]
    holds: Callable[[str, str], bool]
    by_word: bool = False


def _list_page(name: str, *args: str, **params) -> Callable[..., Answer]:
    def request(world: World, reader: str, subject: str | None = None) -> Answer:
        if subject is not None:
            params["q"] = word(subject)
        return page_get(world, reader, reverse(name, args=args), **params)

    return request


def _list_api(name: str, **params) -> Callable[..., Answer]:
    def request(world: World, reader: str, subject: str | None = None) -> Answer:
        if subject is not None:
            params["q"] = word(subject)
        return api_get(world, reader, reverse(name), **params)

    return request


def _export_job(world: World, reader: str, subject: str | None = None) -> Answer:
    """The inbox exported in the background: the job built as the worker builds it, then
    its file downloaded (and the job's e-mail to its owner read)."""
    client = session_client(world, reader)
    started = client.get(reverse("exports:inbox", args=[ExportFormat.CSV]), {"background": "1"})
    if started.status_code != 302 or _refused(answer(started)):
        return answer(started)
    job_id = resolve(started["Location"]).kwargs["job_id"]
    mail.outbox.clear()
    export_job_build(job_id=job_id)
    file = answer(client.get(reverse("exports:job_download", args=[job_id])))
    file.headers += "".join(f"\n{message.subject}\n{message.body}" for message in mail.outbox)
    return file


def _open311_list(world: World, reader: str, subject: str | None = None) -> Answer:
    return open311_get(world, reader, reverse("open311:requests", kwargs={"fmt": "json"}))


LIST_SURFACES: dict[str, ListSurface] = {
    "web:home": ListSurface(Via.SESSION, _list_page("web:home"), in_public),
    "web:feed": ListSurface(Via.SESSION, _list_page("web:feed"), in_public),
    "web:feed?q": ListSurface(Via.SESSION, _list_page("web:feed"), in_public, by_word=True),
    "web:my_reports": ListSurface(Via.SESSION, _list_page("web:my_reports"), in_mine),
    "web:staff_inbox": ListSurface(Via.SESSION, _list_page("web:staff_inbox"), in_inbox),
    "web:staff_queue": ListSurface(Via.SESSION, _list_page("web:staff_queue"), in_queue),
    "api:report_list": ListSurface(API, _list_api("api:report_list"), in_public),
    "api:report_list?mine": ListSurface(API, _list_api("api:report_list", mine="true"), in_mine),
    "api:inbox": ListSurface(API, _list_api("api:inbox"), in_inbox),
    "api:inbox?q": ListSurface(API, _list_api("api:inbox"), in_inbox, by_word=True),
    **{
        f"api:inbox_export.{fmt}": ListSurface(
            API, _list_api("api:inbox_export", format=fmt), in_exported_inbox
        )
        for fmt in ExportFormat
    },
    **{
        f"exports:{name}.{fmt}": ListSurface(Via.SESSION, _list_page(f"exports:{name}", fmt), holds)
        for name, holds in (("inbox", in_inbox), ("queue", in_queue))
        for fmt in ExportFormat
    },
    "exports:job_download": ListSurface(Via.SESSION, _export_job, in_inbox),
    "open311:requests": ListSurface(Via.OPEN311, _open311_list, in_public),
}


def _items(value: Any) -> Iterator[str]:
    """Each report of a JSON answer (an object with its tracking id), as text."""
    if isinstance(value, dict):
        if "tracking_id" in value or "service_request_id" in value:
            yield json.dumps(value, ensure_ascii=False)
            return
        for inner in value.values():
            yield from _items(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _items(inner)


def entries(body: str) -> list[str]:
    """A list's answer cut into one piece per report: JSON items, spreadsheet rows, CSV
    lines, the cards and rows of a page."""
    stripped = body.lstrip()
    if stripped[:1] in "[{":
        try:
            return list(_items(json.loads(stripped)))
        except ValueError:
            pass
    if "<row " in body:
        return body.split("<row ")
    if "<html" in body or "<li" in body:
        return re.split(r'(?=<li class="card|<tr class="queue-row)', body)
    return body.splitlines()


# The export lists (``ExportList``) and the surfaces that export them.
EXPORTED_LISTS = {ExportList.INBOX: "inbox", ExportList.QUEUE: "queue"}


# --- Notifications: who is told, and what each channel says -----------------------------

REPORTER_SIDE = "reporter"  # the reporter and the report's followers
AGENCY_SIDE = "agency"  # the handling agency's admins (and the parent's), the unit's officers
DEADLINE = "deadline"  # the acting party of a deadline (the sweep)
ESCALATION = "escalation"  # the admins above the agency that missed it, and oversight


@dataclasses.dataclass(frozen=True)
class KindRow:
    sides: tuple[str, ...]
    event: str | None  # the subject's event the notice is about ("staff": the desk's note)


NOTIFICATION_KINDS: dict[str, KindRow] = {
    NotificationKind.STATUS_CHANGED: KindRow((REPORTER_SIDE, AGENCY_SIDE), "staff"),
    NotificationKind.RESPONSE_POSTED: KindRow((REPORTER_SIDE,), "staff"),
    NotificationKind.COMMENT_POSTED: KindRow((REPORTER_SIDE, AGENCY_SIDE), "staff"),
    NotificationKind.DISPOSITION_RECEIVED: KindRow((AGENCY_SIDE,), "staff"),
    NotificationKind.DEADLINE_REMINDER: KindRow((DEADLINE,), None),
    NotificationKind.DEADLINE_OVERDUE: KindRow((DEADLINE,), "internal"),
    NotificationKind.ESCALATION: KindRow((ESCALATION,), "internal"),
    NotificationKind.REPORT_MERGED: KindRow((REPORTER_SIDE,), "staff"),
}
# What each channel's text is made of (the SMS and the X post are built from the row).
NOTIFICATION_CHANNELS: dict[str, Callable[[Notification], str]] = {
    NotificationChannel.IN_APP: lambda row: f"{row.subject}\n{row.body}\n{row.url}",
    NotificationChannel.EMAIL: lambda row: f"{row.subject}\n{row.body}\n{row.url}",
    "sms": sms_text,
    "x": message_text,
    "push": lambda row: push_payload(row).decode(),
}


FOLLOWERS = {"supporter", "merged_reporter"}  # follow every subject but their own


def _with_unit(subject: str) -> bool:
    return SUBJECTS[subject].with_unit


# Who each side is, for a subject (the listeners' and the sweep's choice, as it should be).
SIDE_RECIPIENTS: dict[str, Callable[[str, str], bool]] = {
    REPORTER_SIDE: lambda reader, subject: (
        opens(reader, subject) and (owns(reader, subject) or reader in FOLLOWERS)
    ),
    AGENCY_SIDE: lambda reader, subject: (
        _with_unit(subject) and reader in {"unit_admin", "unit_officer", "parent_admin"}
    ),
    # An agency's deadline tells the unit's staff; the desk's (verification) the desk.
    DEADLINE: lambda reader, subject: (
        reader in {"unit_admin", "unit_officer"}
        if _with_unit(subject)
        else reader == "national_admin"
    ),
    ESCALATION: lambda reader, subject: (
        _with_unit(subject) and reader in {"parent_admin", "oversight"}
    ),
}


def told(reader: str, subject: str, kind: str) -> bool:
    """Whether ``reader`` is told of ``kind`` about ``subject``."""
    return any(SIDE_RECIPIENTS[side](reader, subject) for side in NOTIFICATION_KINDS[kind].sides)


def _emit_notifications(world: World, subject: str, kind: str) -> list[Notification]:
    """Run the real choice of recipients for ``kind`` and write the rows."""
    report = world.reports[subject]
    row = NOTIFICATION_KINDS[kind]
    event = world.events[subject, row.event] if row.event else None
    unit = world.agencies["unit"]
    before = set(Notification.objects.values_list("pk", flat=True))
    with override_settings(**PUSH_SETTINGS):
        _emit_sides(world, subject, kind, report=report, event=event, unit=unit, row=row)
    return list(Notification.objects.exclude(pk__in=before).select_related("recipient"))


def _emit_sides(world: World, subject: str, kind: str, *, report, event, unit, row) -> None:
    for side in row.sides:
        if side == REPORTER_SIDE:
            notification_listeners.reporter(report=report, event=event, kind=kind)
        elif side == AGENCY_SIDE and report.agency_id:
            notification_listeners.agency_staff(
                report=report, event=event, agency=report.agency, kind=kind
            )
        elif side == ESCALATION and not report.agency_id:
            continue  # only an agency's deadline is escalated
        elif side in (DEADLINE, ESCALATION):
            recipients = sweep._Recipients()
            deadline = Deadline(
                report=report,
                kind=DeadlineKind.RESPONSE if report.agency_id else DeadlineKind.VERIFICATION,
                agency=unit if report.agency_id else None,
                due_at=timezone.now(),
            )
            if side == DEADLINE:
                people = recipients.acting_party(deadline, report)
                context = {"due": timezone.localdate()}
            else:
                people = [*recipients.parent_admins(report.agency), *recipients.oversight()]
                context = {"note": event.note if event else ""}
            notify(
                recipients=people,
                kind=kind,
                report=report,
                event=event,
                context=context,
                key=f"matrix:{subject}:{kind}",
            )


def notifications_for(world: World, subject: str, kind: str) -> dict[int, list[tuple[str, str]]]:
    """(channel, text) of each row written, by recipient; computed once per (subject, kind)."""
    key = ("notifications", subject, kind)
    if key not in world.cache:
        rows = _emit_notifications(world, subject, kind)
        by_user: dict[int, list[tuple[str, str]]] = {}
        for row in rows:
            texts = [(row.channel, NOTIFICATION_CHANNELS[row.channel](row))]
            if row.channel == NotificationChannel.EMAIL:
                # SMS and X are written for those reachable there; their text is built
                # from the row as for e-mail: read it for every recipient.
                texts += [(name, NOTIFICATION_CHANNELS[name](row)) for name in ("sms", "x")]
            by_user.setdefault(row.recipient_id, []).extend(texts)
        world.cache[key] = by_user
    return world.cache[key]


# --- Webhooks: which endpoints hear, and what the payload says --------------------------


def _emit_webhooks(world: World, subject: str, event_kind: str):
    report = world.reports[subject]
    if event_kind == WebhookEvent.PING:
        return [
            webhook_send_test(actor=world.users[admin], endpoint_id=world.endpoints[owner].pk)
            for owner, admin in (("unit", "unit_admin"), ("unrelated", "unrelated_admin"))
        ]
    if event_kind == WebhookEvent.DEADLINE_REMINDER:
        if not report.agency_id:
            return []
        deadline = Deadline.objects.create(
            report=report,
            kind=DeadlineKind.RESPONSE,
            agency=report.agency,
            starts_at=timezone.now(),
            due_at=timezone.now(),
            timezone="Asia/Jakarta",
            rule="matrix",
            working_days=5,
        )
        return webhooks_emit_deadline_reminder(deadline=deadline, report=report)
    if not report.agency_id:
        return []  # the workflow tells no agency about a report no agency has
    kind, event = {
        WebhookEvent.DISPOSED: ("disposition_received", world.events[subject, "staff"]),
        WebhookEvent.COMMENTED: ("comment_posted", world.events[subject, EventAction.COMMENTED]),
        WebhookEvent.ANSWERED: ("comment_posted", world.events[subject, EventAction.ANSWERED]),
        WebhookEvent.STATUS_CHANGED: ("status_changed", world.events[subject, "staff"]),
    }[event_kind]
    return webhooks_emit(report=report, event=event, agency=report.agency, kind=kind)


WEBHOOK_READERS = {
    "unit": "unit_integration",
    "parent": "parent_admin",
    "unrelated": "unrelated_integration",
}


def webhook_payloads(world: World, subject: str, event_kind: str) -> dict[str, list[str]]:
    key = ("webhooks", subject, event_kind)
    if key not in world.cache:
        owners = {endpoint.pk: owner for owner, endpoint in world.endpoints.items()}
        payloads: dict[str, list[str]] = {}
        for delivery in _emit_webhooks(world, subject, event_kind):
            if delivery.report is not None and delivery_withdrawn(delivery):
                continue
            payloads.setdefault(owners[delivery.endpoint_id], []).append(
                json.dumps(delivery_payload(delivery), ensure_ascii=False)
            )
        world.cache[key] = payloads
    return world.cache[key]


# --- Completeness: a new URL, kind, channel, event or format needs a row -----------------

REPORT_KWARGS = {"tracking_id", "attachment_id", "service_request_id"}
GROUPED = {"admin": "admin", "allauth.urls": "allauth"}


def _walk(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, set[str]]]:
    """(key, the pattern's keyword arguments) of every URL, as tests/test_url_access.py
    names them; a grouped third-party set once."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            module = getattr(pattern.urlconf_name, "__name__", pattern.urlconf_name)
            group = GROUPED.get(pattern.namespace or "") or GROUPED.get(str(module))
            if group:
                yield group, set()
                continue
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _walk(pattern, inner)
        else:
            assert isinstance(pattern, URLPattern)
            key = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
            yield key, set(pattern.pattern.regex.groupindex)


def _list_url(key: str) -> str:
    """The URL a list row requests (its format and query left out)."""
    return key.split("?")[0].split(".")[0]


def test_every_url_about_a_report_has_a_row():
    urls = dict(_walk(get_resolver()))
    classified = (
        set(REPORT_SURFACES) | {_list_url(k) for k in LIST_SURFACES} | set(NOT_ABOUT_ONE_REPORT)
    )
    assert not sorted(set(urls) - classified), (
        "URLs missing from the access matrix: add a row to REPORT_SURFACES, LIST_SURFACES "
        "or (with the reason) NOT_ABOUT_ONE_REPORT."
    )
    assert not sorted(classified - set(urls)), "rows for URLs that are gone"
    by_id = sorted(key for key, kwargs in urls.items() if kwargs & REPORT_KWARGS)
    assert by_id
    assert not [key for key in by_id if key not in REPORT_SURFACES], (
        "a URL that takes a report's id must be requested by the matrix (REPORT_SURFACES)"
    )


def test_every_notification_kind_and_channel_has_a_row():
    assert set(NOTIFICATION_KINDS) == set(NotificationKind.values)
    assert set(NOTIFICATION_CHANNELS) == set(channels())


def test_every_webhook_event_has_a_row():
    assert set(WEBHOOK_EVENTS) == set(WebhookEvent.values)


def test_every_export_format_and_list_has_a_row():
    exported = {key for key in LIST_SURFACES if "." in key}
    expected = {f"exports:{name}.{fmt}" for name in EXPORTED_LISTS.values() for fmt in ExportFormat}
    expected |= {f"api:inbox_export.{fmt}" for fmt in ExportFormat}
    assert exported == expected
    assert set(EXPORTED_LISTS) == set(ExportList)


WEBHOOK_EVENTS = list(WebhookEvent.values)


# --- The cells ---------------------------------------------------------------------------


def _vias(via: Via | tuple[Via, ...]) -> tuple[Via, ...]:
    return via if isinstance(via, tuple) else (via,)


def _readers_of(via: Via | tuple[Via, ...]) -> list[str]:
    return [name for name, rule in READERS.items() if rule.via & set(_vias(via))]


# A write (an action, support, an upload) is asked, by each reader, about the reports
# hidden in each way: from the public and other agencies, from every agency (not verified
# yet), and another citizen's. Reads are asked about every subject.
WRITE_SUBJECTS = ("anon_confidential", "waiting", "merged")


def _subjects_of(row: ReportSurface) -> tuple[str, ...]:
    reads = row.gate.exact or row.gate is Gate.SOME_HANDLERS
    return tuple(SUBJECTS) if reads else WRITE_SUBJECTS


# A test per surface and reader (per kind and recipient, per event and endpoint) that asks
# about each subject and lists every cell that fails: one test per cell would spend more
# time on pytest-django's per-test transaction than on the requests.
REPORT_CELLS = [
    pytest.param(surface, reader, id=f"{surface}-{reader}")
    for surface, row in REPORT_SURFACES.items()
    for reader in _readers_of(row.via)
]
LIST_CELLS = [
    pytest.param(surface, reader, id=f"{surface}-{reader}")
    for surface, row in LIST_SURFACES.items()
    for reader in _readers_of(row.via)
]
NOTIFIED = [name for name, rule in READERS.items() if rule.via == HUMAN and name != "visitor"]
NOTIFICATION_CELLS = [
    pytest.param(kind, reader, id=f"{kind}-{reader}")
    for kind in NOTIFICATION_KINDS
    for reader in NOTIFIED
]
WEBHOOK_CELLS = [
    pytest.param(event, owner, id=f"{event}-{owner}")
    for event in WEBHOOK_EVENTS
    for owner in WEBHOOK_READERS
]
CELL_COUNT = sum(len(_subjects_of(REPORT_SURFACES[p.values[0]])) for p in REPORT_CELLS) + len(
    SUBJECTS
) * (len(LIST_CELLS) + len(NOTIFICATION_CELLS) + len(WEBHOOK_CELLS))
REFUSED = {302, 401, 403, 404}


def _refused(answer: Answer) -> bool:
    """A 401, 403 or 404, or a redirect to the sign-in page."""
    if answer.status == 302:
        return f"Location: {resolve_url(settings.LOGIN_URL)}?" in answer.headers
    return answer.status in REFUSED


def each_subject(subjects, check: Callable[[str], list[str]]) -> list[str]:
    """``check`` for each subject, each in a savepoint rolled back after it (a write in
    one cell is not seen by the next); every failing cell's problems."""
    problems = []
    for subject in subjects:
        with transaction.atomic():
            problems += [f"[{subject}] {problem}" for problem in check(subject)]
            transaction.set_rollback(True)
    return problems


def report_cell(world: World, surface: str, reader: str, subject: str) -> list[str]:
    row = REPORT_SURFACES[surface]
    answer = row.request(world, reader, subject)
    problems = check_text(answer.text, reader=reader, subject=subject, where=surface)
    allowed = row.gate.allows(reader, subject)
    if answer.status >= 500:
        return [f"{surface} failed with {answer.status}: {answer.body[:500]}"]
    if 200 <= answer.status < 300 or (answer.status == 302 and not _refused(answer)):
        if not allowed:
            problems.append(f"{surface} answered {answer.status}: it should refuse")
        elif answer.status == 200:
            if row.shows_word and word(subject) not in answer.text:
                problems.append(f"{surface}: the report's text is missing")
            if (
                row.shows_notes
                and handles(reader, subject)
                and desk_note(subject) not in answer.text
            ):
                problems.append(f"{surface}: the handler does not read the desk's note")
            name = PEOPLE[SUBJECTS[subject].reporter][0]
            if row.shows_name and identity(reader, subject) >= Id.NAME and name not in answer.text:
                problems.append(f"{surface}: the reporter's name is missing")
    else:
        if row.gate.exact and allowed:
            problems.append(f"{surface} refused with {answer.status}: it should answer")
        if (
            not _refused(answer)
            and answer.status != 400
            and answer.status != 409
            and answer.status != 422
        ):
            problems.append(f"{surface} answered {answer.status}")
        if word(subject) in answer.text:
            problems.append(f"{surface}: the report's text in a refusal")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize(("surface", "reader"), REPORT_CELLS)
def test_report_surface(world, surface, reader):
    subjects = _subjects_of(REPORT_SURFACES[surface])
    problems = each_subject(subjects, lambda subject: report_cell(world, surface, reader, subject))
    assert not problems, "\n".join(problems)


def list_answer(world: World, surface: str, reader: str, subject: str) -> Answer:
    row = LIST_SURFACES[surface]
    key = (surface, reader, subject if row.by_word else None)
    if key not in world.cache:
        world.cache[key] = row.request(world, reader, subject if row.by_word else None)
    return world.cache[key]


def list_cell(world: World, surface: str, reader: str, subject: str) -> list[str]:
    row = LIST_SURFACES[surface]
    answer = list_answer(world, surface, reader, subject)
    if answer.status >= 500:
        return [f"{surface} failed with {answer.status}: {answer.body[:500]}"]
    tracking_id = world.reports[subject].tracking_id
    pieces = entries(answer.body)
    mine = [entry for entry in pieces if tracking_id in entry]
    problems = []
    if bool(mine) is not row.holds(reader, subject):
        listed = "lists" if mine else "leaves out"
        problems.append(f"{surface} {listed} the report ({answer.status})")
    if bool(mine) is not (tracking_id in answer.body):
        problems.append(f"{surface}: the report's id outside an entry of the list")
    for entry in mine:
        problems += check_text(entry, reader=reader, subject=subject, where=surface)
    # Outside its own entry nothing of the subject shows (a note, a contact).
    rest = "\n".join([answer.headers, *(e for e in pieces if tracking_id not in e)])
    problems += [f"{surface}: {m} outside its entry" for m in markers(subject) if m in rest]
    _name, email, _phone = PEOPLE[SUBJECTS[subject].reporter]
    if identity(reader, subject) < Id.FULL and email in rest:
        problems.append(f"{surface}: the reporter's e-mail outside the entries")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize(("surface", "reader"), LIST_CELLS)
def test_list_surface(world, surface, reader):
    problems = each_subject(SUBJECTS, lambda subject: list_cell(world, surface, reader, subject))
    assert not problems, "\n".join(problems)


def notification_cell(world: World, kind: str, reader: str, subject: str) -> list[str]:
    texts = notifications_for(world, subject, kind).get(world.users[reader].pk, [])
    problems = []
    if bool(texts) is not told(reader, subject, kind):
        problems.append(f"{kind}: {'told' if texts else 'not told'}")
    if texts and not opens(reader, subject):
        problems.append(f"{kind}: told about a report they may not open")
    for channel, text in texts:
        problems += check_text(text, reader=reader, subject=subject, where=channel)
        if SUBJECTS[subject].confidential and channel != NotificationChannel.IN_APP:
            # E-mail, SMS and X of a confidential report carry none of its text.
            problems += [f"{channel}: {m}" for m in (word(subject), *markers(subject)) if m in text]
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "reader"), NOTIFICATION_CELLS)
def test_notification(world, kind, reader):
    problems = each_subject(
        SUBJECTS, lambda subject: notification_cell(world, kind, reader, subject)
    )
    assert not problems, "\n".join(problems)


def webhook_cell(world: World, event: str, owner: str, subject: str) -> list[str]:
    payloads = webhook_payloads(world, subject, event).get(owner, [])
    reader = WEBHOOK_READERS[owner]
    if event == WebhookEvent.PING:
        expected = owner in ("unit", "unrelated")
    else:
        expected = owner in ("unit", "parent") and SUBJECTS[subject].with_unit
    problems = []
    if bool(payloads) is not expected:
        problems.append(f"{event}: {'sent' if payloads else 'not sent'} to {owner}'s endpoint")
    for text in payloads:
        if event == WebhookEvent.PING:
            problems += [f"ping: {m}" for m in (word(subject), *markers(subject)) if m in text]
            continue
        if not opens(reader, subject):
            problems.append(f"{event}: sent to an agency that may not open the report")
        problems += check_text(text, reader=reader, subject=subject, where=event)
        if SUBJECTS[subject].confidential:
            problems += [
                f"{event}: {m} of a confidential report" for m in markers(subject) if m in text
            ]
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize(("event", "owner"), WEBHOOK_CELLS)
def test_webhook(world, event, owner):
    problems = each_subject(SUBJECTS, lambda subject: webhook_cell(world, event, owner, subject))
    assert not problems, "\n".join(problems)
