from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from aduan.agencies.models import Agency
from aduan.categories.models import Category
from aduan.regions.loaders import RegionDataError
from aduan.regions.models import Region

pytestmark = pytest.mark.django_db


def test_load_directory_loads_everything_and_is_idempotent():
    out = StringIO()
    call_command("load_directory", "--skip-villages", "--no-progress", stdout=out)

    text = out.getvalue()
    assert "Province: 38 (38 new, 0 updated, 0 unchanged)" in text
    assert "Regency/city: 514 (514 new" in text
    assert "District: 7277 (7277 new" in text
    assert "Village" not in text
    assert "Agencies, local governments: 552 (552 new" in text
    assert "Directory loaded in" in text
    counts = (Region.objects.count(), Agency.objects.count(), Category.objects.count())

    again = StringIO()
    call_command("load_directory", "--skip-villages", "--no-progress", stdout=again)

    lines = [line for line in again.getvalue().splitlines() if " new, " in line]
    assert len(lines) == 7  # 3 region levels, 3 agency parts, categories
    assert all("(0 new, 0 updated, " in line for line in lines)
    assert "Agencies, local governments: 552 (0 new, 0 updated, 552 unchanged)" in lines
    assert (Region.objects.count(), Agency.objects.count(), Category.objects.count()) == counts


def test_bad_data_is_a_command_error(monkeypatch):
    def broken(**kwargs):
        raise RegionDataError("regencies.csv:3: '32.9' is not a level-2 code")

    monkeypatch.setattr("aduan.agencies.management.commands.load_directory.regions_load", broken)
    with pytest.raises(CommandError, match="is not a level-2 code"):
        call_command("load_directory", "--no-progress", stdout=StringIO())
    assert not Agency.objects.exists()
