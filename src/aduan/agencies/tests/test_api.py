"""The agencies API: directory search for pickers and feed filters."""

from __future__ import annotations

import pytest

from aduan.accounts.tests.factories import NationalAdminFactory, UserFactory
from aduan.agencies.models import AgencyKind
from aduan.agencies.tests.factories import AgencyFactory, OversightAgencyFactory, UnitFactory
from aduan.api.tests.utils import assert_problem, bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/agencies"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [a["name"] for a in response.json()]


def test_search_by_words_kind_and_parent(client):
    ministry = AgencyFactory(name="Kementerian Pekerjaan Umum", short_name="PUPR")
    unit = UnitFactory(parent=ministry, name="Direktorat Jenderal Bina Marga")
    AgencyFactory(name="Kementerian Kesehatan", short_name="Kemenkes")
    AgencyFactory(name="Kementerian Lama", is_active=False)
    assert names(client.get(URL, {"q": "pupr"})) == ["Kementerian Pekerjaan Umum"]
    assert names(client.get(URL, {"q": "bina marga"})) == [unit.name]
    assert names(client.get(URL, {"kind": "unit"})) == [unit.name]
    assert names(client.get(URL, {"parent_id": ministry.pk})) == [unit.name]
    assert "Kementerian Lama" not in names(client.get(URL))
    data = client.get(URL, {"q": "pupr"}).json()[0]
    assert data == {
        "id": ministry.pk,
        "code": ministry.code,
        "name": ministry.name,
        "short_name": "PUPR",
        "kind": "ministry",
        "kind_label": "Ministry",
        "parent_id": None,
        "region_code": None,
        "receives_reports": True,
    }


def test_receiving_only_leaves_out_admin_and_oversight(client):
    NationalAdminFactory()
    OversightAgencyFactory()
    AgencyFactory(name="Kementerian Agama")
    everything = client.get(URL).json()
    assert {a["kind"] for a in everything} >= {AgencyKind.NATIONAL_ADMIN, AgencyKind.OVERSIGHT}
    assert names(client.get(URL, {"receiving_only": "true"})) == ["Kementerian Agama"]


def test_limit(client):
    for _ in range(5):
        AgencyFactory()
    assert len(client.get(URL, {"limit": 2}).json()) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "castle"}, "kind"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"parent_id": "x"}, "parent_id"),
    ],
)
def test_bad_parameters_are_422(client, params, field):
    assert field in assert_problem(client.get(URL, params), 422)["errors"]


def test_unknown_parent_is_404(client):
    assert_problem(client.get(URL, {"parent_id": 987654}), 404)


def test_readable_with_token_but_not_with_revoked_one(client):
    AgencyFactory()
    user = UserFactory()
    headers = bearer(user)
    assert client.get(URL, **headers).status_code == 200
    user.api_tokens.update(revoked_at="2020-01-01T00:00:00Z")
    assert_problem(client.get(URL, **headers), 401)


def test_query_count_is_constant(client, django_assert_max_num_queries):
    parent = AgencyFactory()
    for _ in range(20):
        UnitFactory(parent=parent)
    with django_assert_max_num_queries(2):
        response = client.get(URL, {"parent_id": parent.pk})
    assert len(response.json()) == 20
