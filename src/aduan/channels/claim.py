"""Claiming an SMS number or an X account on the web.

A signed-in citizen gets a one-time code and sends ``KLAIM <code>`` from the phone or by X
DM: the channel proves the number or account, the code the web account; the identity and
its reports move to the web account. What is refused and why: docs/channels.md.
"""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from aduan.accounts.capabilities import is_citizen_role, may_use_channel
from aduan.accounts.models import User
from aduan.core.errors import NotFound, PermissionDenied, RateLimited
from aduan.notifications.badge import unread_badge_forget
from aduan.notifications.models import Notification, NotificationPreference
from aduan.reports.models import Report, ReportFollower
from aduan.workflow.services import report_reporter_transfer

from .models import ChannelIdentity, ClaimCode, IdentityKind
from .services import identity_user
from .specs import claimable_kinds, spec_for

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed on T9
CODE_LENGTH = 8
CODE_MINUTES = 30
KEYWORDS = ("KLAIM", "CLAIM")
_COMMAND = re.compile(r"^\s*(?:KLAIM|CLAIM)\b[\s:#.,;=\-]*(.*)$", re.IGNORECASE | re.DOTALL)
_SEPARATORS = re.compile(r"[\s\-.]+")


class Outcome(enum.StrEnum):
    LINKED = "linked"  # the identity is now the web account's
    ALREADY = "already"  # it already was
    INVALID = "invalid"  # no such code, expired, used, or the account cannot claim
    TAKEN = "taken"  # the identity belongs to another web account
    PUBLISHED = "published"  # the code came in a public post: spent, nothing linked
    LIMITED = "limited"  # too many wrong codes from this sender
    REFUSED = "refused"  # the identity's account was switched off: it stays off, unanswered


@dataclass(frozen=True)
class ClaimResult:
    outcome: Outcome
    user: User | None = None
    moved_ids: tuple[int, ...] = ()

    @property
    def reports_moved(self) -> int:
        return len(self.moved_ids)


# In free text, how long what follows the keyword may be and still be a (mistyped) code.
_FREE_TEXT_CODE_MAX = CODE_LENGTH + 4


def code_read(text: str, *, free_text: bool = False) -> str | None:
    """The code in ``KLAIM <code>`` (any case, spaces or hyphens inside), or None when
    the text is not a claim. A claim with a missing or malformed code gives "".

    ``free_text``: the text is a post in which anything else is a report (X), not an SMS
    whose first word is its command. There a sentence that merely begins with the word
    ("Klaim BPJS saya ditolak …") is a report: only a code-sized rest makes a claim.
    Its first words are not tried as a code: "BPJS SAYA" is made of the code's letters."""
    match = _COMMAND.match(text or "")
    if match is None:
        return None
    code = _SEPARATORS.sub("", match.group(1)).upper()
    if free_text and len(code) > _FREE_TEXT_CODE_MAX:
        return None
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return ""
    return code


def _digest(code: str) -> str:
    return hashlib.sha256(f"aduan-claim:{code}".encode()).hexdigest()


def code_display(code: str) -> str:
    """``ABCD-EFGH``: easier to copy onto a phone keypad."""
    return f"{code[:4]}-{code[4:]}"


def claim_allowed(user: User) -> bool:
    return may_use_channel(user) and bool(user.email)


