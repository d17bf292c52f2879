import pytest
from django.contrib.auth.models import AnonymousUser

from aduan.accounts import capabilities as caps
from aduan.accounts.models import Role, User
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    ProgrammeOverseerFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two ministries; the first has a unit. One account per role, staff in ministry A."""
    ministry = AgencyFactory()
    unit = UnitFactory(parent=ministry)
    other = AgencyFactory()
    return {
        "ministry": ministry,
        "unit": unit,
        "other": other,
        "citizen": UserFactory(),
        "national_admin": NationalAdminFactory(),
        "agency_admin": AgencyAdminFactory(agency=ministry),
        "unit_admin": AgencyAdminFactory(agency=unit),
        "officer": UnitOfficerFactory(agency=unit),
        "other_officer": UnitOfficerFactory(agency=other),
        "oversight": OversightFactory(),
        "ksp": ProgrammeOverseerFactory(),
        "superuser": User.objects.create_superuser(email="root@example.id", password="x"),
    }


ROLES = ("citizen", "national_admin", "agency_admin", "officer", "oversight", "ksp", "superuser")


def _holders(world, question) -> list[str]:
    return [name for name in ROLES if question(world[name])]


def test_role_predicates(world):
    assert not caps.is_staff_member(world["citizen"])
    assert not caps.is_staff_member(AnonymousUser())
    assert not caps.is_staff_member(None)
    assert _holders(world, caps.is_staff_member) == [
        "national_admin",
        "agency_admin",
        "officer",
        "oversight",
        "ksp",
    ]
    # The operator's account has the default role, citizen, unless given another.
    assert _holders(world, caps.is_citizen) == ["citizen", "superuser"]
    assert _holders(world, caps.may_use_channel) == ["citizen", "superuser"]
    assert _holders(world, caps.may_support_reports) == ["citizen", "superuser"]
    assert not caps.may_support_reports(AnonymousUser())
    assert _holders(world, caps.is_national_desk) == ["national_admin"]
    assert _holders(world, caps.may_manage_holidays) == ["national_admin"]
    assert _holders(world, caps.is_agency_staff) == ["agency_admin", "officer"]
    assert _holders(world, caps.is_agency_admin) == ["agency_admin"]
    assert _holders(world, caps.may_assign_within_agency) == ["agency_admin"]
    assert _holders(world, caps.is_read_only) == ["oversight", "ksp"]
    assert _holders(world, caps.sees_programme_reports_only) == ["ksp"]
    assert _holders(world, caps.may_manage_programmes) == ["national_admin", "superuser"]
    assert _holders(world, caps.sees_all_reports) == ["national_admin", "oversight"]
    assert _holders(world, caps.sees_all_agencies) == ["national_admin", "oversight", "superuser"]
    assert _holders(world, caps.may_manage_installation) == ["national_admin", "superuser"]
    assert _holders(world, caps.may_manage_staff) == ["national_admin", "agency_admin", "superuser"]
    assert caps.is_citizen_role("citizen")
    assert not caps.is_citizen_role("agency_admin")
    assert not caps.is_citizen_role(None)


def test_inactive_accounts_lose_every_right(world):
    for name in ROLES:
        user = world[name]
        user.is_active = False
        assert not caps.is_staff_member(user)
        assert not caps.is_citizen(user)
        assert not caps.sees_all_agencies(user)
        assert not caps.may_manage_installation(user)
        assert not caps.may_manage_staff(user)
        assert caps.staff_agency(user) is None
        assert caps.roles_assignable_by(user) == ()
        assert not caps.may_see_statistics_of(user, world["ministry"])
        assert not caps.may_manage_user(user, world["other_officer"])


def test_staff_agency(world):
    assert caps.staff_agency(world["agency_admin"]) == world["ministry"]
    assert caps.staff_agency(world["officer"]) == world["unit"]
    for name in ("citizen", "national_admin", "oversight", "ksp", "superuser"):
        assert caps.staff_agency(world[name]) is None, name
    assert caps.staff_agency(AnonymousUser()) is None


# (actor, agency) -> may see its statistics / may manage its integration
MATRIX = [
    ("citizen", "ministry", False, False),
    ("national_admin", "ministry", True, False),
    ("national_admin", "other", True, False),
    ("agency_admin", "ministry", True, True),
    ("agency_admin", "unit", True, False),  # their unit's figures, not its integration
    ("agency_admin", "other", False, False),
    ("unit_admin", "unit", True, True),
    ("unit_admin", "ministry", False, False),  # not the parent of their own unit
    ("officer", "unit", True, False),
    ("officer", "ministry", False, False),
    ("officer", "other", False, False),
    ("oversight", "ministry", True, False),  # reads everything, manages nothing
    ("oversight", "other", True, False),
    ("ksp", "ministry", True, False),  # figures of the programmes' reports only
    ("ksp", "unit", True, False),
    ("superuser", "other", False, False),  # the operator, not a desk
]


@pytest.mark.parametrize(("actor", "agency", "statistics", "integrations"), MATRIX)
def test_agency_matrix(world, actor, agency, statistics, integrations):
    assert caps.may_see_statistics_of(world[actor], world[agency]) is statistics
    assert caps.may_manage_integrations(world[actor], world[agency]) is integrations


def test_anonymous_and_missing_agency(world):
    assert not caps.may_see_statistics_of(AnonymousUser(), world["ministry"])
    assert not caps.may_see_statistics_of(None, world["ministry"])
    assert not caps.may_see_statistics_of(world["national_admin"], None)
    assert not caps.may_manage_integrations(world["agency_admin"], None)


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        ("national_admin", "citizen", True),
        ("national_admin", "officer", True),
        ("national_admin", "superuser", False),
        ("agency_admin", "officer", True),  # officer of a unit under the ministry
        ("agency_admin", "unit_admin", True),
        ("agency_admin", "other_officer", False),
        ("agency_admin", "citizen", False),
        ("agency_admin", "national_admin", False),
        ("agency_admin", "oversight", False),
        ("unit_admin", "agency_admin", False),
        ("officer", "officer", False),
        ("oversight", "officer", False),
        ("ksp", "officer", False),
        ("agency_admin", "ksp", False),
        ("citizen", "citizen", False),
        ("superuser", "national_admin", True),
    ],
)
def test_user_management_matrix(world, actor, target, allowed):
    assert caps.may_manage_user(world[actor], world[target]) is allowed


def test_assignable_roles(world):
    assert set(caps.roles_assignable_by(world["national_admin"])) == set(Role)
    assert set(caps.roles_assignable_by(world["agency_admin"])) == {
        Role.AGENCY_ADMIN,
        Role.UNIT_OFFICER,
    }
    for name in ("officer", "oversight", "ksp", "citizen"):
        assert caps.roles_assignable_by(world[name]) == ()


def test_statistics_programme_scope(world):
    """The KSP overseer's figures are limited to the active programmes; nobody else's."""
    from aduan.programmes.tests.factories import ProgrammeFactory

    active, _inactive = ProgrammeFactory(), ProgrammeFactory(is_active=False)
    assert caps.statistics_programme_scope(world["ksp"]) == {active.pk}
    for name in ("national_admin", "agency_admin", "officer", "oversight"):
        assert caps.statistics_programme_scope(world[name]) is None, name
    for name in ("citizen", "superuser"):
        assert caps.statistics_programme_scope(world[name]) == set(), name
    assert caps.statistics_programme_scope(AnonymousUser()) == set()
    world["ksp"].is_active = False
    assert caps.statistics_programme_scope(world["ksp"]) == set()
    assert not caps.may_see_statistics_of(world["ksp"], world["ministry"])


def test_a_ksp_overseer_belongs_to_an_oversight_body(world):
    assert caps.agency_misfit(Role.PROGRAMME_OVERSIGHT, world["ministry"])
    assert caps.agency_misfit(Role.PROGRAMME_OVERSIGHT, world["ksp"].agency) is None


def test_only_the_ksp_overseers_figures_are_limited_to_the_programmes(world):
    for name in ("national_admin", "oversight", "agency_admin", "officer", "ksp"):
        scope = caps.statistics_scope(world[name])
        assert scope.programmes_only is (name == "ksp"), name
    assert caps.statistics_scope(world["ksp"]).everything
