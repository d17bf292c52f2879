"""The decisions every inbound channel shares (``channels.adapter``)."""

import pytest
from django.test import override_settings

from aduan.accounts.tests.factories import UnitOfficerFactory, UserFactory
from aduan.channels.adapter import (
    Refusal,
    channel_reporter,
    reporter_message_answers,
    reporter_refusal,
)
from aduan.reports.models import Report, Status

pytestmark = pytest.mark.django_db


def test_a_new_sender_gets_a_citizen_account_that_may_act():
    user, refusal = channel_reporter(channel="sms", address="+6281234567890")
    assert refusal is None
    assert user.full_name == "Pelapor SMS"


def test_a_switched_off_account_and_a_staff_account_are_refused():
    assert reporter_refusal(UserFactory(is_active=False)) is Refusal.INACTIVE
    officer = UnitOfficerFactory()
    assert reporter_refusal(officer) is Refusal.STAFF
    assert reporter_refusal(officer, citizens_only=False) is None


@override_settings(ADUAN_SUBMIT_RATE_USER="2/h")
def test_reports_are_counted_in_the_account_budget_only_when_asked():
    citizen = UserFactory()
    for _i in range(3):
        assert reporter_refusal(citizen) is None
    assert reporter_refusal(citizen, count_submission=True) is None
    assert reporter_refusal(citizen, count_submission=True) is None
    assert reporter_refusal(citizen, count_submission=True) is Refusal.RATE_LIMITED


@pytest.mark.parametrize("status", list(Status))
def test_a_reporter_message_answers_a_response_or_a_hold_and_is_a_comment_otherwise(status):
    answers = reporter_message_answers(Report(status=status))
    assert answers == (status in {Status.RESPONDED, Status.ON_HOLD})
