from __future__ import annotations

import datetime as dt

import pytest

from aduan.agencies.tests.factories import AgencyFactory
from aduan.reports.tests.factories import ReportFactory

# 2026-12-01 16:30 UTC: Tuesday 23:30 in WIB, already Wednesday Dec 2 in WITA and WIT.
DISPOSED_AT = dt.datetime(2026, 12, 1, 16, 30, tzinfo=dt.UTC)


@pytest.fixture
def agency_wib(db):
    return AgencyFactory(name="Pemerintah Kota Bandung", timezone="Asia/Jakarta")


@pytest.fixture
def agency_wita(db):
    return AgencyFactory(name="Pemerintah Kota Makassar", timezone="Asia/Makassar")


@pytest.fixture
def agency_wit(db):
    return AgencyFactory(name="Pemerintah Kota Jayapura", timezone="Asia/Jayapura")


@pytest.fixture
def report(agency_wib):
    return ReportFactory(agency=agency_wib)
