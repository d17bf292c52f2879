"""report_validate and report_submit: every rule, every error at once, all or nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import files_under
from django.db import IntegrityError
from django.utils import translation
from PIL import Image

from aduan.accounts.tests.factories import UnitOfficerFactory, UserFactory
from aduan.agencies.models import AgencyKind
from aduan.agencies.tests.factories import (
    AgencyFactory,
    NationalAdminAgencyFactory,
    OversightAgencyFactory,
    UnitFactory,
)
from aduan.categories.tests.factories import CategoryFactory
from aduan.core.errors import ValidationFailed
from aduan.regions.tests.factories import DistrictFactory
from aduan.reports.attachments import PreparedFile, attachments_stored_names, prepare_upload
from aduan.reports.models import (
    Attachment,
    Channel,
    Classification,
    EventAction,
    Report,
    ReportEvent,
    Status,
)
from aduan.reports.tests.factories import ReportFactory, pdf_bytes
from aduan.workflow.services import intake as services
from aduan.workflow.services import report_submit, report_validate

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
TITLE = "Jalan rusak di depan sekolah"
BODY = "Jalan di depan SD Negeri 1 rusak parah sejak tiga bulan lalu dan belum diperbaiki."


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def validate(**overrides) -> dict:
    values = {"classification": Classification.COMPLAINT, "title": TITLE, "body": BODY}
    values.update(overrides)
    return report_validate(**values)


def errors_of(**overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as exc:
        validate(**overrides)
    return exc.value.field_errors


# --- report_validate --------------------------------------------------------------------


def test_valid_input_is_returned_cleaned():
    district = DistrictFactory()
    agency = AgencyFactory()
    category = CategoryFactory()
    cleaned = validate(
        title="  Jalan   rusak\tdi depan\nsekolah  ",
        body="Baris pertama yang panjang sekali.   \r\n\r\n\r\n\r\nBaris kedua.\x00",
        incident_date=dt.date(2024, 3, 1),
        region_code=f" {district.code} ",
        latitude="-6.2",
        longitude=106.816666666,
        agency_id=str(agency.pk),
        category_id=category.pk,
    )
    assert cleaned == {
        "classification": "complaint",
        "title": "Jalan rusak di depan sekolah",
        "body": "Baris pertama yang panjang sekali.\n\nBaris kedua.",
        "incident_date": dt.date(2024, 3, 1),
        "region": district,
        "latitude": Decimal("-6.200000"),
        "longitude": Decimal("106.816667"),
        "agency": agency,
        "category": category,
    }


@pytest.mark.parametrize(
    ("title", "ok"),
    [
        ("a" * 10, True),
        ("  " + "a" * 9 + "   ", False),  # 9 characters once the spaces are gone
        ("a b  c   d    e", False),  # "a b c d e": 9 characters
        ("a b  c   d    ef", True),  # "a b c d ef": 10
        ("a" * 150, True),
        ("a" * 151, False),
        ("\x00" * 20 + "a" * 9, False),  # control characters do not count
    ],
)
def test_title_length_is_measured_after_whitespace_cleanup(title, ok):
    if ok:
        assert validate(title=title)["title"] == " ".join(title.split())
    else:
        assert list(errors_of(title=title)) == ["title"]


def test_title_messages():
    assert errors_of(title="pendek")["title"] == ["The title needs at least 10 characters."]
    assert errors_of(title="x" * 151)["title"] == ["The title can have at most 150 characters."]


def test_body_length_is_measured_after_cleanup():
    padded = "Terlalu pendek untuk laporan." + " \n" * 40  # 29 characters and blank lines
    assert errors_of(body=padded)["body"] == ["Describe what happened in at least 30 characters."]
    assert validate(body="x" * 30)["body"] == "x" * 30
    assert validate(body="x" * 4000)["body"] == "x" * 4000
    assert errors_of(body="x" * 4001)["body"] == ["The text can have at most 4000 characters."]
    # Line breaks are kept, runs of blank lines shortened, old Mac line ends understood.
    assert validate(body="Satu baris yang cukup panjang\r\rdua\n\n\n\ntiga")["body"] == (
        "Satu baris yang cukup panjang\n\ndua\n\ntiga"
    )


@pytest.mark.parametrize("classification", ["gossip", "", None, "COMPLAINT", ["complaint"]])
def test_unknown_classification_is_refused(classification):
    assert errors_of(classification=classification)["classification"] == [
        "Choose complaint, aspiration or information request."
    ]


@pytest.mark.parametrize("classification", Classification.values)
def test_every_classification_is_accepted(classification):
    assert validate(classification=classification)["classification"] == classification


# 23:30 WIB on 1 January is already 01:30 on 2 January in Jayapura (WIT).
LATE_EVENING_WIB = dt.datetime(2025, 1, 1, 23, 30, tzinfo=WIB)
EVENING_WIB = dt.datetime(2025, 1, 1, 20, 0, tzinfo=WIB)  # 22:00 WIT, still 1 January


@pytest.mark.parametrize(
    ("now", "incident_date", "ok"),
    [
        (LATE_EVENING_WIB, dt.date(2025, 1, 1), True),
        (LATE_EVENING_WIB, dt.date(2025, 1, 2), True),  # today in Papua
        (LATE_EVENING_WIB, dt.date(2025, 1, 3), False),
        (EVENING_WIB, dt.date(2025, 1, 2), False),  # tomorrow everywhere in Indonesia
        (EVENING_WIB, "2025-01-01", True),
        (EVENING_WIB, dt.datetime(2025, 1, 1, 23, 0, tzinfo=dt.UTC), False),  # 2 Jan in WIT
        (EVENING_WIB, dt.datetime(2024, 12, 31, 10, 0, tzinfo=dt.UTC), True),
    ],
)
def test_incident_date_in_the_future_is_judged_in_the_easternmost_zone(now, incident_date, ok):
    with time_machine.travel(now, tick=False):
        if ok:
            assert validate(incident_date=incident_date)["incident_date"] <= dt.date(2025, 1, 2)
        else:
            assert errors_of(incident_date=incident_date)["incident_date"] == [
                "The incident date cannot be in the future."
            ]


@pytest.mark.parametrize(
    ("incident_date", "message"),
    [
        (dt.date(1945, 8, 16), "Enter a real incident date."),
        ("31-12-2024", "Enter the incident date as YYYY-MM-DD."),
        ("kemarin", "Enter the incident date as YYYY-MM-DD."),
        (20240101, "Enter the incident date as YYYY-MM-DD."),
    ],
)
def test_bad_incident_dates(incident_date, message):
    assert errors_of(incident_date=incident_date)["incident_date"] == [message]


def test_blank_optional_fields_are_none():
    cleaned = validate(
        incident_date="", region_code="  ", latitude="", longitude=" ", agency_id="", category_id=""
    )
    for field in ("incident_date", "region", "latitude", "longitude", "agency", "category"):
        assert cleaned[field] is None


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (-6.2, None, {"latitude": ["Give both latitude and longitude, or neither."]}),
        (None, "106.8", {"latitude": ["Give both latitude and longitude, or neither."]}),
        (
            "40.7",
            "-74.0",
            {  # New York: both out
                "latitude": ["The location must be inside Indonesia."],
                "longitude": ["The location must be inside Indonesia."],
            },
        ),
        ("-11.6", "120", {"latitude": ["The location must be inside Indonesia."]}),
        ("6.6", "120", {"latitude": ["The location must be inside Indonesia."]}),
        ("0", "94.4", {"longitude": ["The location must be inside Indonesia."]}),
        ("0", "141.6", {"longitude": ["The location must be inside Indonesia."]}),
        ("NaN", "106.8", {"latitude": ["The latitude must be a number."]}),
        ("-6.2", "Infinity", {"longitude": ["The longitude must be a number."]}),
        (
            "utara",
            "timur",
            {
                "latitude": ["The latitude must be a number."],
                "longitude": ["The longitude must be a number."],
            },
        ),
        ("1e400", "106", {"latitude": ["The latitude must be a number."]}),
    ],
)
def test_coordinates_are_checked(latitude, longitude, expected):
    assert errors_of(latitude=latitude, longitude=longitude) == expected


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("-11.5", "94.5"), ("6.5", "141.5"), (Decimal("-2.5"), Decimal("140.7")), (0, 120)],
)
def test_coordinates_on_the_edges_of_the_box_are_accepted(latitude, longitude):
    cleaned = validate(latitude=latitude, longitude=longitude)
    assert cleaned["latitude"] == Decimal(str(latitude)).quantize(Decimal("0.000001"))


def test_unknown_region_is_refused():
    DistrictFactory()
    for code in ("99.99", "3", "x" * 40):
        assert errors_of(region_code=code)["region_code"] == ["Unknown region code."]


@pytest.mark.parametrize(
    "make_agency_id",
    [
        pytest.param(lambda: 999_999, id="missing"),
        pytest.param(lambda: "abc", id="not a number"),
        pytest.param(lambda: 2**70, id="too large"),
        pytest.param(lambda: -1, id="negative"),
        pytest.param(lambda: True, id="boolean"),
        pytest.param(lambda: AgencyFactory(is_active=False).pk, id="inactive"),
        pytest.param(lambda: NationalAdminAgencyFactory().pk, id="national admin"),
        pytest.param(lambda: OversightAgencyFactory().pk, id="oversight"),
    ],
)
def test_agencies_that_cannot_receive_reports_are_refused(make_agency_id):
    assert errors_of(agency_id=make_agency_id())["agency_id"] == ["Choose an agency from the list."]


@pytest.mark.parametrize("kind", [AgencyKind.MINISTRY, AgencyKind.UNIT, AgencyKind.PROVINCE])
def test_receiving_agencies_are_accepted(kind):
    agency = UnitFactory() if kind == AgencyKind.UNIT else AgencyFactory(kind=kind)
    assert validate(agency_id=agency.pk)["agency"] == agency


@pytest.mark.parametrize(
    "make_category_id",
    [
        pytest.param(lambda: 999_999, id="missing"),
        pytest.param(lambda: "x1", id="not a number"),
        pytest.param(lambda: CategoryFactory(is_active=False).pk, id="inactive"),
    ],
)
def test_unknown_or_inactive_category_is_refused(make_category_id):
    assert errors_of(category_id=make_category_id())["category_id"] == [
        "Choose a category from the list."
    ]


def test_every_error_is_returned_at_once():
    errors = errors_of(
        classification="gossip",
        title="pendek",
        body="pendek",
        incident_date=dt.date(3000, 1, 1),
        region_code="99",
        latitude="40",
        longitude="-74",
        agency_id=999_999,
        category_id=999_999,
    )
    assert set(errors) == {
        "classification",
        "title",
        "body",
        "incident_date",
        "region_code",
        "latitude",
        "longitude",
        "agency_id",
        "category_id",
    }


# --- report_submit ----------------------------------------------------------------------


def jpeg() -> PreparedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "JPEG")
    return prepare_upload(name="foto.jpg", chunks=[out.getvalue()])


def pdf() -> PreparedFile:
    return prepare_upload(name="surat.pdf", chunks=[pdf_bytes()])


def submit(reporter=None, **overrides) -> Report:
    values = {
        "reporter": reporter or UserFactory(),
        "channel": Channel.WEB,
        "classification": Classification.COMPLAINT,
        "title": TITLE,
        "body": BODY,
    }
    values.update(overrides)
    return report_submit(**values)


def test_submit_creates_the_report_its_event_and_attachments():
    reporter = UserFactory()
    district = DistrictFactory()
    category = CategoryFactory()
    report = submit(
        reporter,
        region_code=district.code,
        category_id=category.pk,
        latitude="-6.2",
        longitude="106.8",
        anonymous=True,
        confidential=True,
        files=[jpeg(), pdf()],
        ip_address="203.0.113.9",
        channel=Channel.API,
    )
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert report.agency is None
    assert report.requested_agency is None
    assert report.reporter == reporter
    assert report.channel == Channel.API
    assert report.anonymous is True
    assert report.confidential is True
    assert report.region == district
    assert report.category == category
    assert len(report.tracking_id) == 10
    event = ReportEvent.objects.get(report=report)
    assert event.action == EventAction.SUBMITTED
    assert event.actor == reporter
    assert event.actor_role == "citizen"
    assert event.actor_agency is None
    assert event.to_status == Status.SUBMITTED
    assert event.ip_address == "203.0.113.9"
    assert event.is_public is True
    kinds = sorted(report.attachments.values_list("content_type", flat=True))
    assert kinds == ["application/pdf", "image/jpeg"]
    assert all(a.uploaded_by == reporter for a in report.attachments.all())


def test_a_report_sent_to_an_agency_waits_for_the_national_desk():
    agency = UnitFactory()
    report = submit(agency_id=agency.pk)
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert report.agency is None
    assert report.requested_agency == agency  # the desk's suggestion
    assert report.events.get().to_status == Status.SUBMITTED


def test_staff_submitting_is_recorded_with_their_agency():
    officer = UnitOfficerFactory()
    report = submit(officer, channel=Channel.SMS)
    event = report.events.get()
    assert event.actor_role == "unit_officer"
    assert event.actor_agency == officer.agency


def test_invalid_input_creates_nothing():
    with pytest.raises(ValidationFailed):
        submit(title="pendek")
    assert not Report.objects.exists()


def test_too_many_files_is_reported_with_the_other_errors(settings):
    settings.ADUAN_ATTACHMENT_MAX_COUNT = 2
    with pytest.raises(ValidationFailed) as exc:
        submit(title="pendek", files=[pdf(), pdf(), pdf()])
    assert exc.value.field_errors["files"] == ["At most 2 attachments."]
    assert "title" in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        submit(files=iter([pdf(), pdf(), pdf()]))
    assert list(exc.value.field_errors) == ["files"]
    assert not Report.objects.exists()


def test_an_unknown_channel_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown channel"):
        submit(channel="pigeon")


def assert_nothing_left(root) -> None:
    assert not Report.objects.exists()
    assert not ReportEvent.objects.exists()
    assert not Attachment.objects.exists()
    assert files_under(root) == []


@pytest.mark.django_db(transaction=True)
def test_files_are_on_disk_after_a_successful_submit(disk_storage):
    report = submit(files=[jpeg(), pdf()])
    assert len(files_under(disk_storage)) == 3  # the photo's thumbnail too
    assert set(attachments_stored_names(report.attachments.all())) == {
        str(path.relative_to(disk_storage)) for path in files_under(disk_storage)
    }


@pytest.mark.django_db(transaction=True)
def test_failure_after_the_first_attachment_rolls_back_rows_and_files(disk_storage, monkeypatch):
    real_store = services.attachment_store
    calls = []

    def store_then_fail(**kwargs):
        calls.append(kwargs["prepared"].name)
        if len(calls) == 2:
            raise OSError("object storage unreachable")
        return real_store(**kwargs)

    monkeypatch.setattr(services, "attachment_store", store_then_fail)
    with pytest.raises(OSError, match="unreachable"):
        submit(files=[jpeg(), pdf(), pdf()])
    assert calls == ["foto.jpg", "surat.pdf"]
    assert_nothing_left(disk_storage)


@pytest.mark.django_db(transaction=True)
def test_failure_writing_the_second_attachment_row_rolls_back_everything(disk_storage, monkeypatch):
    real_save = Attachment.save
    saves = []

    def save_then_fail(self, *args, **kwargs):
        saves.append(self.file.name)
        if len(saves) == 2:
            raise IntegrityError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Attachment, "save", save_then_fail)
    with pytest.raises(IntegrityError):
        submit(files=[jpeg(), pdf()])
    # Both files were written before the failure, and both are gone.
    assert len(saves) == 2
    assert_nothing_left(disk_storage)


@pytest.mark.django_db(transaction=True)
def test_failure_writing_the_event_rolls_back_the_report(disk_storage, monkeypatch):
    def no_event(*args, **kwargs):
        raise IntegrityError("event table locked")

    monkeypatch.setattr(services, "events_append", no_event)
    with pytest.raises(IntegrityError):
        submit(files=[jpeg()])
    assert_nothing_left(disk_storage)


def test_a_tracking_id_collision_draws_a_new_id(monkeypatch):
    taken = ReportFactory(tracking_id="ABCDEFGHJK")
    ids = iter(["ABCDEFGHJK", "MNPQRSTVWX"])
    monkeypatch.setattr(services, "new_tracking_id", lambda: next(ids))
    report = submit()
    assert report.tracking_id == "MNPQRSTVWX"
    assert Report.objects.count() == 2
    assert Report.objects.get(tracking_id="ABCDEFGHJK") == taken
    assert report.events.count() == 1


def test_endless_collisions_give_up(monkeypatch):
    ReportFactory(tracking_id="ABCDEFGHJK")
    drawn = []

    def always_taken():
        drawn.append(1)
        return "ABCDEFGHJK"

    monkeypatch.setattr(services, "new_tracking_id", always_taken)
    with pytest.raises(IntegrityError):
        submit()
    assert len(drawn) == 5
    assert Report.objects.count() == 1


def test_a_keyword_that_is_not_a_report_field_or_a_missing_one_is_a_type_error():
    # ReportFields declares the keywords of both functions once; a caller's typo is a
    # programming error, as it was with the explicit signatures.
    with pytest.raises(TypeError, match="unexpected report field"):
        validate(colour="red")
    with pytest.raises(TypeError, match="missing report field"):
        report_validate(title=TITLE, body=BODY)
    with pytest.raises(TypeError, match="missing report field"):
        report_submit(reporter=UserFactory(), channel=Channel.WEB, title=TITLE, body=BODY)


def test_the_apis_report_body_is_the_services_keyword_list():
    """A field added to ``ReportFields`` is one the API documents and passes on, and the API
    sends nothing the service does not take (``report_submit(**payload.dict())``)."""
    import inspect

    from aduan.reports.schemas import ReportIn
    from aduan.workflow.services import ReportFields, report_submit

    options = {
        name
        for name, parameter in inspect.signature(report_submit).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    } - {"reporter", "channel", "files", "ip_address"}
    assert set(ReportIn.model_fields) == set(ReportFields.__annotations__) | options
