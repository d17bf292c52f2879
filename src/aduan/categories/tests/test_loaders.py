import json

import pytest

from aduan.categories.loaders import (
    CategoryDataError,
    CategorySpec,
    categories_load,
    specs_from_json,
)
from aduan.categories.models import Category

pytestmark = pytest.mark.django_db


def test_the_bundled_taxonomy_in_two_languages():
    result = categories_load()

    assert result.created == Category.objects.count() == result.total
    tops = Category.objects.filter(parent=None)
    assert tops.count() >= 20
    codes = set(tops.values_list("code", flat=True))
    for topic in (
        "kesehatan",
        "pendidikan",
        "infrastruktur",
        "kependudukan",
        "bansos",
        "transportasi",
        "lingkungan",
        "ketertiban",
        "energi",
        "pajak",
    ):
        assert topic in codes
    health = Category.objects.get(code="kesehatan")
    assert (health.name_id, health.name_en) == ("Kesehatan", "Health")
    assert health.children.count() >= 2
    assert not Category.objects.filter(parent__parent__isnull=False).exists()
    assert all(c.name_id and c.name_en for c in Category.objects.all())


def test_a_second_run_changes_nothing_and_repairs_edits(django_assert_max_num_queries):
    categories_load()
    Category.objects.filter(code="pajak").update(name_en="Duties", sort_order=99)
    Category.objects.filter(code="lainnya").update(is_active=False)
    Category.objects.get(code="energi-bbm").delete()

    with django_assert_max_num_queries(8):
        result = categories_load()

    assert (result.created, result.updated) == (1, 1)
    pajak = Category.objects.get(code="pajak")
    assert pajak.name_en == "Taxes"
    assert pajak.sort_order != 99
    assert Category.objects.get(code="energi-bbm").parent.code == "energi"
    assert not Category.objects.get(code="lainnya").is_active
    again = categories_load()
    assert (again.created, again.updated) == (0, 0)


def _write(tmp_path, categories):
    path = tmp_path / "categories.json"
    path.write_text(json.dumps({"categories": categories}), encoding="utf-8")
    return path


def test_order_follows_the_file(tmp_path):
    path = _write(
        tmp_path,
        [
            {
                "code": "b",
                "name_id": "B",
                "name_en": "B",
                "children": [
                    {"code": "b-2", "name_id": "B2", "name_en": "B2"},
                    {"code": "b-1", "name_id": "B1", "name_en": "B1"},
                ],
            },
            {"code": "a", "name_id": "A", "name_en": "A"},
        ],
    )
    assert specs_from_json(path) == [
        CategorySpec("b", "B", "B", 1),
        CategorySpec("b-2", "B2", "B2", 1, "b"),
        CategorySpec("b-1", "B1", "B1", 2, "b"),
        CategorySpec("a", "A", "A", 2),
    ]


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        ([{"code": "a", "name_id": "A"}], "'name_en' must be"),
        ([{"code": "a b", "name_id": "A", "name_en": "A"}], "is not a slug"),
        ([{"code": "a", "name_id": "A", "name_en": "A", "icon": "x"}], "unknown keys"),
        (
            [
                {"code": "a", "name_id": "A", "name_en": "A"},
                {"code": "a", "name_id": "B", "name_en": "B"},
            ],
            "appears twice",
        ),
        (
            [
                {
                    "code": "a",
                    "name_id": "A",
                    "name_en": "A",
                    "children": [{"code": "b", "name_id": "B", "name_en": "B", "children": []}],
                }
            ],
            "only one level",
        ),
        ([{"code": "a", "name_id": "A", "name_en": "A", "children": "b"}], "must be a list"),
        (["a"], "expected an object"),
    ],
)
def test_malformed_files_are_refused(tmp_path, categories, message):
    with pytest.raises(CategoryDataError, match=message):
        specs_from_json(_write(tmp_path, categories))


def test_a_sub_topic_of_an_unknown_parent_is_refused():
    with pytest.raises(CategoryDataError, match="unknown parent"):
        categories_load(specs=[CategorySpec("b", "B", "B", 1, "nowhere")])
    assert not Category.objects.exists()
