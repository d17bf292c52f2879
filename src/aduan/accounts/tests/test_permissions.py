import pytest
from django.contrib.auth.models import AnonymousUser

from aduan.accounts import permissions as perms
from aduan.accounts.models import Role, User
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
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
        "superuser": User.objects.create_superuser(email="root@example.id", password="x"),
    }


def test_role_predicates(world):
    assert not perms.is_staff_role(world["citizen"])
    assert not perms.is_staff_role(AnonymousUser())
    assert not perms.is_staff_role(None)
    for name in ("national_admin", "agency_admin", "officer", "oversight"):
        assert perms.is_staff_role(world[name]), name
    assert perms.is_read_only(world["oversight"])
    assert not perms.is_read_only(world["national_admin"])
    assert [
        n for n in world if hasattr(world[n], "role") and perms.can_view_all_agencies(world[n])
    ] == [
        "national_admin",
        "oversight",
        "superuser",
    ]


def test_inactive_staff_lose_every_right(world):
    admin = world["national_admin"]
    admin.is_active = False
    assert not perms.is_staff_role(admin)
    assert not perms.can_manage_agency(admin, world["ministry"])
    assert not perms.can_manage_staff(admin)
    assert perms.assignable_roles(admin) == ()


# (actor, agency) -> may manage / may act for
MATRIX = [
    ("citizen", "ministry", False, False),
    ("national_admin", "ministry", True, True),
    ("national_admin", "other", True, True),
    ("agency_admin", "ministry", True, True),
    ("agency_admin", "unit", True, True),
    ("agency_admin", "other", False, False),
    ("unit_admin", "unit", True, True),
    ("unit_admin", "ministry", False, False),  # not the parent of their own unit
    ("officer", "unit", False, True),
    ("officer", "ministry", False, False),
    ("officer", "other", False, False),
    ("oversight", "ministry", False, False),  # reads everything, acts for nobody
    ("superuser", "other", True, False),
]


@pytest.mark.parametrize(("actor", "agency", "manage", "act"), MATRIX)
def test_agency_matrix(world, actor, agency, manage, act):
    assert perms.can_manage_agency(world[actor], world[agency]) is manage
    assert perms.can_act_for_agency(world[actor], world[agency]) is act


def test_anonymous_and_missing_agency(world):
    assert not perms.can_manage_agency(AnonymousUser(), world["ministry"])
    assert not perms.can_act_for_agency(None, world["ministry"])
    assert not perms.can_manage_agency(world["national_admin"], None)


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
        ("citizen", "citizen", False),
        ("superuser", "national_admin", True),
    ],
)
def test_user_management_matrix(world, actor, target, allowed):
    assert perms.can_manage_user(world[actor], world[target]) is allowed


def test_assignable_roles(world):
    assert set(perms.assignable_roles(world["national_admin"])) == set(Role)
    assert set(perms.assignable_roles(world["agency_admin"])) == {
        Role.AGENCY_ADMIN,
        Role.UNIT_OFFICER,
    }
    for name in ("officer", "oversight", "citizen"):
        assert perms.assignable_roles(world[name]) == ()