@transaction.atomic
def claim_code_issue(*, user: User) -> tuple[ClaimCode, str]:
    """A new code for ``user`` (any earlier unused one stops working). Returns the row
    and the code itself, which is not stored and cannot be shown again."""
    if not claim_allowed(user):
        raise PermissionDenied(
            _("Only a citizen account with an e-mail address can link an SMS number or X.")
        )
    usage = get_usage(
        None,
        group="claim-code-issue",
        key=lambda group, request: f"u{user.pk}",
        rate=settings.ADUAN_CLAIM_ISSUE_RATE,
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        raise RateLimited(_("You asked for many codes in a short time. Try again later."))
    now = timezone.now()
    ClaimCode.objects.filter(user=user, used_at__isnull=True).delete()
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if not ClaimCode.objects.filter(digest=_digest(code)).exists():
            break
    row = ClaimCode.objects.create(
        user=user,
        digest=_digest(code),
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    return row, code


def claim_code_current(*, user: User) -> ClaimCode | None:
    """The user's unused, unexpired code (its row: the code itself is not stored)."""
    return (
        ClaimCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )


def _attempt_allowed(channel: str, address: str) -> bool:
    """Count one attempt of this sender, then say whether it is within
    ``ADUAN_CLAIM_ATTEMPT_RATE``. Counted first, right or wrong: a sender's attempts that
    run at once (Kannel hands over SMS in parallel) are each counted before any of them
    looks at its code, so together they cannot pass the limit (with Redis, whose INCR is
    atomic; Django's database cache increments by a read and a write)."""
    usage = get_usage(
        None,
        group="claim-code-attempt",
        key=lambda group, request: f"{channel}:{address}",
        rate=settings.ADUAN_CLAIM_ATTEMPT_RATE,
        increment=True,
    )
    return usage is None or not usage["should_limit"]


def _channel_only(user: User) -> bool:
    """An account a channel made: no e-mail, no password, no social login, a citizen."""
    return (
        not user.email
        and not user.has_usable_password()
        and is_citizen_role(user.role)
        and not SocialAccount.objects.filter(user=user).exists()
    )


def claim_redeem(
    *, channel: str, address: str, code: str, handle: str = "", public: bool = False
) -> ClaimResult:
    """Link the identity ``address`` on ``channel`` (as the channel proved it) to the web
    account that holds ``code``. ``public``: the code came in a post anyone can read."""
    if not spec_for(channel).claimable:
        raise ValueError(f"{channel} identities are not claimed with a code")
    if not _attempt_allowed(channel, address):
        return ClaimResult(Outcome.LIMITED)
    with transaction.atomic():
        claim = (
            ClaimCode.objects.select_for_update()
            .select_related("user")
            .filter(digest=_digest(code), used_at__isnull=True, expires_at__gt=timezone.now())
            .first()
            if code
            else None
        )
        if claim is None or not claim_allowed(claim.user):
            return ClaimResult(Outcome.INVALID)
        claim.used_at = timezone.now()
        claim.used_channel, claim.used_address = channel, address
        claim.save(update_fields=["used_at", "used_channel", "used_address"])
        if public:
            return ClaimResult(Outcome.PUBLISHED, claim.user)
        result = _link(claim.user, channel=channel, address=address, handle=handle)
        if result.moved_ids:
            claim.moved_reports = list(result.moved_ids)
            claim.save(update_fields=["moved_reports"])
        if result.outcome in (Outcome.TAKEN, Outcome.REFUSED):
            # The code stays good: its owner may unlink the identity elsewhere and retry.
            claim.used_at, claim.used_channel, claim.used_address = None, "", ""
            claim.save(update_fields=["used_at", "used_channel", "used_address"])
        return result


def _identity_locked(channel: str, address: str) -> ChannelIdentity | None:
    """The identity row, locked: a message from this sender being handled (it holds the
    same lock, ``identity_user``) finishes first, so its report is there to move; one
    that arrives now waits, then acts for the web account. Its user is read after the
    lock, as committed by then (a join would be read before the wait)."""
    return (
        ChannelIdentity.objects.select_for_update().filter(channel=channel, address=address).first()
    )


def _link(target: User, *, channel: str, address: str, handle: str) -> ClaimResult:
    identity = _identity_locked(channel, address)
    now = timezone.now()
    if identity is None:
        try:
            with transaction.atomic():
                ChannelIdentity.objects.create(
                    channel=channel, address=address, handle=handle, user=target, verified_at=now
                )
        except IntegrityError:
            # The sender's first message (a LAPOR) made its account meanwhile, after
            # waiting on the unique index: take that account over like any other.
            identity = _identity_locked(channel, address)
            if identity is None:
                raise
    moved: list[int] = []
    if identity is not None:
        if identity.user_id == target.pk:
            return ClaimResult(Outcome.ALREADY, target)
        if not identity.user.is_active:
            # Staff switched it off (a number that flooded or abused the service): a web
            # account must not bring it back, nor take over what it sent.
            return ClaimResult(Outcome.REFUSED, target)
        if not _channel_only(identity.user):
            return ClaimResult(Outcome.TAKEN, target)
        moved = account_merge(source=identity.user, target=target, channel=channel)
        identity.user = target
        identity.verified_at = now
        identity.handle = handle or identity.handle
        identity.save(update_fields=["user", "verified_at", "handle"])
    if spec_for(channel).address_is_phone and not target.phone:
        target.phone = address
        target.save(update_fields=["phone"])
    return ClaimResult(Outcome.LINKED, target, tuple(moved))


def account_merge(*, source: User, target: User, channel: str) -> list[int]:
    """Move what a channel account holds to ``target`` and switch it off. Returns the
    ids of the reports moved. Runs inside ``claim_redeem``'s transaction. The reports
    become anonymous (``report_reporter_transfer``): they showed the channel account's
    placeholder name or X handle, and must not start showing the web account's name."""
    label = IdentityKind(channel).label
    with translation.override(settings.LANGUAGE_CODE):
        note = _(
            "The reporter linked the %(channel)s account this report came from to their "
            "web account; the report now belongs to that account."
        ) % {"channel": label}
    moved = []
    for report in Report.objects.filter(reporter=source).order_by("pk"):
        report_reporter_transfer(report=report, to_user=target, note=note)
        moved.append(report.pk)
    followed = set(ReportFollower.objects.filter(user=target).values_list("report_id", flat=True))
    own = set(Report.objects.filter(reporter=target).values_list("pk", flat=True))
    ReportFollower.objects.filter(user=source, report_id__in=followed | own).delete()
    ReportFollower.objects.filter(user=source).update(user=target)
    Notification.objects.filter(recipient=source).update(recipient=target)
    unread_badge_forget([source.pk, target.pk])
    NotificationPreference.objects.filter(user=source).delete()
    ClaimCode.objects.filter(user=source).delete()
    source.is_active = False
    source.save(update_fields=["is_active"])
    return moved


@dataclass(frozen=True)
class UndoResult:
    undone: bool
    user: User | None = None  # the web account the number or X account was taken off
    reports_moved: int = 0


@transaction.atomic
def claim_undo(*, channel: str, address: str) -> UndoResult:
    """``LEPAS`` from the number (or by X DM): whoever holds the number or X account
    takes it off the web account it was linked to, and the reports that came with the
    claim go back with it, to a new channel account. The remedy when someone was talked
    into sending a stranger's code: they lose nothing the number did not already give
    them (the number could read and answer those reports by SMS all along)."""
    if not spec_for(channel).claimable:
        raise ValueError(f"{channel} identities are not claimed with a code")
    identity = _identity_locked(channel, address)
    if identity is None or _channel_only(identity.user):
        return UndoResult(False)
    web_user = identity.user
    last_claim = (
        ClaimCode.objects.filter(
            user=web_user, used_channel=channel, used_address=address, used_at__isnull=False
        )
        .order_by("-used_at")
        .first()
    )
    identity.delete()
    if spec_for(channel).address_is_phone:
        User.objects.filter(pk=web_user.pk, phone=address).update(phone="")
    fresh = identity_user(channel=channel, address=address, handle=identity.handle)
    with translation.override(settings.LANGUAGE_CODE):
        note = _(
            "The holder of the %(channel)s account this report came from undid its link to "
            "a web account; the report is back with that %(channel)s account."
        ) % {"channel": IdentityKind(channel).label}
    moved = 0
    ids = last_claim.moved_reports if last_claim else []
    for report in Report.objects.filter(pk__in=ids, reporter=web_user).order_by("pk"):
        report_reporter_transfer(report=report, to_user=fresh, note=note, hide_name=False)
        moved += 1
    return UndoResult(True, web_user, moved)


@transaction.atomic
def identity_unlink(*, user: User, identity_id: int) -> ChannelIdentity:
    """Take an SMS number or X account off ``user`` (a lost phone, a number given up).
    The next message from it starts a new channel account; the reports stay here."""
    identity = (
        ChannelIdentity.objects.select_for_update()
        .filter(pk=identity_id, user=user, channel__in=claimable_kinds())
        .first()
    )
    if identity is None:
        raise NotFound
    identity.delete()
    if spec_for(identity.channel).address_is_phone:
        User.objects.filter(pk=user.pk, phone=identity.address).update(phone="")
    return identity


def identity_list_for_user(*, user: User) -> list[ChannelIdentity]:
    """The SMS numbers and X accounts linked to ``user``."""
    return list(
        ChannelIdentity.objects.filter(user=user, channel__in=claimable_kinds()).order_by(
            "channel", "created_at"
        )
    )
