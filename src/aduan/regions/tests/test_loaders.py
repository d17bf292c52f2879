import shutil

import pytest

from aduan.agencies.tests.factories import AgencyFactory
from aduan.regions.loaders import DATA_DIR, RegionDataError, regions_load
from aduan.regions.models import Region, RegionLevel, title_name
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_full_load_has_every_area_and_a_second_run_writes_nothing(django_assert_max_num_queries):
    result = regions_load()

    counts = {level: c.total for level, c in result.levels.items()}
    assert counts == {
        RegionLevel.PROVINCE: 38,
        RegionLevel.REGENCY: 514,
        RegionLevel.DISTRICT: 7277,
        RegionLevel.VILLAGE: 83763,
    }
    assert result.created == Region.objects.count() == 91592
    village = Region.objects.select_related("parent__parent__parent").get(code="11.01.01.2001")
    assert village.name == "Keude Bakongan"
    assert village.parent.parent.parent.code == "11"
    assert not Region.objects.filter(level__gt=1, parent__isnull=True).exists()

    # One read per level and nothing written.
    with django_assert_max_num_queries(8):
        again = regions_load()
    assert (again.created, again.updated, again.total) == (0, 0, 91592)


def test_without_villages_loads_the_three_upper_levels():
    result = regions_load(villages=False)

    assert RegionLevel.VILLAGE not in result.levels
    assert Region.objects.count() == 38 + 514 + 7277
    assert not Region.objects.filter(level=RegionLevel.VILLAGE).exists()


def test_a_renamed_or_missing_region_is_repaired_and_the_rest_untouched():
    regions_load(villages=False)
    Region.objects.filter(code="32.73").update(name="KOTA KEMBANG")
    Region.objects.filter(code="51.71.01").delete()

    result = regions_load(villages=False)

    assert result.levels[RegionLevel.REGENCY].updated == 1
    assert result.levels[RegionLevel.DISTRICT].created == 1
    assert (result.created, result.updated) == (1, 1)
    assert Region.objects.get(code="32.73").name == "KOTA BANDUNG"
    assert Region.objects.get(code="51.71.01").parent_id == "51.71"


def test_stale_regions_are_kept_and_pruning_spares_what_is_referenced():
    regions_load(villages=False)
    loose = Region.objects.create(code="98", name="LAMA", level=RegionLevel.PROVINCE)
    Region.objects.create(code="98.01", name="KOTA LAMA", level=RegionLevel.REGENCY, parent=loose)
    used = Region.objects.create(code="99", name="DIPAKAI", level=RegionLevel.PROVINCE)
    ReportFactory(region=used)
    in_agency = Region.objects.create(code="99.01", name="KOTA", level=2, parent=used)
    AgencyFactory(region=in_agency)

    kept = regions_load(villages=False)
    assert kept.stale == 4
    assert kept.pruned == 0
    assert Region.objects.filter(code__in=["98", "98.01", "99", "99.01"]).count() == 4

    pruned = regions_load(villages=False, prune=True)
    assert pruned.pruned == 2
    assert set(
        Region.objects.filter(code__in=["98", "98.01", "99", "99.01"]).values_list(
            "code", flat=True
        )
    ) == {"99", "99.01"}


@pytest.fixture
def data_dir(tmp_path):
    for name in ("provinces.csv", "regencies.csv", "districts.csv"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("32.99,31,KOTA SALAH", "does not lie in its parent"),
        ("32.9,32,KOTA SALAH", "is not a level-2 code"),
        ("32.98,32,", "is empty or long"),
        ("32.01,32,KABUPATEN BOGOR", "appears twice"),
        ("00.01,00,KOTA ENTAH", "unknown parent codes"),
    ],
)
def test_a_bad_row_is_refused_and_nothing_is_written(data_dir, line, message):
    with (data_dir / "regencies.csv").open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")

    with pytest.raises(RegionDataError, match=message):
        regions_load(data_dir=data_dir, villages=False)
    assert not Region.objects.exists()


def test_a_file_with_the_wrong_columns_is_refused(data_dir):
    (data_dir / "provinces.csv").write_text("kode,nama\n11,ACEH\n", encoding="utf-8")

    with pytest.raises(RegionDataError, match="expected columns"):
        regions_load(data_dir=data_dir, villages=False)


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("DKI JAKARTA", "DKI Jakarta"),
        ("KABUPATEN PANGKAJENE DAN KEPULAUAN", "Kabupaten Pangkajene dan Kepulauan"),
        ("PAPUA BARAT DAYA", "Papua Barat Daya"),
    ],
)
def test_title_name_keeps_acronyms_and_conjunctions(raw, title):
    assert title_name(raw) == title
    assert Region(code="31", name=raw, level=1).display_name == title
