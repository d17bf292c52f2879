"""The one visibility rule, tested as a matrix, and the feed's filters."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from aduan.accounts.capabilities import may_see_reporter_identity
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    ProgrammeOverseerFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.categories.tests.factories import CategoryFactory
from aduan.core.errors import NotFound
from aduan.programmes.tests.factories import ReportProgrammeFactory
from aduan.regions.tests.factories import DistrictFactory, ProvinceFactory, RegencyFactory
from aduan.reports.models import Classification, Report, Status
from aduan.reports.selectors import (
    FeedFilters,
    ReporterVisibility,
    attachment_get_for_user,
    event_list_for_user,
    handled_reports_q,
    region_q,
    report_get_for_user,
    report_list,
    report_visibility_q,
    reporter_public_name,
    reporter_visibility,
    reports_visible_to,
    user_handles_report,
)
from aduan.reports.tests.factories import AttachmentFactory, ReportEventFactory, ReportFactory
from aduan.search.selectors import search_reports

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A ministry with two units; the report is handled by the first unit."""
    ministry = AgencyFactory()
    unit = UnitFactory(parent=ministry)
    sibling = UnitFactory(parent=ministry)
    other = AgencyFactory()
    owner = UserFactory()
    people = {
        "visitor": AnonymousUser(),
        "nobody": None,
        "other citizen": UserFactory(),
        "owner": owner,
        "national admin": NationalAdminFactory(),
        "admin of handling unit": AgencyAdminFactory(agency=unit),
        "admin of parent agency": AgencyAdminFactory(agency=ministry),
        "admin of another agency": AgencyAdminFactory(agency=other),
        "officer of handling unit": UnitOfficerFactory(agency=unit),
        "officer of sibling unit": UnitOfficerFactory(agency=sibling),
        "oversight": OversightFactory(),
        "programme overseer": ProgrammeOverseerFactory(),
        "inactive programme overseer": ProgrammeOverseerFactory(is_active=False),
        "inactive national admin": NationalAdminFactory(is_active=False),
        "inactive owner": None,  # the owner, deactivated: set per test
    }
    return {"unit": unit, "owner": owner, "people": people}


# Who may see a confidential report handled by the unit (everyone sees a public one).
SEES_CONFIDENTIAL = {
    "visitor": False,
    "nobody": False,
    "other citizen": False,
    "owner": True,
    "national admin": True,
    "admin of handling unit": True,
    "admin of parent agency": True,
    "admin of another agency": False,
    "officer of handling unit": True,
    "officer of sibling unit": False,
    "oversight": True,
    "programme overseer": False,  # the report carries no priority programme
    "inactive programme overseer": False,
    "inactive national admin": False,
    "inactive owner": False,
}
# Who sees the reporter's identity in full; the rest see the name, or nothing if anonymous.
SEES_REPORTER_FULLY = {"owner", "national admin"}
# Who reads internal (non-public) events: staff who handle the report.
READS_INTERNAL_EVENTS = {
    "national admin",
    "oversight",
    "admin of handling unit",
    "admin of parent agency",
    "officer of handling unit",
}


def person(world, role):
    if role == "inactive owner":
        owner = world["owner"]
        owner.is_active = False
        owner.save(update_fields=["is_active"])
        return owner
    return world["people"][role]


@pytest.mark.parametrize("role", list(SEES_CONFIDENTIAL))
@pytest.mark.parametrize("confidential", [False, True], ids=["public", "confidential"])
@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_visibility_matrix(world, role, confidential, anonymous):
    report = ReportFactory(
        reporter=world["owner"],
        agency=world["unit"],
        status=Status.DISPOSITIONED,
        confidential=confidential,
        anonymous=anonymous,
    )
    user = person(world, role)
    may_see = SEES_CONFIDENTIAL[role] or not confidential

    assert (report in reports_visible_to(user=user)) is may_see
    if may_see:
        # Typed with dashes and in lower case, as people do.
        tracking_id = f"{report.tracking_id[:5]}-{report.tracking_id[5:]}".lower()
        assert report_get_for_user(user=user, tracking_id=tracking_id) == report
    else:
        with pytest.raises(NotFound):
            report_get_for_user(user=user, tracking_id=report.tracking_id)

    expected = (
        ReporterVisibility.FULL
        if role in SEES_REPORTER_FULLY
        else ReporterVisibility.NONE
        if anonymous
        else ReporterVisibility.NAME
    )
    assert reporter_visibility(user=user, report=report) == expected
    assert may_see_reporter_identity(user, report) is (expected == ReporterVisibility.FULL)
    # A public card names the reporter as a visitor may read it, whoever looks.
    assert reporter_public_name(report) == (None if anonymous else world["owner"].full_name)


