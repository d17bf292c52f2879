from __future__ import annotations

import pytest

from aduan.accounts.tests.factories import UnitOfficerFactory, UserFactory
from aduan.reports.models import ReportEvent, Status
from aduan.reports.tests.factories import ReportFactory


@pytest.fixture
def reporter(db):
    return UserFactory(full_name="Siti Rahmawati", email="siti@example.id", language="en")


@pytest.fixture
def report(reporter):
    return ReportFactory(
        reporter=reporter,
        title="Lampu jalan mati di Jalan Merdeka",
        body="Sudah dua minggu lampu jalan di depan pasar mati, rawan kecelakaan malam hari.",
        status=Status.IN_PROGRESS,
    )


@pytest.fixture
def officer(db):
    return UnitOfficerFactory(full_name="Budi Petugas", language="en")


@pytest.fixture
def status_event(report):
    return ReportEvent.objects.create(
        report=report,
        action="accept",  # a note the reporter reads (NOTE_AUDIENCE),
        from_status=Status.DISPOSITIONED,
        to_status=Status.IN_PROGRESS,
        note="Petugas sudah dijadwalkan ke lokasi.",
    )
