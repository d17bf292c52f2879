"""``KLAIM <code>`` on X: by direct message it links the X account; in a public mention the
code is spent and nothing is linked."""

from __future__ import annotations

import pytest

from aduan.accounts.tests.factories import UserFactory
from aduan.channels import claim
from aduan.channels.models import ChannelIdentity, InboundMessage, InboundStatus
from aduan.channels.services import identity_user
from aduan.reports.models import EventAction, Report
from aduan.reports.tests.factories import ReportFactory

from .conftest import payload
from .test_webhook import DM_AUTHOR, MENTION_AUTHOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen():
    return UserFactory(email="budi@example.id", language="en")


def dm(fake_x, text: str, event_id: str = "1897300000000000099") -> dict:
    body = payload("dm.json", fake_x)
    event = body["direct_message_events"][0]
    event["id"] = event_id
    event["message_create"]["message_data"]["text"] = text
    return body


def mention(fake_x, text: str) -> dict:
    body = payload("mention.json", fake_x)
    tweet = body["tweet_create_events"][0]
    tweet["text"] = f"@lapor1708 {text}"
    tweet["display_text_range"] = [0, len(tweet["text"])]
    tweet.pop("extended_tweet", None)
    return body


def test_a_dm_with_the_code_links_the_x_account_and_answers_by_dm(client, fake_x, deliver, citizen):
    x_account = identity_user(channel="x", address=DM_AUTHOR, handle="@warga_sukajadi")
    report = ReportFactory(reporter=x_account)
    _row, code = claim.claim_code_issue(user=citizen)
    counts = deliver(client, dm(fake_x, f"KLAIM {code}")).json()
    assert counts["accepted"] == 1
    assert not Report.objects.exclude(pk=report.pk).exists()  # no report from the code
    report.refresh_from_db()
    assert report.reporter == citizen
    assert report.events.filter(action=EventAction.REPORTER_LINKED).count() == 1
    identity = ChannelIdentity.objects.get(channel="x", address=DM_AUTHOR)
    assert (identity.user, identity.handle) == (citizen, "@warga_sukajadi")
    [(participant, sent)] = fake_x.dms
    assert participant == DM_AUTHOR
    assert sent["text"].startswith("Done: this X account is now linked")
    assert "1 report moved" in sent["text"]


def test_a_code_in_a_public_mention_is_spent_and_links_nothing(client, fake_x, deliver, citizen):
    _row, code = claim.claim_code_issue(user=citizen)
    counts = deliver(client, mention(fake_x, f"KLAIM {code}")).json()
    assert counts["rejected"] == 1
    assert not ChannelIdentity.objects.filter(channel="x").exists()
    assert not Report.objects.exists()
    [tweet] = fake_x.tweets
    assert "posted in public" in tweet["text"]
    assert code not in tweet["text"]
    # The same code by DM afterwards no longer works.
    deliver(client, dm(fake_x, f"KLAIM {code}"))
    assert not ChannelIdentity.objects.filter(channel="x", user=citizen).exists()
    message = InboundMessage.objects.filter(external_id__startswith="dm:").get()
    assert (message.status, message.detail) == (InboundStatus.REJECTED, "claim: invalid")
    assert MENTION_AUTHOR not in fake_x.dms[0][1]["text"]


COMPLAINT = "Klaim BPJS saya ditolak RSUD Cibinong sejak tiga minggu lalu tanpa alasan yang jelas."


@pytest.mark.parametrize("make", [mention, dm], ids=["mention", "dm"])
def test_a_complaint_that_begins_with_the_word_klaim_is_a_report(
    client, fake_x, deliver, citizen, make
):
    """On X every post is a report unless it is a claim: a sentence that begins with
    "Klaim" (an insurance claim, a land claim) is not a code."""
    _row, code = claim.claim_code_issue(user=citizen)
    counts = deliver(client, make(fake_x, COMPLAINT)).json()
    assert counts["accepted"] == 1
    report = Report.objects.get()
    assert report.body == COMPLAINT
    message = InboundMessage.objects.get()
    assert (message.status, message.report) == (InboundStatus.ACCEPTED, report)
    # It was no claim attempt: the citizen's code still works, nothing counted.
    assert claim.claim_redeem(channel="x", address="999", code=code).outcome == "linked"


