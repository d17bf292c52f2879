import json
from collections import Counter

import pytest

from aduan.agencies.loaders import (
    AgencyDataError,
    AgencySpec,
    agencies_load,
    agencies_load_directory,
    local_government_specs,
    specs_from_json,
)
from aduan.agencies.models import Agency, AgencyKind
from aduan.regions.loaders import regions_load
from aduan.regions.models import Region

pytestmark = pytest.mark.django_db


def test_every_province_and_regency_city_has_its_government(directory):
    local = directory["local governments"]
    assert (local.total, local.created) == (552, 552)
    kinds = Counter(
        Agency.objects.filter(
            kind__in=[AgencyKind.PROVINCE, AgencyKind.REGENCY, AgencyKind.CITY]
        ).values_list("kind", flat=True)
    )
    assert kinds == {AgencyKind.PROVINCE: 38, AgencyKind.REGENCY: 416, AgencyKind.CITY: 98}

    bandung = Agency.objects.select_related("parent").get(code="kota-32.73")
    assert (bandung.name, bandung.short_name, bandung.kind) == (
        "Pemerintah Kota Bandung",
        "Pemkot Bandung",
        AgencyKind.CITY,
    )
    assert bandung.parent.code == "prov-32"
    assert bandung.parent.name == "Pemerintah Provinsi Jawa Barat"
    bogor = Agency.objects.get(code="kab-32.01")
    assert (bogor.name, bogor.kind) == ("Pemerintah Kabupaten Bogor", AgencyKind.REGENCY)
    assert Agency.objects.get(code="prov-31").name == "Pemerintah Provinsi DKI Jakarta"

    # Every regency/city government hangs under the government of its region's province.
    for agency in Agency.objects.filter(
        kind__in=[AgencyKind.REGENCY, AgencyKind.CITY]
    ).select_related("parent", "region"):
        assert agency.parent.region_id == agency.region.parent_id


# One directory load for the whole table: the load is the slow part.
TIMEZONES = {
    "prov-51": "Asia/Makassar",  # Bali
    "kota-51.71": "Asia/Makassar",  # Denpasar
    "prov-91": "Asia/Jayapura",  # Papua
    "kota-91.71": "Asia/Jayapura",  # Jayapura
    "prov-31": "Asia/Jakarta",  # Jakarta
    "kota-31.74": "Asia/Jakarta",
    "prov-64": "Asia/Makassar",  # East Kalimantan
    "prov-61": "Asia/Jakarta",  # West Kalimantan
    "prov-81": "Asia/Jayapura",  # Maluku
    "kanim-ngurah-rai": "Asia/Makassar",  # a unit with its own region
    "pln-uiw-papua": "Asia/Jayapura",
    "imigrasi": "Asia/Jakarta",  # national
}


def test_the_timezone_follows_the_region(directory):
    assert dict(Agency.objects.filter(code__in=TIMEZONES).values_list("code", "timezone")) == (
        TIMEZONES
    )


def test_the_national_directory(directory):
    by_kind = Counter(Agency.objects.values_list("kind", flat=True))
    assert by_kind[AgencyKind.MINISTRY] == 48
    assert by_kind[AgencyKind.NATIONAL_ADMIN] == 1
    assert by_kind[AgencyKind.OVERSIGHT] == 3
    assert by_kind[AgencyKind.NON_MINISTERIAL] >= 10
    assert by_kind[AgencyKind.STATE_ENTERPRISE] >= 10
    for code in ("bpjs-kesehatan", "bpjs-ketenagakerjaan", "pln", "pos-indonesia", "polri"):
        assert Agency.objects.filter(code=code, parent=None).exists()
    imigrasi = Agency.objects.select_related("parent").get(code="imigrasi")
    assert imigrasi.kind == AgencyKind.UNIT
    assert imigrasi.parent.name == "Kementerian Imigrasi dan Pemasyarakatan"
    assert Agency.objects.get(code="ombudsman").kind == AgencyKind.OVERSIGHT
    assert Agency.objects.get(code="kemenpanrb-admin").kind == AgencyKind.NATIONAL_ADMIN
    # Local units sit under the derived governments.
    assert Agency.objects.get(code="bandung-disdukcapil").parent.code == "kota-32.73"


def test_every_path_is_the_parents_path_plus_the_id(directory):
    agencies = {a.pk: a for a in Agency.objects.all()}
    assert len(agencies) == sum(part.total for part in directory.values())
    for agency in agencies.values():
        parent_path = agencies[agency.parent_id].path if agency.parent_id else "/"
        assert agency.path == f"{parent_path}{agency.pk}/"


def test_the_local_governments_are_written_in_bulk(db, django_assert_max_num_queries):
    regions_load(villages=False)
    specs = local_government_specs()
    assert len(specs) == 552

    # Agency.save would need more than 1,100 queries for these.
    with django_assert_max_num_queries(20):
        result = agencies_load(specs=specs)
    assert result.created == 552


