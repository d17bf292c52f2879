import pytest

from aduan.agencies.models import AgencyKind
from aduan.agencies.selectors import (
    agency_ancestors,
    agency_get,
    agency_local_government,
    agency_search,
    agency_subtree_ids,
)
from aduan.agencies.tests.factories import (
    AgencyFactory,
    NationalAdminAgencyFactory,
    OversightAgencyFactory,
    UnitFactory,
)
from aduan.core.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    ministry = AgencyFactory(name="Kementerian Kesehatan", short_name="Kemenkes", code="kemenkes")
    directorate = UnitFactory(
        parent=ministry, name="Direktorat Jenderal Kesehatan Lanjutan", short_name="Yankes"
    )
    office = UnitFactory(parent=directorate, name="Balai Besar Kesehatan", short_name="BBK")
    bpjs = AgencyFactory(
        name="Badan Penyelenggara Jaminan Sosial Kesehatan",
        short_name="BPJS Kesehatan",
        kind=AgencyKind.STATE_ENTERPRISE,
        code="bpjs-kesehatan",
    )
    return {"ministry": ministry, "directorate": directorate, "office": office, "bpjs": bpjs}


def test_search_matches_name_short_name_and_code_ignoring_case(tree):
    assert agency_search(q="KEMENKES") == [tree["ministry"]]
    assert agency_search(q="jaminan sosial") == [tree["bpjs"]]
    assert agency_search(q="bpjs-kes") == [tree["bpjs"]]
    # Every word must match, in any field.
    assert agency_search(q="kesehatan lanjutan") == [tree["directorate"]]
    assert agency_search(q="kesehatan tidak-ada") == []


def test_control_characters_in_the_words_are_dropped(tree):
    """A NUL reached PostgreSQL from the report form's agency search and was a 500."""
    assert agency_search(q="KEMEN\x00KES") == [tree["ministry"]]
    assert agency_search(q="jaminan\x00 sosial\x07") == [tree["bpjs"]]


def test_search_by_kind_one_or_several(tree):
    assert agency_search(kind=AgencyKind.STATE_ENTERPRISE) == [tree["bpjs"]]
    assert set(agency_search(kind=[AgencyKind.MINISTRY, AgencyKind.STATE_ENTERPRISE])) == {
        tree["ministry"],
        tree["bpjs"],
    }


def test_an_unknown_kind_is_a_clear_error(tree):
    with pytest.raises(ValidationFailed) as error:
        agency_search(kind="kingdom")
    assert "kingdom" in error.value.field_errors["kind"][0]


def test_search_under_a_parent_gives_its_direct_units(tree):
    assert agency_search(parent_id=tree["ministry"].pk) == [tree["directorate"]]
    assert agency_search(parent_id=tree["directorate"].pk) == [tree["office"]]


def test_receiving_only_leaves_out_the_platform_bodies(tree):
    admin = NationalAdminAgencyFactory()
    ombudsman = OversightAgencyFactory()

    receiving = set(agency_search(limit=200))
    everyone = set(agency_search(receiving_only=False, limit=200))

    assert admin not in receiving
    assert ombudsman not in receiving
    assert everyone - receiving == {admin, ombudsman}


def test_inactive_agencies_are_never_found(tree):
    tree["bpjs"].is_active = False
    tree["bpjs"].save()

    assert agency_search(q="bpjs") == []
    with pytest.raises(NotFound):
        agency_get(tree["bpjs"].pk)


def test_limit_is_applied_and_bounded(tree):
    assert len(agency_search(limit=2)) == 2
    assert len(agency_search(limit=0)) == 1
    assert len(agency_search(limit=10_000)) == 4


def test_search_is_one_query_with_parent_and_region(tree, django_assert_num_queries):
    UnitFactory.create_batch(5, parent=tree["bpjs"])
    with django_assert_num_queries(1):
        found = agency_search(q="direktorat")
        labels = [(a.parent.name if a.parent else "", a.region) for a in found]
    assert len(labels) == 6


def test_subtree_ids_cover_every_depth_and_nothing_else(tree):
    ids = agency_subtree_ids(tree["ministry"])

    assert set(ids) == {tree["ministry"].pk, tree["directorate"].pk, tree["office"].pk}
    assert set(agency_subtree_ids(tree["office"])) == {tree["office"].pk}


def test_subtree_ids_work_as_a_subquery(tree, django_assert_num_queries):
    from aduan.agencies.models import Agency

    with django_assert_num_queries(1):
        names = set(
            Agency.objects.filter(pk__in=agency_subtree_ids(tree["directorate"])).values_list(
                "short_name", flat=True
            )
        )
    assert names == {"Yankes", "BBK"}


def test_ancestors_from_the_top_down(tree):
    assert agency_ancestors(tree["office"]) == [tree["ministry"], tree["directorate"]]
    assert agency_ancestors(tree["ministry"]) == []


def test_agency_get_unknown_id_is_not_found(db):
    with pytest.raises(NotFound):
        agency_get(987654)


def test_the_local_government_of_a_place(directory):
    assert agency_local_government("32.73.01").code == "kota-32.73"
    assert agency_local_government("32.01").code == "kab-32.01"
    assert agency_local_government("51").code == "prov-51"
    assert agency_local_government("99.99") is None
    assert agency_local_government("") is None
