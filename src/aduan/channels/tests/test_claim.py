"""Claiming an SMS or X account on the web (``aduan.channels.claim``): the code, what
moves, and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory, UserFactory
from aduan.channels import claim
from aduan.channels.models import ChannelIdentity, ClaimCode
from aduan.channels.services import identity_user
from aduan.core.errors import PermissionDenied, RateLimited
from aduan.notifications.models import Notification
from aduan.reports.audit import chain_verify
from aduan.reports.models import EventAction, Report, ReportFollower, Status
from aduan.reports.selectors import report_get_for_user
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow import services as wf

pytestmark = pytest.mark.django_db

PHONE = "+6281234500001"
X_ID = "1234567890"


@pytest.fixture
def citizen():
    return UserFactory(email="budi@example.id", phone="")


@pytest.fixture
def sms_account():
    return identity_user(channel="sms", address=PHONE)


def issue(user) -> str:
    _row, code = claim.claim_code_issue(user=user)
    return code


# --- The code ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KLAIM ABCD-EFGH", "ABCDEFGH"),
        ("klaim abcd efgh", "ABCDEFGH"),
        ("  Claim:  ab cd.ef gh ", "ABCDEFGH"),
        ("KLAIM", ""),
        ("KLAIM ABCD-EFG", ""),  # too short
        ("KLAIM ABCD-EFG0", ""),  # 0 is not in the alphabet
        ("LAPOR KLAIM ABCDEFGH", None),
        ("KLAIMS ABCDEFGH", None),
        ("", None),
    ],
)
def test_code_read(text, expected):
    assert claim.code_read(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KLAIM ABCD-EFGH", "ABCDEFGH"),
        ("KLAIM ABCD-EFG0", ""),
        ("KLAIM", ""),
        ("Klaim BPJS saya ditolak rumah sakit", None),
        ("Klaim ABCD-EFGH terima kasih banyak", None),  # a sentence: no guessing its code
    ],
)
def test_code_read_in_free_text(text, expected):
    assert claim.code_read(text, free_text=True) == expected


def test_a_code_is_stored_only_as_a_digest_and_replaces_the_earlier_one(citizen):
    first = issue(citizen)
    second = issue(citizen)
    assert len(second) == claim.CODE_LENGTH
    assert set(second) <= set(claim.CODE_ALPHABET)
    row = ClaimCode.objects.get(user=citizen)  # the first one is gone
    assert first not in row.digest
    assert second not in row.digest
    assert claim.claim_redeem(channel="sms", address=PHONE, code=first).outcome == "invalid"
    assert claim.claim_redeem(channel="sms", address=PHONE, code=second).outcome == "linked"


@pytest.mark.parametrize(
    "make",
    [
        lambda: NationalAdminFactory(),
        lambda: AgencyAdminFactory(),
        lambda: identity_user(channel="sms", address="+6281299990000"),  # no e-mail
        lambda: UserFactory(is_active=False),
    ],
    ids=["national admin", "agency admin", "sms-only account", "inactive"],
)
def test_only_active_citizens_with_e_mail_get_a_code(make):
    with pytest.raises(PermissionDenied):
        claim.claim_code_issue(user=make())
    assert not ClaimCode.objects.exists()


def test_asking_for_codes_is_rate_limited(citizen, settings):
    settings.ADUAN_CLAIM_ISSUE_RATE = "2/h"
    issue(citizen)
    issue(citizen)
    with pytest.raises(RateLimited):
        issue(citizen)


def test_a_code_expires(citizen, sms_account):
    code = issue(citizen)
    later = timezone.now() + dt.timedelta(minutes=claim.CODE_MINUTES, seconds=1)
    with time_machine.travel(later):
        result = claim.claim_redeem(channel="sms", address=PHONE, code=code)
    assert result.outcome == "invalid"
    assert ChannelIdentity.objects.get(address=PHONE).user == sms_account


def test_a_code_works_once(citizen):
    code = issue(citizen)
    assert claim.claim_redeem(channel="sms", address=PHONE, code=code).outcome == "linked"
    other = claim.claim_redeem(channel="sms", address="+6281234500002", code=code)
    assert other.outcome == "invalid"
    assert not ChannelIdentity.objects.filter(address="+6281234500002").exists()


def test_wrong_codes_are_limited_per_sender(citizen, settings):
    settings.ADUAN_CLAIM_ATTEMPT_RATE = "3/h"
    code = issue(citizen)
    for guess in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC"):
        assert claim.claim_redeem(channel="sms", address=PHONE, code=guess).outcome == "invalid"
    # Even the right code is refused now, for this number only.
    assert claim.claim_redeem(channel="sms", address=PHONE, code=code).outcome == "limited"
    assert claim.claim_redeem(channel="sms", address="+6281234500003", code=code).outcome == (
        "linked"
    )


# --- What moves ---------------------------------------------------------------------------


def test_linking_moves_the_reports_on_the_audit_chain_and_switches_the_channel_account_off(
    citizen, sms_account
):
    admin = NationalAdminFactory()
    reports = [
        ReportFactory(reporter=sms_account, status=Status.SUBMITTED, agency=None) for _i in range(2)
    ]
    wf.report_hold(report=reports[0], actor=admin, question="Di kelurahan mana lokasinya?")
    followed = ReportFactory(status=Status.SUBMITTED)
    ReportFollower.objects.create(report=followed, user=sms_account)
    in_app = Notification.objects.filter(recipient=sms_account, channel="in_app").count()
    assert in_app >= 1

    result = claim.claim_redeem(channel="sms", address=PHONE, code=issue(citizen))

    assert (result.outcome, result.user, result.reports_moved) == ("linked", citizen, 2)
    assert set(Report.objects.filter(reporter=citizen)) == set(reports)
    assert list(chain_verify(tracking_ids=[r.tracking_id for r in reports])) == []
    for report in reports:
        event = report.events.order_by("-seq").first()
        assert (event.action, event.is_public, event.actor) == (
            EventAction.REPORTER_LINKED,
            False,
            None,
        )
        assert "SMS" in event.note
        # The web account reads and acts on them; the old account is off.
        report_get_for_user(user=citizen, tracking_id=report.tracking_id)
    assert ReportFollower.objects.get(report=followed).user == citizen
    assert Notification.objects.filter(recipient=citizen, channel="in_app").count() == in_app
    sms_account.refresh_from_db()
    assert sms_account.is_active is False
    identity = ChannelIdentity.objects.get(channel="sms", address=PHONE)
    assert identity.user == citizen
    assert identity.verified_at is not None
    citizen.refresh_from_db()
    assert citizen.phone == PHONE
    # The on-hold report is answered from the web account now.
    wf.report_answer(report=reports[0], actor=citizen, body="Di Kelurahan Sukajadi, RT 02.")


def test_a_new_number_is_linked_without_an_sms_account(citizen):
    result = claim.claim_redeem(channel="sms", address=PHONE, code=issue(citizen))
    assert (result.outcome, result.reports_moved) == ("linked", 0)
    assert ChannelIdentity.objects.get(address=PHONE).user == citizen


def test_linking_again_says_already(citizen):
    claim.claim_redeem(channel="sms", address=PHONE, code=issue(citizen))
    again = claim.claim_redeem(channel="sms", address=PHONE, code=issue(citizen))
    assert again.outcome == "already"


def test_a_number_of_another_web_account_is_not_taken(citizen):
    owner = UserFactory(email="siti@example.id")
    ChannelIdentity.objects.create(
        channel="sms", address=PHONE, user=owner, verified_at=timezone.now()
    )
    ReportFactory(reporter=owner)
    code = issue(citizen)
    assert claim.claim_redeem(channel="sms", address=PHONE, code=code).outcome == "taken"
    assert ChannelIdentity.objects.get(address=PHONE).user == owner
    assert Report.objects.get().reporter == owner
    # The code stays good: once the owner unlinks, it works.
    claim.identity_unlink(user=owner, identity_id=ChannelIdentity.objects.get().pk)
    assert claim.claim_redeem(channel="sms", address=PHONE, code=code).outcome == "linked"
    assert Report.objects.get().reporter == owner  # unlinking does not move reports


def test_a_code_in_a_public_post_is_spent_and_links_nothing(citizen):
    code = issue(citizen)
    result = claim.claim_redeem(channel="x", address=X_ID, code=code, public=True)
    assert result.outcome == "published"
    assert not ChannelIdentity.objects.filter(channel="x").exists()
    assert claim.claim_redeem(channel="x", address=X_ID, code=code).outcome == "invalid"


def test_email_identities_are_not_claimed_with_a_code(citizen):
    with pytest.raises(ValueError, match="not claimed"):
        claim.claim_redeem(channel="email", address="a@example.id", code=issue(citizen))


def test_a_failure_while_moving_leaves_everything_as_it_was(citizen, sms_account, monkeypatch):
    report = ReportFactory(reporter=sms_account, status=Status.SUBMITTED, agency=None)
    code = issue(citizen)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(claim, "report_reporter_transfer", broken)
    with pytest.raises(RuntimeError):
        claim.claim_redeem(channel="sms", address=PHONE, code=code)
    report.refresh_from_db()
    sms_account.refresh_from_db()
    assert report.reporter == sms_account
    assert sms_account.is_active
    assert ChannelIdentity.objects.get(address=PHONE).user == sms_account
    assert ClaimCode.objects.get().used_at is None


# --- Unlinking ------------------------------------------------------------------------------


def test_unlink_only_ones_own(citizen):
    claim.claim_redeem(channel="sms", address=PHONE, code=issue(citizen))
    identity = ChannelIdentity.objects.get()
    with pytest.raises(claim.NotFound):
        claim.identity_unlink(user=UserFactory(), identity_id=identity.pk)
    claim.identity_unlink(user=citizen, identity_id=identity.pk)
    assert not ChannelIdentity.objects.exists()
    citizen.refresh_from_db()
    assert citizen.phone == ""
    # The next SMS from the number starts a new SMS-only account.
    assert identity_user(channel="sms", address=PHONE) != citizen


def test_a_number_whose_account_was_switched_off_stays_off(citizen, sms_account):
    """Staff switch off an SMS account that floods 1708 or abuses it: its number must not
    come back to life through a web account, and its reports stay where they are."""
    report = ReportFactory(reporter=sms_account)
    sms_account.is_active = False
    sms_account.save(update_fields=["is_active"])
    code = issue(citizen)
    result = claim.claim_redeem(channel="sms", address=PHONE, code=code)
    assert result.outcome == "refused"
    assert ChannelIdentity.objects.get(address=PHONE).user == sms_account
    report.refresh_from_db()
    assert report.reporter == sms_account
    assert identity_user(channel="sms", address=PHONE).is_active is False
    assert ClaimCode.objects.get(user=citizen).used_at is None


def test_attempts_that_overlap_are_all_counted(citizen, settings, monkeypatch):
    """Two KLAIM from one number handled at once (Kannel sends them in parallel): each
    must be counted before its code is looked at, or both pass a limit of one."""
    settings.ADUAN_CLAIM_ATTEMPT_RATE = "1/h"
    issue(citizen)
    outcomes: list[str] = []
    digest = claim._digest

    def digest_while_another_attempt_runs(code: str) -> str:
        if not outcomes:
            outcomes.append("")  # once
            outcomes.append(
                claim.claim_redeem(channel="sms", address=PHONE, code="BBBBBBBB").outcome
            )
        return digest(code)

    monkeypatch.setattr(claim, "_digest", digest_while_another_attempt_runs)
    first = claim.claim_redeem(channel="sms", address=PHONE, code="AAAAAAAA").outcome
    assert sorted([first, outcomes[1]]) == ["invalid", "limited"]


def test_an_sms_account_made_between_the_lookup_and_the_link_is_taken_over(citizen, monkeypatch):
    """The number's first LAPOR commits its SMS account after the KLAIM looked for one and
    before it links the number (on PostgreSQL the KLAIM waits on the unique index for it:
    test_claim_concurrency). The KLAIM takes over that account, not a 500."""
    code = issue(citizen)
    lookup = ChannelIdentity.objects.select_for_update
    made: list = []

    class LookedUpJustBeforeTheLapor:
        def __init__(self, queryset):
            self.queryset = queryset

        def select_related(self, *fields):
            return LookedUpJustBeforeTheLapor(self.queryset.select_related(*fields))

        def filter(self, **conditions):
            return LookedUpJustBeforeTheLapor(self.queryset.filter(**conditions))

        def first(self):
            found = self.queryset.first()
            made.append(identity_user(channel="sms", address=PHONE))
            ReportFactory(reporter=made[-1], status=Status.SUBMITTED, agency=None)
            return found

    def first_lookup_then_the_lapor(*args, **kwargs):
        if made:
            return lookup(*args, **kwargs)
        made.append(None)  # once: identity_user looks up too
        return LookedUpJustBeforeTheLapor(lookup(*args, **kwargs))

    monkeypatch.setattr(ChannelIdentity.objects, "select_for_update", first_lookup_then_the_lapor)
    result = claim.claim_redeem(channel="sms", address=PHONE, code=code)
    assert (result.outcome, result.reports_moved) == ("linked", 1)
    assert Report.objects.get().reporter == citizen
    assert ChannelIdentity.objects.get(address=PHONE).user == citizen
    made[-1].refresh_from_db()
    assert made[-1].is_active is False