# The same report tagged with a national priority programme: the KSP overseer sees it too,
# whatever its status, and reads it as the other overseers do.
SEES_TAGGED_CONFIDENTIAL = {**SEES_CONFIDENTIAL, "programme overseer": True}


@pytest.mark.parametrize("role", list(SEES_TAGGED_CONFIDENTIAL))
@pytest.mark.parametrize("confidential", [False, True], ids=["public", "confidential"])
@pytest.mark.parametrize("status", [Status.DISPOSITIONED, Status.RETURNED, Status.CLOSED])
def test_visibility_matrix_of_a_programme_report(world, role, confidential, status):
    report = ReportFactory(
        reporter=world["owner"],
        agency=world["unit"],
        status=status,
        confidential=confidential,
        anonymous=True,
    )
    ReportProgrammeFactory.create_batch(2, report=report)  # two tags: still one row
    ReportFactory(agency=world["unit"], status=status, confidential=True)  # untagged
    user = person(world, role)
    may_see = SEES_TAGGED_CONFIDENTIAL[role] or (not confidential and status != Status.RETURNED)

    assert list(reports_visible_to(user=user).filter(pk=report.pk)) == ([report] if may_see else [])
    if may_see:
        assert report_get_for_user(user=user, tracking_id=report.tracking_id) == report
    else:
        with pytest.raises(NotFound):
            report_get_for_user(user=user, tracking_id=report.tracking_id)
    # Anonymous stays anonymous for the overseers.
    expected = ReporterVisibility.FULL if role in SEES_REPORTER_FULLY else ReporterVisibility.NONE
    assert reporter_visibility(user=user, report=report) == expected


def test_the_programme_overseer_sees_only_the_tagged_reports(world):
    overseer = world["people"]["programme overseer"]
    tagged = ReportProgrammeFactory(
        report=ReportFactory(status=Status.DISPOSITIONED, confidential=True)
    ).report
    untagged = ReportFactory(status=Status.DISPOSITIONED, confidential=True)
    public = ReportFactory(status=Status.DISPOSITIONED)
    assert set(reports_visible_to(user=overseer)) == {tagged, public}
    assert set(Report.objects.filter(handled_reports_q(user=overseer))) == {tagged}
    assert user_handles_report(user=overseer, report=tagged)
    assert not user_handles_report(user=overseer, report=untagged)
    assert not user_handles_report(user=overseer, report=public)


@pytest.mark.parametrize("role", list(SEES_CONFIDENTIAL))
def test_handled_reports_are_the_same_by_path_and_by_ids(world, role):
    """The inbox's scope (ids) and the visibility rule's (path) are one rule, two queries."""
    handled = ReportFactory(
        reporter=world["owner"], agency=world["unit"], status=Status.DISPOSITIONED
    )
    ReportFactory(agency=AgencyFactory(), status=Status.DISPOSITIONED)
    user = person(world, role)
    by_path = handled_reports_q(user=user)
    by_ids = handled_reports_q(user=user, subtree_as_ids=True)
    assert (by_path is None) is (by_ids is None)
    if by_path is None:
        assert not user_handles_report(user=user, report=handled)
        return
    selected = set(Report.objects.filter(by_path).values_list("pk", flat=True))
    assert selected == set(Report.objects.filter(by_ids).values_list("pk", flat=True))
    assert (handled.pk in selected) is user_handles_report(user=user, report=handled)


@pytest.mark.parametrize("role", list(SEES_CONFIDENTIAL))
def test_forbidden_and_missing_reports_are_the_same_not_found(world, role):
    user = person(world, role)
    for tracking_id in ("ABCDEFGHJK", "not an id", "", "ABCDEFGHJK0"):
        with pytest.raises(NotFound) as exc:
            report_get_for_user(user=user, tracking_id=tracking_id)
        assert exc.value.status_code == 404


def test_archived_reports_are_hidden_from_the_public_but_not_from_the_owner(world):
    report = ReportFactory(reporter=world["owner"], status=Status.ARCHIVED)
    people = world["people"]
    assert report not in reports_visible_to(user=people["visitor"])
    assert report not in reports_visible_to(user=people["other citizen"])
    assert report in reports_visible_to(user=world["owner"])
    assert report in reports_visible_to(user=people["national admin"])


def test_staff_of_an_agency_with_no_path_see_no_extra_reports():
    staff = AgencyAdminFactory()
    confidential = ReportFactory(agency=AgencyFactory(), confidential=True)
    staff.agency.path = ""  # corrupt data must not widen access to every agency
    assert confidential not in reports_visible_to(user=staff)
    assert str(report_visibility_q(user=staff)).count("path") == 0


