import pytest
from django.core.exceptions import ValidationError

from aduan.agencies.models import Agency, AgencyKind
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.regions.tests.factories import ProvinceFactory, RegencyFactory

pytestmark = pytest.mark.django_db


def test_subtree_is_the_agency_and_every_unit_below_it():
    ministry = AgencyFactory()
    directorate = UnitFactory(parent=ministry)
    office = UnitFactory(parent=directorate)
    UnitFactory(parent=AgencyFactory())

    assert set(ministry.subtree()) == {ministry, directorate, office}
    assert set(directorate.subtree()) == {directorate, office}


def test_moving_an_agency_rewrites_the_paths_of_its_whole_subtree():
    old_home, new_home = AgencyFactory(), AgencyFactory()
    directorate = UnitFactory(parent=old_home)
    office = UnitFactory(parent=directorate)
    desk = UnitFactory(parent=office)

    directorate.parent = new_home
    directorate.save()

    for unit in (office, desk):
        unit.refresh_from_db()
    assert directorate.path == f"{new_home.path}{directorate.pk}/"
    assert office.path == f"{directorate.path}{office.pk}/"
    assert desk.path == f"{office.path}{desk.pk}/"
    assert set(old_home.subtree()) == {old_home}
    assert set(new_home.subtree()) == {new_home, directorate, office, desk}


def test_timezone_comes_from_the_region_or_the_parent():
    bali = ProvinceFactory(code="51", name="BALI")
    government = AgencyFactory(kind=AgencyKind.PROVINCE, region=bali)
    unit = UnitFactory(parent=government)

    assert government.timezone == "Asia/Makassar"
    assert unit.timezone == "Asia/Makassar"


@pytest.mark.parametrize("code", ["kota-32.73", "prov-32", "kemenpanrb-admin", "bpjs_kesehatan"])
def test_codes_may_hold_region_codes(code):
    AgencyFactory.build(code=code).full_clean(exclude=["parent", "region"])


@pytest.mark.parametrize("code", ["Kota-32", "kota 32", "kota..32", "-kota", "kota-"])
def test_malformed_codes_are_refused(code):
    with pytest.raises(ValidationError) as error:
        AgencyFactory.build(code=code).full_clean()
    assert "code" in error.value.message_dict


def test_an_agency_cannot_be_moved_under_its_own_unit():
    ministry = AgencyFactory()
    directorate = UnitFactory(parent=ministry)
    office = UnitFactory(parent=directorate)

    for parent in (directorate, office):
        directorate.parent = parent
        with pytest.raises(ValidationError) as error:
            directorate.full_clean()
        assert "parent" in error.value.message_dict
    directorate.parent = AgencyFactory()
    directorate.full_clean()


def test_a_unit_needs_a_parent():
    with pytest.raises(ValidationError) as error:
        UnitFactory.build(parent=None).full_clean()
    assert "parent" in error.value.message_dict


def test_a_local_government_needs_a_region_of_its_level():
    province = ProvinceFactory(code="32")
    regency = RegencyFactory(parent=province, code="32.73")

    with pytest.raises(ValidationError) as error:
        Agency(code="prov-32", name="P", kind=AgencyKind.PROVINCE).full_clean()
    assert "region" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Agency(code="kota-32", name="K", kind=AgencyKind.CITY, region=province).full_clean()
    assert "region" in error.value.message_dict

    Agency(code="kota-32.73", name="K", kind=AgencyKind.CITY, region=regency).full_clean()
    Agency(code="prov-32", name="P", kind=AgencyKind.PROVINCE, region=province).full_clean()