def test_a_second_run_changes_nothing(directory, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        again = agencies_load_directory()
    assert all((r.created, r.updated) == (0, 0) for r in again.values())
    assert sum(r.unchanged for r in again.values()) == sum(r.total for r in directory.values())


def test_a_rerun_repairs_names_and_moves_a_unit_back_with_its_subtree(directory):
    imigrasi = Agency.objects.get(code="imigrasi")
    office = Agency.objects.get(code="kanim-jakarta-selatan")
    Agency.objects.filter(code="kemenkes").update(name="Kemenkes lama", short_name="")
    imigrasi.parent = Agency.objects.get(code="kemenkum")
    imigrasi.save()
    office.refresh_from_db()
    assert office.path.startswith(Agency.objects.get(code="kemenkum").path)

    result = agencies_load_directory()

    assert result["national"].updated == 2
    kemenkes = Agency.objects.get(code="kemenkes")
    assert (kemenkes.name, kemenkes.short_name) == ("Kementerian Kesehatan", "Kemenkes")
    home = Agency.objects.get(code="kemenimipas")
    imigrasi.refresh_from_db()
    office.refresh_from_db()
    assert imigrasi.parent_id == home.pk
    assert imigrasi.path == f"{home.path}{imigrasi.pk}/"
    assert office.path == f"{imigrasi.path}{office.pk}/"


def test_a_rerun_leaves_an_agency_switched_off_by_an_admin_off(directory):
    Agency.objects.filter(code="pos-indonesia").update(is_active=False)

    agencies_load_directory()

    assert not Agency.objects.get(code="pos-indonesia").is_active


def _write(tmp_path, agencies):
    path = tmp_path / "agencies.json"
    path.write_text(json.dumps({"agencies": agencies}), encoding="utf-8")
    return path


def test_nested_units_default_to_kind_unit_and_groups_attach_to_a_parent(tmp_path):
    path = _write(
        tmp_path,
        [
            {
                "code": "k",
                "name": "Kementerian K",
                "kind": "ministry",
                "units": [
                    {
                        "code": "k-1",
                        "name": "Direktorat 1",
                        "units": [{"code": "k-1-a", "name": "Sub"}],
                    }
                ],
            },
            {"parent": "k", "units": [{"code": "k-2", "name": "Direktorat 2", "region": "32"}]},
        ],
    )
    assert specs_from_json(path) == [
        AgencySpec(code="k", name="Kementerian K", kind="ministry"),
        AgencySpec(code="k-1", name="Direktorat 1", kind="unit", parent_code="k"),
        AgencySpec(code="k-1-a", name="Sub", kind="unit", parent_code="k-1"),
        AgencySpec(code="k-2", name="Direktorat 2", kind="unit", parent_code="k", region_code="32"),
    ]


@pytest.mark.parametrize(
    ("agencies", "message"),
    [
        ([{"code": "x", "name": "X"}], "unknown or missing kind"),
        ([{"code": "x", "name": "X", "kind": "kingdom"}], "unknown or missing kind"),
        ([{"code": "x", "kind": "ministry"}], "'name' must be a non-empty string"),
        ([{"code": "x", "name": "X", "kind": "ministry", "colour": "red"}], "unknown keys"),
        ([{"code": "x", "name": "X", "kind": "ministry", "units": {}}], "must be a list"),
        ([{"parent": "x", "units": [], "name": "Y"}], "a group holds only"),
        (
            [
                {
                    "code": "x",
                    "name": "X",
                    "kind": "ministry",
                    "units": [{"code": "y", "name": "Y", "parent": "z"}],
                }
            ],
            "takes its parent from its place",
        ),
    ],
)
def test_malformed_files_are_refused_with_the_place(tmp_path, agencies, message):
    with pytest.raises(AgencyDataError, match=message):
        specs_from_json(_write(tmp_path, agencies))


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "agencies.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(AgencyDataError, match=r"agencies\.json"):
        specs_from_json(path)


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([AgencySpec("a", "A", "ministry"), AgencySpec("a", "B", "ministry")], "appears twice"),
        ([AgencySpec("A B", "A", "ministry")], "is not valid"),
        ([AgencySpec("u", "U", "unit")], "a unit needs a parent"),
        ([AgencySpec("u", "U", "unit", parent_code="nowhere")], "unknown parent"),
        ([AgencySpec("p", "P", "province")], "needs a region"),
        ([AgencySpec("p", "P", "province", region_code="99")], "unknown region codes"),
        (
            [
                AgencySpec("a", "A", "unit", parent_code="b"),
                AgencySpec("b", "B", "unit", parent_code="a"),
            ],
            "form a cycle",
        ),
        ([AgencySpec("a", "A" * 201, "ministry")], "too long"),
    ],
)
def test_bad_specs_are_refused_and_nothing_is_written(db, specs, message):
    with pytest.raises(AgencyDataError, match=message):
        agencies_load(specs=specs)
    assert not Agency.objects.exists()


def test_units_may_hang_under_agencies_already_in_the_database(db):
    Region.objects.create(code="51", name="BALI", level=1)
    agencies_load(specs=[AgencySpec("pln", "PLN", "state_enterprise")])

    agencies_load(specs=[AgencySpec("pln-bali", "PLN Bali", "unit", "", "pln", "51")])

    unit = Agency.objects.select_related("parent").get(code="pln-bali")
    assert unit.parent.code == "pln"
    assert unit.timezone == "Asia/Makassar"
    assert unit.path == f"{unit.parent.path}{unit.pk}/"