def test_report_get_for_user_loads_everything_in_a_few_queries(
    world, django_assert_max_num_queries
):
    report = ReportFactory(agency=world["unit"], status=Status.DISPOSITIONED)
    ReportEventFactory.create_batch(3, report=report)
    AttachmentFactory.create_batch(2, report=report)
    admin = world["people"]["admin of parent agency"]
    with django_assert_max_num_queries(4):
        found = report_get_for_user(user=admin, tracking_id=report.tracking_id)
        assert [e.action_label for e in event_list_for_user(user=admin, report=found)]
        assert len(found.attachments.all()) == 2
        assert found.agency.label
        assert found.reporter.full_name


# --- Timeline ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(SEES_CONFIDENTIAL))
def test_internal_events_are_shown_only_to_staff_handling_the_report(world, role):
    report = ReportFactory(
        reporter=world["owner"], agency=world["unit"], status=Status.DISPOSITIONED
    )
    internal = ReportEventFactory(report=report, action="note", is_public=False)
    user = person(world, role)
    events = event_list_for_user(
        user=user,
        report=report_get_for_user(
            user=world["people"]["national admin"], tracking_id=report.tracking_id
        ),
    )
    assert (internal in events) is (role in READS_INTERNAL_EVENTS)
    assert events[0].action == "submitted"  # the public part is there for everyone


def test_user_handles_report_needs_a_handling_agency(world):
    report = ReportFactory(agency=None)
    assert not user_handles_report(user=world["people"]["admin of parent agency"], report=report)
    assert user_handles_report(user=world["people"]["national admin"], report=report)


# --- Attachments ------------------------------------------------------------------------


def test_attachments_are_served_only_to_those_who_see_the_report(world):
    public = AttachmentFactory(report=ReportFactory(verified=True, reporter=world["owner"]))
    secret = AttachmentFactory(
        report=ReportFactory(
            verified=True, reporter=world["owner"], agency=world["unit"], confidential=True
        )
    )
    people = world["people"]
    tracking = secret.report.tracking_id
    assert (
        attachment_get_for_user(
            user=people["visitor"], tracking_id=public.report.tracking_id, attachment_id=public.pk
        )
        == public
    )
    assert (
        attachment_get_for_user(
            user=world["owner"], tracking_id=tracking, attachment_id=str(secret.pk)
        )
        == secret
    )
    assert (
        attachment_get_for_user(
            user=people["officer of handling unit"], tracking_id=tracking, attachment_id=secret.pk
        )
        == secret
    )
    for user, tracking_id, attachment_id in [
        (people["visitor"], tracking, secret.pk),
        (people["other citizen"], tracking, secret.pk),
        (people["officer of sibling unit"], tracking, secret.pk),
        (people["admin of another agency"], tracking, secret.pk),
        # an attachment of another report, through a report one may see
        (people["visitor"], public.report.tracking_id, secret.pk),
        (world["owner"], tracking, "abc"),
        (world["owner"], tracking, 2**80),
        (world["owner"], "bad id", secret.pk),
    ]:
        with pytest.raises(NotFound):
            attachment_get_for_user(user=user, tracking_id=tracking_id, attachment_id=attachment_id)


# --- The feed ---------------------------------------------------------------------------


def titles(queryset) -> set[str]:
    return {report.title for report in queryset}


def feed(user=None, q=None, **filters) -> set[str]:
    """The feed as the web and the API list it: words are searched within the list."""
    reports = report_list(user=user, filters=FeedFilters(**filters))
    if q:
        reports = search_reports(user=user, q=q, within=reports)
    return titles(reports)


@pytest.fixture
def regions():
    p32 = ProvinceFactory(code="32")
    bandung = RegencyFactory(parent=p32, code="32.73")
    district = DistrictFactory(parent=bandung, code="32.73.01")
    bogor = RegencyFactory(parent=p32, code="32.01")
    p33 = ProvinceFactory(code="33")
    semarang = RegencyFactory(parent=p33, code="33.74")
    return {"32": p32, "32.73": bandung, "32.73.01": district, "32.01": bogor, "33.74": semarang}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("32", {"in 32", "in 32.73", "in 32.73.01", "in 32.01"}),
        ("32.73", {"in 32.73", "in 32.73.01"}),
        ("32.73.01", {"in 32.73.01"}),
        ("32.7", set()),  # a prefix of a code is not a region
        ("3", set()),  # not "32" nor "33"
        ("33", {"in 33.74"}),
        (" 32.01 ", {"in 32.01"}),
        ("3_", set()),  # LIKE wildcards are literal
        ("%", set()),
    ],
)
def test_region_filter_includes_the_regions_inside(regions, code, expected):
    for key, region in regions.items():
        ReportFactory(verified=True, title=f"in {key}", region=region)
    ReportFactory(verified=True, title="nowhere", region=None)
    assert feed(region_code=code) == expected


