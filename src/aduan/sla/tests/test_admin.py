from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory
from aduan.sla.models import DayOff, DeadlineKind
from aduan.sla.services import deadline_start

from .conftest import DISPOSED_AT

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(email="root@example.id", password="x" * 12)


def test_the_superuser_reads_but_cannot_change(client, superuser, report):
    day_off = DayOff.objects.create(date=dt.date(2026, 12, 3), name="Pilkada ulang")
    deadline = deadline_start(report=report, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    client.force_login(superuser)
    for model, obj in (("dayoff", day_off), ("deadline", deadline)):
        changelist = client.get(reverse(f"admin:sla_{model}_changelist"))
        assert changelist.status_code == 200
        assert client.get(reverse(f"admin:sla_{model}_change", args=[obj.pk])).status_code == 200
        assert client.get(reverse(f"admin:sla_{model}_add")).status_code == 403
        delete = client.post(reverse(f"admin:sla_{model}_delete", args=[obj.pk]), {"post": "yes"})
        assert delete.status_code == 403
    assert DayOff.objects.filter(pk=day_off.pk).exists()
    assert report.deadlines.filter(pk=deadline.pk).exists()


def test_staff_who_do_not_see_every_report_do_not_see_deadlines(client, report):
    agency_admin = AgencyAdminFactory(is_staff=True)
    client.force_login(agency_admin)
    assert client.get(reverse("admin:sla_deadline_changelist")).status_code == 403
    national_admin = NationalAdminFactory(is_staff=True)
    client.force_login(national_admin)
    # Without the Django view permission even the national admin is refused.
    assert client.get(reverse("admin:sla_deadline_changelist")).status_code == 403
