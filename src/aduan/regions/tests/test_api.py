"""The regions API: one level of the administrative tree at a time."""

from __future__ import annotations

import pytest

from aduan.api.tests.utils import assert_problem
from aduan.regions.tests.factories import DistrictFactory, ProvinceFactory, RegencyFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/regions"


def test_provinces_without_parent(client):
    west_java = ProvinceFactory(code="32", name="JAWA BARAT")
    ProvinceFactory(code="11", name="ACEH")
    RegencyFactory(code="32.73", name="KOTA BANDUNG", parent=west_java)
    data = client.get(URL).json()
    assert [r["code"] for r in data] == ["11", "32"]
    assert data[1] == {
        "code": "32",
        "name": "Jawa Barat",
        "level": 1,
        "level_label": "Province",
        "parent_code": None,
    }


def test_children_of_parent(client):
    regency = RegencyFactory(code="32.73", name="KOTA BANDUNG", parent=ProvinceFactory(code="32"))
    district = DistrictFactory(code="32.73.01", name="Sukasari", parent=regency)
    assert [r["code"] for r in client.get(URL, {"parent": "32"}).json()] == ["32.73"]
    children = client.get(URL, {"parent": "32.73"}).json()
    assert children == [
        {
            "code": district.code,
            "name": "Sukasari",
            "level": 3,
            "level_label": "District",
            "parent_code": "32.73",
        }
    ]


def test_unknown_parent_is_404(client):
    assert_problem(client.get(URL, {"parent": "99.99"}), 404)


def test_overlong_parent_is_422(client):
    assert "parent" in assert_problem(client.get(URL, {"parent": "3" * 20}), 422)["errors"]


def test_garbage_token_is_401(client):
    assert_problem(client.get(URL, HTTP_AUTHORIZATION="Bearer nope"), 401)


def test_query_count(client, django_assert_max_num_queries):
    province = ProvinceFactory(code="35")
    for i in range(1, 21):
        RegencyFactory(code=f"35.{i:02d}", parent=province)
    with django_assert_max_num_queries(2):
        assert len(client.get(URL, {"parent": "35"}).json()) == 20
