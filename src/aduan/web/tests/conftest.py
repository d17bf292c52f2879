from __future__ import annotations

import pytest
import time_machine

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
from aduan.regions.tests.factories import DistrictFactory, ProvinceFactory, RegencyFactory

from .staff_helpers import NOW


@pytest.fixture
def citizen(db):
    return UserFactory(full_name="Siti Rahmawati", email="siti@example.id", phone="+6281234567890")


@pytest.fixture
def other_citizen(db):
    return UserFactory()


@pytest.fixture
def agency(db):
    return AgencyFactory(name="Kementerian Pekerjaan Umum", short_name="PU")


@pytest.fixture
def unit(agency):
    return UnitFactory(parent=agency, name="Direktorat Jalan Daerah", short_name="Ditjal")


@pytest.fixture
def region_tree(db):
    province = ProvinceFactory(code="32", name="JAWA BARAT")
    regency = RegencyFactory(code="32.73", name="KOTA BANDUNG", parent=province)
    district = DistrictFactory(code="32.73.01", name="Sukasari", parent=regency)
    other_province = ProvinceFactory(code="31", name="DKI JAKARTA")
    return {"province": province, "regency": regency, "district": district, "other": other_province}


@pytest.fixture
def category(db):
    return CategoryFactory(name_id="Infrastruktur", name_en="Infrastructure")


@pytest.fixture
def viewers(agency, unit, citizen, other_citizen):
    """Every kind of visitor of a report handled by ``agency``."""
    other_agency = AgencyFactory(name="Kementerian Lain")
    return {
        "anonymous": None,
        "owner": citizen,
        "other_citizen": other_citizen,
        "national_admin": NationalAdminFactory(),
        "oversight": OversightFactory(),
        "agency_admin": AgencyAdminFactory(agency=agency),
        "unit_officer": UnitOfficerFactory(agency=unit),
        "other_agency_admin": AgencyAdminFactory(agency=other_agency),
    }


@pytest.fixture(autouse=True)
def fresh_storage(settings):
    """A new, empty in-memory storage for each test (changing STORAGES resets the handler),
    so that "no file was left behind" is checked against this test's writes only."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.fixture
def disk_storage(settings):
    """The production storage: files on disk under MEDIA_ROOT (a temporary directory)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT


# --- The staff workspaces ------------------------------------------------------------------


@pytest.fixture
def frozen():
    """Tuesday 1 December 2026, 09:00 WIB: a working week with no holiday before Friday."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(agency, unit, citizen, other_citizen):
    """Everyone who may open a staff page, for a report handled by ``agency``."""
    other_agency = AgencyFactory(name="Kementerian Lain")
    return {
        "anonymous": None,
        "citizen": citizen,
        "national_admin": NationalAdminFactory(full_name="Admin Nasional"),
        "agency_admin": AgencyAdminFactory(agency=agency, full_name="Admin PU"),
        "other_agency_admin": AgencyAdminFactory(agency=other_agency),
        "unit_officer": UnitOfficerFactory(agency=unit, full_name="Petugas Ditjal"),
        "oversight": OversightFactory(),
        "ksp": ProgrammeOverseerFactory(),
    }
