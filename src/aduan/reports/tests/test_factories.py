import pytest

from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory
from aduan.agencies.tests.factories import UnitFactory
from aduan.reports.models import Status
from aduan.reports.selectors import reports_visible_to
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


def test_agency_staff_see_their_units_reports_but_not_other_agencies_confidential_ones():
    unit = UnitFactory()
    admin = AgencyAdminFactory(agency=unit.parent)
    mine = ReportFactory(agency=unit, confidential=True, status=Status.DISPOSITIONED)
    other = ReportFactory(agency=UnitFactory(), confidential=True, status=Status.DISPOSITIONED)
    visible = set(reports_visible_to(user=admin))
    assert mine in visible
    assert other not in visible
    assert {mine, other} <= set(reports_visible_to(user=NationalAdminFactory()))
