"""Writes for Open311: API keys, and reports posted by the organisations that hold them.

A POST proves only that its sender holds a key issued to an organisation, so the report is
filed under that organisation's account and the contact details it carries are kept, never
trusted. A ``media_url`` is not fetched (SSRF). Details: docs/channels.md.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from aduan.accounts.capabilities import may_manage_installation
from aduan.accounts.models import User
from aduan.categories.models import Category
from aduan.channels.models import ChannelIdentity, IdentityKind, InboundStatus
from aduan.channels.services import identity_user, inbound_finish, inbound_receive
from aduan.core.errors import PermissionDenied, ValidationFailed
from aduan.core.text import storable
from aduan.reports.models import BODY_MAX, BODY_MIN, Channel, Classification
from aduan.workflow.idempotency import SubmissionKeyTaken, submission_key_record
from aduan.workflow.services import report_submit

from .models import KEY_PREFIX, Open311ApiKey, Open311Submission, hash_key, new_raw_key

logger = logging.getLogger(__name__)

TITLE_WORDS_MAX = 80  # characters of the description that become the report's title
# report_submit's field names, as an Open311 client knows them.
_FIELD_NAMES = {
    "title": "description",
    "body": "description",
    "latitude": "lat",
    "longitude": "long",
    "category_id": "service_code",
}

# Personal and location fields kept as given: (POST name, longest accepted).
_KEPT_FIELDS = {
    "email": 254,
    "first_name": 100,
    "last_name": 100,
    "phone": 30,
    "device_id": 100,
    "account_id": 100,
    "address_string": 500,
    "address_id": 100,
}


def _may_manage_keys(actor: User | None) -> bool:
    # None: the operator on the server (manage.py open311_key).
    if actor is None:
        return True
    return may_manage_installation(actor)


def organisation_account(*, organisation: str) -> User:
    """The account that files the organisation's reports, made on the first key; later
    keys for the same name (in any case) share it. Its name is shown as the reporter's,
    so a different name whose slug is the same ("Dinas PU & Tata Ruang" and "Dinas PU
    Tata Ruang", or two names without Latin letters) gets an account of its own, at
    ``org:<slug>-2``, ``-3`` …"""
    slug = slugify(organisation)[:190] or "organisation"
    shown_as = organisation[:150].casefold()  # identity_user keeps 150 characters
    for number in itertools.count(1):
        address = f"org:{slug}" if number == 1 else f"org:{slug}-{number}"
        identity = (
            ChannelIdentity.objects.select_related("user")
            .filter(channel=IdentityKind.OPEN311, address=address)
            .first()
        )
        if identity is None:
            return identity_user(
                channel=IdentityKind.OPEN311,
                address=address,
                display_name=organisation,
                verified=True,  # the national admin vouches for it by issuing a key
            )
        if identity.user.full_name.casefold() == shown_as:
            return identity.user
    raise AssertionError("unreachable")  # pragma: no cover


@transaction.atomic
def api_key_issue(*, actor: User | None, organisation: str) -> tuple[Open311ApiKey, str]:
    """A new key for ``organisation``; the raw value is returned once and never stored.
    Only the national admin (or the operator on the server, ``actor=None``) issues keys."""
    if not _may_manage_keys(actor):
        raise PermissionDenied(_("Only the national admin issues Open311 API keys."))
    name = " ".join((organisation or "").split())
    if not 3 <= len(name) <= 200:
        message = _("Name the organisation in 3 to 200 characters.")
        raise ValidationFailed(message, field_errors={"organisation": [message]})
    raw = new_raw_key()
    key = Open311ApiKey.objects.create(
        organisation=name,
        account=organisation_account(organisation=name),
        key_hash=hash_key(raw),
        hint=raw[: len(KEY_PREFIX) + 6],
        created_by=actor,
    )
    logger.info("open311 key %s issued to %r", key.hint, name)
    return key, raw


def api_key_revoke(*, key: Open311ApiKey, actor: User | None) -> Open311ApiKey:
    """Revoke ``key`` (idempotent): posts with it are refused from now on."""
    if not _may_manage_keys(actor):
        raise PermissionDenied(_("Only the national admin revokes Open311 API keys."))
    if key.is_active:
        key.is_active = False
        key.revoked_at = timezone.now()
        key.revoked_by = actor
        key.save(update_fields=["is_active", "revoked_at", "revoked_by"])
        logger.info("open311 key %s of %r revoked", key.hint, key.organisation)
    return key


def api_key_authenticate(raw: str | None) -> Open311ApiKey | None:
    """The active key behind ``raw``, or None (missing, unknown, revoked, account disabled)."""
    raw = (raw or "").strip()
    if not raw.startswith(KEY_PREFIX) or len(raw) > 100:
        return None
    key = (
        Open311ApiKey.objects.select_related("account")
        .filter(key_hash=hash_key(raw), is_active=True, account__is_active=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    # At most one write a minute per key, not one per request.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        Open311ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def _posted(data: Mapping[str, str], name: str) -> str:
    """A POST parameter as text, without control characters (NUL above all: PostgreSQL
    refuses it) or surrounding spaces; tabs and line breaks stay for the description."""
    return storable(data.get(name)).strip()


def _title_from(description: str) -> str:
    words = " ".join(description.split())
    if len(words) <= TITLE_WORDS_MAX:
        return words
    cut = words[: TITLE_WORDS_MAX - 1]
    if " " in cut[20:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-") + "…"


def _validated(data: Mapping[str, str]) -> tuple[dict, dict[str, list[str]]]:
    """Check what the Open311 client sent; return (cleaned values, errors by parameter)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    def text(name: str) -> str:
        return _posted(data, name)

    code = text("service_code")
    if not code:
        fail("service_code", _("service_code is required."))
    else:
        category = Category.objects.filter(code=code[:64], is_active=True).only("pk").first()
        if category is None:
            fail("service_code", _("Unknown service_code %(code)r.") % {"code": code[:64]})
        else:
            cleaned["category_id"] = category.pk

    lat, lon = text("lat"), text("long")
    cleaned["latitude"], cleaned["longitude"] = lat or None, lon or None
    if not ((lat and lon) or text("address_string") or text("address_id")):
        fail("lat", _("Give lat and long, or address_string, or address_id."))

    description = text("description")
    if len(description) < BODY_MIN:
        fail(
            "description",
            _("The description needs at least %(n)d characters.") % {"n": BODY_MIN},
        )
    cleaned["description"] = description

    for name, longest in _KEPT_FIELDS.items():
        value = text(name)
        if len(value) > longest:
            fail(
                name,
                _("%(name)s can have at most %(n)d characters.") % {"name": name, "n": longest},
            )
        cleaned[name] = value
    if cleaned["email"]:
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            fail("email", _("The e-mail address is not valid."))

    media_url = text("media_url")
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            fail("media_url", _("media_url must be an http or https address."))
        if len(media_url) > 500:
            fail("media_url", _("media_url can have at most 500 characters."))
    cleaned["media_url"] = media_url
    return cleaned, errors


def _body(cleaned: dict, organisation: str) -> str:
    parts = [cleaned["description"]]
    if cleaned["address_string"]:
        parts.append(_("Location: %(address)s") % {"address": cleaned["address_string"]})
    if cleaned["media_url"]:
        parts.append(
            _("Photo link from %(organisation)s (not checked by Aduan): %(url)s")
            % {"organisation": organisation, "url": cleaned["media_url"]}
        )
    return "\n\n".join(parts)


def open311_request_create(
    *,
    api_key: Open311ApiKey,
    data: Mapping[str, str],
    ip_address: str | None = None,
    idempotency_key: str | None = None,
    digest: str = "",
) -> Open311Submission:
    """Create a report from an Open311 POST, all or nothing, and log the message.

    Raises ``ValidationFailed`` keyed by Open311 parameter names; the refused message is
    kept in the inbound log with why. With ``idempotency_key`` (scoped to the key's
    account), the key is recorded in the report's transaction; ``SubmissionKeyTaken`` if a
    concurrent post with it committed first (this one's report is rolled back).
    """
    message, _created = inbound_receive(
        channel=IdentityKind.OPEN311,
        external_id=f"{api_key.pk}:{uuid.uuid4().hex}",
        sender=api_key.organisation,
        text=_posted(data, "description")[: BODY_MAX + 1000],
    )
    cleaned, errors = _validated(data)
    try:
        if errors:
            raise ValidationFailed(field_errors=errors)
        body = _body(cleaned, api_key.organisation)
        with transaction.atomic():
            report = report_submit(
                reporter=api_key.account,
                channel=Channel.OPEN311,
                classification=Classification.COMPLAINT,
                title=_title_from(cleaned["description"]),
                body=body,
                latitude=cleaned["latitude"],
                longitude=cleaned["longitude"],
                category_id=cleaned["category_id"],
                ip_address=ip_address,
            )
            submission = Open311Submission.objects.create(
                report=report,
                api_key=api_key,
                media_url=cleaned["media_url"],
                **{name: cleaned[name] for name in _KEPT_FIELDS},
            )
            if idempotency_key is not None:
                submission_key_record(
                    user=api_key.account, key=idempotency_key, digest=digest, report=report
                )
    except SubmissionKeyTaken:
        inbound_finish(
            message,
            status=InboundStatus.IGNORED,
            detail="a concurrent post with the same Idempotency-Key made the report",
        )
        raise
    except ValidationFailed as exc:
        field_errors = {}
        for field, messages in exc.field_errors.items():
            name = _FIELD_NAMES.get(field, field)
            field_errors.setdefault(name, []).extend(str(m) for m in messages)
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in field_errors.items())
        inbound_finish(message, status=InboundStatus.REJECTED, detail=detail)
        logger.info("open311 post from key %s refused: %s", api_key.hint, detail)
        raise ValidationFailed(exc.message, field_errors=field_errors) from exc
    except Exception as exc:
        inbound_finish(message, status=InboundStatus.FAILED, detail=repr(exc))
        raise
    inbound_finish(
        message,
        status=InboundStatus.ACCEPTED,
        report=report,
        reply=f"service_request_id={report.tracking_id}",
    )
    return submission
