"""Loading the priority programmes: the bundled file, idempotently, without undoing the
national admin's edits."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from aduan.categories.loaders import categories_load
from aduan.programmes.loaders import (
    ProgrammeDataError,
    ProgrammeSpec,
    programmes_load,
    specs_from_json,
)
from aduan.programmes.models import Programme

pytestmark = pytest.mark.django_db


def test_the_bundled_file_loads_once():
    categories_load()
    first = programmes_load()
    assert first.created == first.total >= 10
    again = programmes_load()
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.total)
    assert Programme.objects.count() == first.total
    mbg = Programme.objects.get(code="makan-bergizi-gratis")
    assert mbg.name == "Makan Bergizi Gratis (MBG)"
    assert [c.code for c in mbg.categories.all()] == ["mbg"]
    assert list(Programme.objects.values_list("ordering", flat=True)) == list(
        range(1, first.total + 1)
    )


def test_the_admins_edits_survive_a_reload_unless_overwritten():
    categories_load()
    programmes_load()
    mbg = Programme.objects.get(code="makan-bergizi-gratis")
    mbg.name, mbg.is_active = "MBG (diubah)", False
    mbg.save()
    mbg.categories.clear()
    assert programmes_load().updated == 0
    mbg.refresh_from_db()
    assert (mbg.name, mbg.is_active, mbg.categories.count()) == ("MBG (diubah)", False, 0)
    assert programmes_load(overwrite=True).updated == 1
    mbg.refresh_from_db()
    # The name comes back; being switched off and the categories stay the admin's choice.
    assert (mbg.name, mbg.is_active, mbg.categories.count()) == (
        "Makan Bergizi Gratis (MBG)",
        False,
        0,
    )


def test_an_unknown_category_is_an_error():
    with pytest.raises(ProgrammeDataError, match="unknown categories"):
        programmes_load(specs=[ProgrammeSpec("x", "X", "", 1, ("no-such-topic",))])
    assert not Programme.objects.exists()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"programmes": {}}, "expected an object"),
        ({"programmes": [{"code": "a b", "name": "A"}]}, "not a slug"),
        ({"programmes": [{"code": "a", "name": ""}]}, "'name'"),
        ({"programmes": [{"code": "a", "name": "A", "colour": "red"}]}, "unknown keys"),
        ({"programmes": [{"code": "a", "name": "A", "categories": "mbg"}]}, "'categories'"),
        ({"programmes": [{"code": "a", "name": "A"}, {"code": "a", "name": "B"}]}, "twice"),
    ],
)
def test_malformed_files_are_refused(tmp_path, document, message):
    path = tmp_path / "programmes.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ProgrammeDataError, match=message):
        specs_from_json(path)


def test_the_command(capsys):
    categories_load()
    call_command("load_programmes")
    assert "new" in capsys.readouterr().out
    assert Programme.objects.filter(code="sekolah-rakyat").exists()
