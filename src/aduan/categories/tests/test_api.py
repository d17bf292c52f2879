"""The categories API."""

from __future__ import annotations

import pytest

from aduan.api.tests.utils import assert_problem
from aduan.categories.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/categories"


def test_lists_active_categories_in_order_and_language(visitor_client):
    second = CategoryFactory(name_id="Jalan", name_en="Roads", sort_order=2)
    first = CategoryFactory(name_id="Kesehatan", name_en="Health", sort_order=1)
    CategoryFactory(name_id="Lama", name_en="Old", is_active=False)
    child = CategoryFactory(
        name_id="Jalan rusak", name_en="Damaged roads", parent=second, sort_order=3
    )
    indonesian = visitor_client.get(URL).json()
    assert [c["name"] for c in indonesian] == ["Kesehatan", "Jalan", "Jalan rusak"]
    english = visitor_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").json()
    assert [c["name"] for c in english] == ["Health", "Roads", "Damaged roads"]
    assert english[0] == {"id": first.pk, "code": first.code, "name": "Health", "parent_id": None}
    assert english[2]["parent_id"] == second.pk
    assert child.pk == english[2]["id"]


def test_revoked_or_garbage_token_is_401(client):
    assert_problem(client.get(URL, HTTP_AUTHORIZATION="Bearer adn_forged"), 401)


def test_query_count(client, django_assert_max_num_queries):
    for _ in range(15):
        CategoryFactory()
    with django_assert_max_num_queries(1):
        assert len(client.get(URL).json()) == 15
