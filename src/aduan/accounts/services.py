"""Writes to accounts: registration for the API, and API tokens."""

from __future__ import annotations

import datetime as dt
import time

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from aduan.core.errors import PermissionDenied, Unauthenticated, ValidationFailed

from .capabilities import may_revoke_token
from .models import ApiToken, User, hash_token
from .validators import normalise_phone, validate_nik


@transaction.atomic
def user_register(
    *,
    email: str,
    password: str,
    full_name: str,
    phone: str | None = None,
    request: HttpRequest | None = None,
) -> User:
    """Register a citizen and send the e-mail verification (as the web sign-up does)."""
    errors: dict[str, list[str]] = {}
    email = User.objects.normalize_email((email or "").strip()).lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    else:
        if User.objects.filter(email__iexact=email).exists():
            errors["email"] = [_("An account with this e-mail address already exists.")]
    full_name = " ".join((full_name or "").split())
    if len(full_name) < 2:
        errors["full_name"] = [_("Enter your name.")]
    normalised_phone = ""
    if phone:
        try:
            normalised_phone = normalise_phone(phone)
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
    candidate = User(email=email, full_name=full_name, phone=normalised_phone)
    try:
        validate_password(password or "", user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(field_errors=errors)
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, phone=normalised_phone
    )
    address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    if request is not None:
        transaction.on_commit(lambda: address.send_confirmation(request, signup=True))
    return user


@transaction.atomic
def user_update_profile(
    *, user: User, full_name: str, phone: str = "", nik: str = "", language: str = "id"
) -> User:
    """Change what a user says about themselves. The phone is stored in E.164 whatever way
    it was typed (0812…, 62812…, +62 812-…); every problem is reported at once."""
    errors: dict[str, list[str]] = {}
    full_name = " ".join((full_name or "").split())
    if len(full_name) < 2:
        errors["full_name"] = [_("Enter your name.")]
    elif len(full_name) > 150:
        errors["full_name"] = [_("The name can have at most 150 characters.")]
    normalised_phone = ""
    if (phone or "").strip():
        try:
            normalised_phone = normalise_phone(phone)
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
    nik = "".join((nik or "").split())
    try:
        validate_nik(nik)
    except ValidationError as exc:
        errors["nik"] = list(exc.messages)
    languages = dict(User._meta.get_field("language").choices or [])
    if language not in languages:
        errors["language"] = [_("Choose a language from the list.")]
    if errors:
        raise ValidationFailed(field_errors=errors)
    user.full_name, user.phone, user.nik, user.language = (
        full_name,
        normalised_phone,
        nik,
        language,
    )
    user.save(update_fields=["full_name", "phone", "nik", "language"])
    return user


def user_sync_email_address(*, user: User, verified: bool) -> None:
    """Make allauth's primary address follow ``user.email`` (for accounts an admin creates or
    edits: the admin vouches for the address, so it can be marked verified)."""
    if not user.email:
        EmailAddress.objects.filter(user=user).delete()
        return
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        EmailAddress.objects.filter(user=user, primary=True).update(primary=False)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
        return
    changed = []
    if not address.primary:
        EmailAddress.objects.filter(user=user, primary=True).update(primary=False)
        address.primary = True
        changed.append("primary")
    if verified and not address.verified:
        address.verified = True
        changed.append("verified")
    if changed:
        address.save(update_fields=changed)


TOKEN_NAME_MAX = 100
# A token that expired or was revoked stays this long on its owner's list, then goes.
TOKEN_KEEP_AFTER_END = dt.timedelta(days=30)
# last_used_at is a "seen lately", not a log: written at most once a minute per token.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_name_clean(name: str | None) -> str:
    """The device label as stored: spaces collapsed, "mobile" when empty; too long is an error."""
    name = " ".join((name or "").split()) or "mobile"
    if len(name) > TOKEN_NAME_MAX:
        raise ValidationFailed(
            field_errors={
                "name": [_("The name can have at most %(n)d characters.") % {"n": TOKEN_NAME_MAX}]
            }
        )
    return name


def token_create(*, user: User, name: str = "mobile") -> tuple[ApiToken, str]:
    """A new token for ``user``, working for ``ADUAN_API_TOKEN_DAYS``; the raw value is
    returned once and never stored."""
    name = token_name_clean(name)
    raw = ApiToken.generate()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_token(raw),
        hint=raw[:8],
        expires_at=now + dt.timedelta(days=settings.ADUAN_API_TOKEN_DAYS),
    )
    return token, raw


def token_check(raw: str, *, agency_systems: bool = False) -> ApiToken | None:
    """The token behind a bearer value, with its user; None for an unknown one or one of a
    deactivated account. A revoked or expired token is ``Unauthenticated`` with a message
    that says so (its holder knows the secret: telling them why costs nothing and saves a
    support call).

    An agency's integration token (bound to an agency) is ``PermissionDenied`` unless the
    caller serves agency systems (``agency_systems``) and the token still belongs to its
    agency's account; a refused token is not recorded as used."""
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    try:
        # get(), not first(), and the account's state checked here, not in SQL: the hash is
        # unique, and ordering the one row or filtering across the join costs CPU.
        token = ApiToken.objects.select_related("user", "user__agency").get(
            key_hash=hash_token(raw)
        )
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.revoked_at is not None:
        raise Unauthenticated(_("This token has been revoked. Sign in again for a new one."))
    if token.is_expired(now=now):
        raise Unauthenticated(
            _("This token expired on %(date)s. Sign in again for a new one.")
            % {"date": formats.date_format(timezone.localtime(token.expires_at), "DATE_FORMAT")}
        )
    if token.agency_id is not None and not (
        agency_systems and token.user.agency_id == token.agency_id
    ):
        raise PermissionDenied(
            _("An integration token can only use the agency's inbox and workflow actions.")
        )
    stale = now - LAST_USED_RESOLUTION
    if token.last_used_at is None or token.last_used_at <= stale:
        # One conditional UPDATE: of concurrent requests only the first writes; a fresh
        # value read above costs no query at all.
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=token.pk
        ).update(last_used_at=now)
    return token


def token_authenticate(raw: str, *, agency_systems: bool = False) -> User | None:
    """The user behind a bearer token that works, or None whatever the reason it does not
    (unknown, revoked, expired, an inactive account); ``token_check`` says why."""
    try:
        token = token_check(raw, agency_systems=agency_systems)
    except Unauthenticated:
        return None
    return token.user if token is not None else None


def token_revoke(*, token: ApiToken, actor: User) -> None:
    """Revoke ``token`` (idempotent). Its owner may, and whoever manages the owner."""
    if not may_revoke_token(actor, token):
        raise PermissionDenied(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def token_revoke_all(*, user: User) -> int:
    """Revoke every token ``user`` still has (their password changed: whoever learnt the
    old one may have made tokens with it). An agency's integration tokens belong to its
    integration account, not to the admin who made them, and are not touched."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def tokens_purge(*, now: dt.datetime, batch: int, stop_at: float) -> int:
    """Delete personal tokens that ended (expired or revoked) ``TOKEN_KEEP_AFTER_END`` ago,
    ``batch`` at a time. Integration tokens stay: they are the agency's record of what it
    gave out, and mark its integration account."""
    before = now - TOKEN_KEEP_AFTER_END
    ended = ApiToken.objects.filter(
        Q(expires_at__lt=before) | Q(revoked_at__lt=before), agency__isnull=True
    )
    deleted = 0
    while time.monotonic() < stop_at:
        ids = list(ended.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        deleted += ApiToken.objects.filter(pk__in=ids).delete()[0]
    return deleted
