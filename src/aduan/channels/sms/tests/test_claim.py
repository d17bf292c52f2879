"""``KLAIM <code>`` by SMS: the number links to the web account that shows the code."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import ngettext

from aduan.accounts.tests.factories import UserFactory
from aduan.channels import claim
from aduan.channels.models import ChannelIdentity, InboundMessage, InboundStatus
from aduan.channels.services import identity_user
from aduan.reports.models import Report
from aduan.reports.tests.factories import ReportFactory

from .conftest import E164, PHONE, indonesian, sms

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_settings")]


@pytest.fixture
def citizen():
    return UserFactory(email="budi@example.id", phone="", language="id")


def test_klaim_links_the_number_and_moves_its_reports(client, citizen):
    sms_account = identity_user(channel="sms", address=E164)
    report = ReportFactory(reporter=sms_account)
    _row, code = claim.claim_code_issue(user=citizen)
    answer = sms(client, f"klaim  {code[:4]}-{code[4:]}")
    assert answer.status_code == 200
    text = answer.content.decode()
    assert text.startswith(
        indonesian(
            "Done: this number is now linked to your Aduan account %(email)s.",
            email="b***@example.id",
        )
    )
    with translation.override("id"):
        moved = ngettext("%(n)d report moved to it.", "%(n)d reports moved to it.", 1) % {"n": 1}
    assert f" {moved} " in text
    assert text.endswith(indonesian("Not your account? Send LEPAS."))
    assert len(text) <= 160
    report.refresh_from_db()
    assert report.reporter == citizen
    assert ChannelIdentity.objects.get(channel="sms", address=E164).user == citizen
    message = InboundMessage.objects.get()
    assert (message.status, message.reply) == (InboundStatus.ACCEPTED, text)
    # From now on the number acts for the web account: its next report is the citizen's.
    sms(client, "LAPOR Jalan di depan pasar Cibinong berlubang besar sejak dua bulan lalu.")
    assert Report.objects.latest("id").reporter == citizen


def test_klaim_from_a_new_number_creates_no_sms_account(client, citizen):
    _row, code = claim.claim_code_issue(user=citizen)
    sms(client, f"KLAIM {code}")
    assert ChannelIdentity.objects.get().user == citizen
    assert not citizen.__class__.objects.filter(email=None).exists()


@pytest.mark.parametrize("text", ["KLAIM", "KLAIM 12345", "KLAIM ABCDEFGH"])
def test_a_wrong_or_missing_code_is_refused_with_what_to_do(client, citizen, text):
    claim.claim_code_issue(user=citizen)
    answer = sms(client, text, message_id=f"wrong-{text}").content.decode()
    assert answer == indonesian(
        "The code is wrong or has expired. Get a new one on the website under "
        "Profile, SMS and X, and send KLAIM [code]."
    )
    assert not ChannelIdentity.objects.filter(user=citizen).exists()
    message = InboundMessage.objects.get()
    assert (message.status, message.detail) == (InboundStatus.REJECTED, "claim: invalid code")


def test_a_number_of_another_web_account_is_refused(client, citizen):
    owner = UserFactory(email="siti@example.id")
    ChannelIdentity.objects.create(
        channel="sms", address=E164, user=owner, verified_at=owner.date_joined
    )
    _row, code = claim.claim_code_issue(user=citizen)
    answer = sms(client, f"KLAIM {code}", sender=PHONE).content.decode()
    assert answer.startswith(
        indonesian(
            "This number is linked to another Aduan account. Unlink it there first, "
            "then send KLAIM and your code again."
        )
    )
    assert ChannelIdentity.objects.get().user == owner


def test_klaim_from_a_switched_off_number_gets_no_answer(client, citizen):
    sms_account = identity_user(channel="sms", address=E164)
    sms_account.is_active = False
    sms_account.save(update_fields=["is_active"])
    _row, code = claim.claim_code_issue(user=citizen)
    assert sms(client, f"KLAIM {code}").content.decode() == ""
    assert ChannelIdentity.objects.get().user == sms_account
    message = InboundMessage.objects.get()
    assert (message.status, message.detail) == (InboundStatus.REJECTED, "claim: refused")


def test_lepas_undoes_a_link_and_moves_the_claimed_reports_back(client, citizen):
    """Someone talked into sending a stranger's code takes the number back with LEPAS."""
    sms_account = identity_user(channel="sms", address=E164)
    report = ReportFactory(reporter=sms_account, anonymous=False)
    own = ReportFactory(reporter=citizen)  # the web account's own report stays there
    _row, code = claim.claim_code_issue(user=citizen)
    sms(client, f"KLAIM {code}", message_id="klaim-1")
    report.refresh_from_db()
    assert (report.reporter, report.anonymous) == (citizen, True)  # no real name shown
    answer = sms(client, "lepas", message_id="lepas-1").content.decode()
    assert answer.startswith(
        indonesian(
            "This number is no longer linked to the Aduan account %(email)s.",
            email="b***@example.id",
        )
    )
    report.refresh_from_db()
    own.refresh_from_db()
    assert report.reporter != citizen
    assert report.reporter.is_active
    assert own.reporter == citizen
    assert ChannelIdentity.objects.get(channel="sms", address=E164).user == report.reporter
    assert report.events.filter(action="reporter_linked").count() == 2
    citizen.refresh_from_db()
    assert citizen.phone == ""
    # Again: nothing is linked any more.
    again = sms(client, "LEPAS", message_id="lepas-2").content.decode()
    assert again == indonesian("This number is not linked to an Aduan web account.")


def test_a_number_linked_to_an_account_made_staff_cannot_act_by_sms(client, citizen):
    _row, code = claim.claim_code_issue(user=citizen)
    sms(client, f"KLAIM {code}", message_id="klaim-staff")
    from aduan.agencies.tests.factories import AgencyFactory

    citizen.role, citizen.agency = "agency_admin", AgencyFactory()
    citizen.save()
    answer = sms(client, "CEK AB23CD45EF", message_id="cek-staff").content.decode()
    assert "staff" in answer or "staf" in answer
    assert InboundMessage.objects.get(external_id="cek-staff").detail == "staff account"
    report_count = Report.objects.count()
    sms(client, "LAPOR Jalan di depan pasar Cibinong berlubang sejak dua bulan.", message_id="l-s")
    assert Report.objects.count() == report_count