def test_a_well_formed_region_code_is_one_prefix_match():
    """Codes have a fixed width per level, so the prefix alone is the region and those
    inside it: one index range (an ``OR`` made PostgreSQL scan the whole feed)."""
    assert region_q("32.73") == Q(region__code__startswith="32.73")
    assert region_q("32.7") == Q(region__code="32.7") | Q(region__code__startswith="32.7.")


def test_feed_filters(world):
    unit, ministry = world["unit"], world["unit"].parent
    road, water = CategoryFactory(), CategoryFactory()
    ReportFactory(
        verified=True,
        title="jalan di unit",
        agency=unit,
        category=road,
        status=Status.DISPOSITIONED,
    )
    ReportFactory(
        verified=True,
        title="air di kementerian",
        agency=ministry,
        category=water,
        status=Status.IN_PROGRESS,
        classification=Classification.ASPIRATION,
        body="Air PDAM mati setiap hari Minggu di seluruh kompleks perumahan kami.",
    )
    ReportFactory(
        verified=True,
        title="belum diverifikasi",
        classification=Classification.INFORMATION_REQUEST,
        body="Kami ingin tahu jadwal pelayanan KTP elektronik di kecamatan kami.",
    )
    ReportFactory(verified=True, title="rahasia di unit", agency=unit, confidential=True)
    ReportFactory(verified=True, title="diarsipkan", status=Status.ARCHIVED)

    everything = {"jalan di unit", "air di kementerian", "belum diverifikasi"}
    assert feed() == everything
    assert feed(world["people"]["national admin"]) == everything  # the feed is public
    assert feed(status=Status.IN_PROGRESS) == {"air di kementerian"}
    assert feed(status=Status.ARCHIVED) == set()
    assert feed(agency_id=ministry.pk) == {"jalan di unit", "air di kementerian"}
    assert feed(agency_id=unit.pk) == {"jalan di unit"}
    assert feed(agency_id=999_999) == set()
    assert feed(agency_id="abc") == set()
    assert feed(category_id=road.pk) == {"jalan di unit"}
    assert feed(category_id="x") == set()
    assert feed(classification=Classification.ASPIRATION) == {"air di kementerian"}
    assert feed(classification=Classification.INFORMATION_REQUEST) == {"belum diverifikasi"}
    assert feed(q="PDAM") == {"air di kementerian"}  # found in the body
    assert feed(q="jalan") == {"jalan di unit"}  # case-insensitive, in the title
    assert feed(q="air  minggu") == {"air di kementerian"}  # every word must match
    assert feed(q="air jalan") == set()
    assert feed(q="di", agency_id=unit.pk, status=Status.DISPOSITIONED) == {"jalan di unit"}


def test_feed_is_newest_first(world):
    first = ReportFactory(verified=True, title="pertama")
    second = ReportFactory(verified=True, title="kedua")
    assert list(report_list(user=None))[:2] == [second, first]


def test_mine_lists_the_callers_own_reports_confidential_and_archived_included(world):
    owner = world["owner"]
    ReportFactory(title="milik saya", reporter=owner)
    ReportFactory(title="rahasia saya", reporter=owner, confidential=True)
    ReportFactory(title="arsip saya", reporter=owner, status=Status.ARCHIVED)
    ReportFactory(title="milik orang lain")
    assert feed(owner, mine=True) == {"milik saya", "rahasia saya", "arsip saya"}
    assert feed(owner, mine=True, q="rahasia") == {"rahasia saya"}
    assert feed(world["people"]["other citizen"], mine=True) == set()
    assert feed(AnonymousUser(), mine=True) == set()
    assert feed(None, mine=True) == set()
    owner.is_active = False
    assert feed(owner, mine=True) == set()


def test_feed_renders_without_extra_queries(world, django_assert_num_queries):
    for _ in range(5):
        ReportFactory(
            verified=True,
            agency=world["unit"],
            category=CategoryFactory(),
            region=DistrictFactory(),
        )
    with django_assert_num_queries(1):
        for report in report_list(user=None):
            assert report.agency.label
            assert report.category.name
            assert report.region.name
            assert report.reporter.full_name
    with django_assert_num_queries(2):  # the agency's path, then the page
        assert (
            len(list(report_list(user=None, filters=FeedFilters(agency_id=world["unit"].pk)))) == 5
        )
