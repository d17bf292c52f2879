import pytest

from aduan.core.errors import NotFound, ValidationFailed
from aduan.regions.loaders import regions_load
from aduan.regions.models import Region, RegionLevel
from aduan.regions.selectors import (
    region_children,
    region_get,
    region_path_names,
    region_search,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions(db):
    regions_load(villages=False)
    # A village of Bandung, for the deepest level.
    Region.objects.create(
        code="32.73.01.1001", name="Desa Percobaan", level=RegionLevel.VILLAGE, parent_id="32.73.01"
    )


def test_region_get(regions):
    bandung = region_get(" 32.73 ")
    assert bandung.name == "KOTA BANDUNG"
    assert bandung.parent.code == "32"


@pytest.mark.parametrize("code", ["99", "32.99", "", "x" * 500, "32.73%", "'; drop"])
def test_region_get_unknown_or_malformed_is_not_found(regions, code):
    with pytest.raises(NotFound):
        region_get(code)


def test_children_of_nothing_are_the_provinces(regions):
    provinces = list(region_children())
    assert len(provinces) == 38
    assert provinces[0].name == "ACEH"


def test_children_of_a_region(regions):
    regencies = list(region_children("32"))
    assert len(regencies) == 27
    assert {r.level for r in regencies} == {RegionLevel.REGENCY}
    assert [r.code for r in region_children("32.73.01")] == ["32.73.01.1001"]


def test_children_of_an_unknown_region_is_not_found(regions):
    with pytest.raises(NotFound):
        list(region_children("99.99"))


def test_search_by_name_ignores_case_and_puts_higher_levels_first(regions):
    found = region_search("bandung")
    assert [r.code for r in found[:3]] == ["32.04", "32.17", "32.73"]  # regencies first
    assert all("BANDUNG" in r.name.upper() for r in found)


def test_search_by_code_prefix_and_level(regions):
    assert [r.code for r in region_search("32.73", level=RegionLevel.REGENCY)] == ["32.73"]
    assert {r.level for r in region_search("32.73", limit=100)} == {2, 3, 4}


def test_search_rejects_short_queries_and_unknown_levels(regions):
    with pytest.raises(ValidationFailed) as error:
        region_search("a")
    assert "q" in error.value.field_errors
    with pytest.raises(ValidationFailed) as error:
        region_search("bandung", level=9)
    assert "level" in error.value.field_errors


def test_search_is_one_query_including_the_path_names(regions, django_assert_num_queries):
    with django_assert_num_queries(1):
        village = region_search("percobaan")[0]
        names = region_path_names(village)
    assert names == ["Desa Percobaan", "Sukasari", "Kota Bandung", "Jawa Barat"]