@pytest.mark.parametrize("text", ["KLAIM", "klaim ABCD-EFG", "KLAIM: abcd efgh 2"])
def test_a_mistyped_code_on_x_is_still_a_claim(client, fake_x, deliver, citizen, text):
    claim.claim_code_issue(user=citizen)
    counts = deliver(client, dm(fake_x, text)).json()
    assert counts["rejected"] == 1
    assert not Report.objects.exists()
    assert InboundMessage.objects.get().detail == "claim: invalid"


def test_a_dm_claim_from_a_switched_off_x_account_links_nothing_and_is_not_answered(
    client, fake_x, deliver, citizen
):
    x_account = identity_user(channel="x", address=DM_AUTHOR, handle="@warga_sukajadi")
    x_account.is_active = False
    x_account.save(update_fields=["is_active"])
    _row, code = claim.claim_code_issue(user=citizen)
    counts = deliver(client, dm(fake_x, f"KLAIM {code}")).json()
    assert counts["rejected"] == 1
    assert ChannelIdentity.objects.get(channel="x", address=DM_AUTHOR).user == x_account
    assert fake_x.dms == []
    assert InboundMessage.objects.get().detail == "claim: refused"


def test_a_dm_lepas_takes_the_x_account_back_with_its_reports(client, fake_x, deliver, citizen):
    x_account = identity_user(channel="x", address=DM_AUTHOR, handle="@warga_sukajadi")
    report = ReportFactory(reporter=x_account)
    _row, code = claim.claim_code_issue(user=citizen)
    deliver(client, dm(fake_x, f"KLAIM {code}", event_id="1897300000000000101"))
    assert "Send LEPAS" in fake_x.dms[0][1]["text"]
    counts = deliver(client, dm(fake_x, "lepas", event_id="1897300000000000102")).json()
    assert counts["accepted"] == 1
    report.refresh_from_db()
    assert report.reporter != citizen
    assert ChannelIdentity.objects.get(channel="x").user == report.reporter
    assert "1 report is back" in fake_x.dms[1][1]["text"]
    assert not Report.objects.exclude(pk=report.pk).exists()  # "lepas" made no report


def test_an_x_account_of_a_staff_member_makes_no_report(client, fake_x, deliver):
    from aduan.accounts.tests.factories import AgencyAdminFactory

    officer = AgencyAdminFactory()
    ChannelIdentity.objects.create(
        channel="x", address=DM_AUTHOR, user=officer, verified_at=officer.date_joined
    )
    counts = deliver(client, payload("dm.json", fake_x)).json()
    assert counts["rejected"] == 1
    assert not Report.objects.exists()
    assert "staff account" in fake_x.dms[0][1]["text"]


def test_updates_go_to_the_x_account_the_report_came_from(client, fake_x, deliver, citizen):
    """A web account with two X accounts linked: the DM goes to the one that reported."""
    from django.utils import timezone

    ChannelIdentity.objects.create(
        channel="x", address="5550001112223334445", user=citizen, verified_at=timezone.now()
    )
    _row, code = claim.claim_code_issue(user=citizen)
    deliver(client, dm(fake_x, f"KLAIM {code}", event_id="1897300000000000103"))
    other = ChannelIdentity.objects.get(address="5550001112223334445")
    other.verified_at = timezone.now()  # linked after: the latest
    other.save()
    deliver(client, payload("dm.json", fake_x))
    report = Report.objects.get()
    assert report.reporter == citizen
    receipts = [
        participant for participant, body in fake_x.dms if report.tracking_id in body["text"]
    ]
    assert receipts == [DM_AUTHOR]
