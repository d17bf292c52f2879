"""The directory rows a process remembers (``aduan.core.memo``): forgotten at once by the
process that changes one, within ``CHECK_SECONDS`` by the others."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from aduan.agencies.models import Agency
from aduan.agencies.tests.factories import AgencyFactory
from aduan.core import memo

pytestmark = pytest.mark.django_db


def lookup(pk: int) -> Agency | None:
    return memo.directory_lookup(("agency", pk), Agency.objects.filter(pk=pk).first)


def test_a_row_is_read_once(django_assert_num_queries):
    agency = AgencyFactory()
    lookup(agency.pk)
    with django_assert_num_queries(0):
        assert lookup(agency.pk) == agency


def test_a_copy_is_returned():
    agency = AgencyFactory(name="Dinas PU")
    lookup(agency.pk).name = "changed by a caller"
    assert lookup(agency.pk).name == "Dinas PU"


def test_a_save_is_seen_at_once_by_this_process():
    agency = AgencyFactory(name="Dinas PU")
    lookup(agency.pk)
    agency.name = "Dinas PUPR"
    agency.save()
    assert lookup(agency.pk).name == "Dinas PUPR"


def test_another_process_change_is_seen_after_the_check_interval(monkeypatch):
    agency = AgencyFactory(name="Dinas PU")
    lookup(agency.pk)
    # Another process changed the row (no signal here) and set a new version.
    Agency.objects.filter(pk=agency.pk).update(name="Dinas PUPR")
    cache.set(memo.VERSION_KEY, "another process", timeout=None)
    assert lookup(agency.pk).name == "Dinas PU"  # within CHECK_SECONDS: still remembered
    clock = memo.time.monotonic() + memo.CHECK_SECONDS + 0.1
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock)
    assert lookup(agency.pk).name == "Dinas PUPR"


def test_a_change_behind_the_orm_is_seen_after_max_age(monkeypatch):
    agency = AgencyFactory(name="Dinas PU")
    lookup(agency.pk)
    Agency.objects.filter(pk=agency.pk).update(name="Dinas PUPR")  # no signal, no version
    clock = memo.time.monotonic() + memo.MAX_AGE + 1
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock)
    assert lookup(agency.pk).name == "Dinas PUPR"


def test_load_directory_makes_every_process_forget(monkeypatch):
    """Its bulk writes send no signal: the command sets a new version itself, even when
    the load stops half-way (what was written before the error is new)."""
    from aduan.agencies.loaders import AgencyDataError
    from aduan.agencies.management.commands import load_directory

    def half_way(**kwargs):
        raise AgencyDataError("the file ends early")

    monkeypatch.setattr(load_directory, "regions_load", half_way)
    before = cache.get(memo.VERSION_KEY)
    with pytest.raises(CommandError):
        call_command("load_directory", verbosity=0)
    assert cache.get(memo.VERSION_KEY) not in (None, before)
