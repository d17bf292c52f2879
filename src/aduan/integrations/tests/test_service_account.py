"""Integration service accounts act by API only: they are never told about events."""

import pytest


@pytest.mark.django_db
def test_the_integration_account_gets_no_notifications():
    """The agency's system hears of events by webhook; its service account reads no inbox."""
    from aduan.accounts.models import ApiToken
    from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory
    from aduan.integrations.services import integration_token_create
    from aduan.notifications.models import Notification
    from aduan.reports.tests.factories import ReportFactory
    from aduan.workflow.services import report_dispose

    admin = AgencyAdminFactory()
    token, _raw = integration_token_create(actor=admin, name="SIMPEL")
    service_account = ApiToken.objects.get(pk=token.pk).user
    report = ReportFactory()
    report_dispose(report=report, actor=NationalAdminFactory(), agency_id=admin.agency_id)
    assert Notification.objects.filter(recipient=admin, kind="disposition_received").exists()
    assert not Notification.objects.filter(recipient=service_account).exists()
