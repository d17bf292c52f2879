"""The staff workspaces' people, agencies and frozen clock (aduan.web.tests.conftest), and
the reports the exports' tests read."""

import pytest

from aduan.agencies.tests.factories import AgencyFactory
from aduan.regions.models import Region, RegionLevel
from aduan.web.tests.conftest import (  # noqa: F401
    agency,
    citizen,
    fresh_storage,
    frozen,
    other_citizen,
    people,
    region_tree,
    unit,
)
from aduan.web.tests.staff_helpers import disposed, in_progress, submitted
from aduan.workflow import services as wf


@pytest.fixture
def work(people, citizen, other_citizen, agency, unit, region_tree):  # noqa: F811 - fixtures
    admin, agency_admin = people["national_admin"], people["agency_admin"]
    # A village: four levels, the deepest the lists join (``ANCESTORS``).
    village = Region.objects.create(
        code="32.73.01.1001",
        name="Isola",
        parent=region_tree["district"],
        level=RegionLevel.VILLAGE,
    )
    named = disposed(
        citizen,
        admin=admin,
        agency=agency,
        title="Lampu jalan mati",
        region_code=village.code,
    )
    anonymous = disposed(
        other_citizen, admin=admin, agency=agency, title="Pungutan liar", anonymous=True
    )
    at_unit = disposed(citizen, admin=admin, agency=agency, title="Trotoar rusak")
    wf.report_forward(report=at_unit, actor=agency_admin, agency_id=unit.pk)
    busy = in_progress(
        citizen, admin=admin, agency=agency, agency_admin=agency_admin, title="Sedang ditangani"
    )
    elsewhere = disposed(citizen, admin=admin, agency=AgencyFactory(), title="Instansi lain")
    waiting = submitted(citizen, title="Menunggu verifikasi")
    return {
        "named": named,
        "anonymous": anonymous,
        "at_unit": at_unit,
        "busy": busy,
        "elsewhere": elsewhere,
        "waiting": waiting,
    }
