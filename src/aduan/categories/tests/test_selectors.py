import pytest
from django.utils import translation

from aduan.categories.selectors import category_list
from aduan.categories.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topics():
    health = CategoryFactory(code="kesehatan", name_id="Kesehatan", name_en="Health", sort_order=2)
    roads = CategoryFactory(
        code="jalan", name_id="Jalan", name_en="Roads", sort_order=1, is_active=False
    )
    return {
        "health": health,
        "roads": roads,
        "hospital": CategoryFactory(parent=health, name_id="Rumah sakit", sort_order=2),
        "bpjs": CategoryFactory(parent=health, name_id="BPJS", sort_order=1),
        "bridge": CategoryFactory(parent=roads, name_id="Jembatan"),
        "off": CategoryFactory(parent=health, name_id="Lama", is_active=False),
        "other": CategoryFactory(code="lainnya", name_id="Lainnya", sort_order=3),
    }


def test_each_topic_is_followed_by_its_sub_topics_in_order(topics, django_assert_num_queries):
    with django_assert_num_queries(1):
        listed = category_list()
        parents = [c.parent.code if c.parent else None for c in listed]
    assert listed == [topics["health"], topics["bpjs"], topics["hospital"], topics["other"]]
    assert parents == [None, "kesehatan", "kesehatan", None]


def test_inactive_topics_on_request(topics):
    listed = category_list(include_inactive=True)
    assert listed[:2] == [topics["roads"], topics["bridge"]]
    assert topics["off"] in listed


def test_the_name_follows_the_language(topics):
    with translation.override("en"):
        assert topics["health"].name == "Health"
    with translation.override("id"):
        assert topics["health"].name == "Kesehatan"
