"""Writes to accounts: registration for the API, and API tokens."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.core.errors import PermissionDenied, ValidationFailed

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


def token_create(*, user: User, name: str = "mobile") -> tuple[ApiToken, str]:
    """A new token for ``user``; the raw value is returned once and never stored."""
    raw = ApiToken.generate()
    name = " ".join((name or "").split())[:100] or "mobile"
    token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(raw), hint=raw[:8])
    return token, raw


def token_authenticate(raw: str, *, agency_systems: bool = False) -> User | None:
    """The active user behind a bearer token, or None (unknown, revoked or inactive).

    An agency's integration token (bound to an agency) is ``PermissionDenied`` unless the
    caller serves agency systems (``agency_systems``) and the token still belongs to its
    agency's account; a refused token is not recorded as used."""
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user", "user__agency")
        .filter(key_hash=hash_token(raw))
        .first()
    )
    if token is None:
        return None
    if token.agency_id is not None and not (
        agency_systems and token.user.agency_id == token.agency_id
    ):
        raise PermissionDenied(
            _("An integration token can only use the agency's inbox and workflow actions.")
        )
    now = timezone.now()
    # Touch last_used_at at most once a minute: a write per request would not scale.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, token: ApiToken, actor: User) -> None:
    """Revoke ``token`` (idempotent). Its owner may, and whoever manages the owner."""
    if not may_revoke_token(actor, token):
        raise PermissionDenied(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
