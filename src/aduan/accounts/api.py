"""Accounts in the JSON API: registration and bearer tokens.

Registration sends the same verification e-mail as the web sign-up; a token is issued
only once the address is verified (allauth's mandatory verification applies to the API
too), works ``ADUAN_API_TOKEN_DAYS`` days, and its owner lists and revokes their tokens
here. For an account with two-factor authentication (staff must have it) a token needs
its code (``otp``; ADR 0019). Registration and token requests are rate-limited per address
(``ADUAN_API_LOGIN_RATE``, ``ADUAN_API_REGISTER_RATE``).
"""

from __future__ import annotations

import datetime as dt

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from aduan.accounts.auth import agency_bearer, bearer
from aduan.core.errors import PermissionDenied, RateLimited, Unauthenticated
from aduan.core.http import client_ip
from aduan.core.problem import problems
from aduan.core.ratelimit import rate_spent
from aduan.core.text import text_rule

from . import capabilities
from .mfa import code_check, has_authenticator_app
from .models import ApiToken, User
from .selectors import api_token_get_for_user, api_token_list_active
from .services import TOKEN_NAME_MAX, token_create, token_revoke, user_register

router = Router(tags=["accounts"])

# Why a token's endpoints answer 401 and 403 (the document declares every error answer).
UNAUTHORISED = "No token, or one that is unknown, revoked or expired (the detail says which)"
INTEGRATION_REFUSED = "An agency's integration token: this endpoint is not for it"


class RegisterIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128, json_schema_extra={"minLength": 8})
    full_name: str = Field(**text_rule(2, 150))
    phone: str | None = Field(None, max_length=20, description="e.g. 081234567890")


class TokenIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)
    name: str = Field(
        "mobile",
        max_length=TOKEN_NAME_MAX,
        description="The device, to recognise the token later (e.g. “Android Budi”)",
    )
    otp: str | None = Field(
        None,
        max_length=64,
        description="Accounts with two-factor authentication (every staff account): the "
        "authenticator app's current code, or one of the recovery codes",
    )


class UserOut(Schema):
    id: int
    email: str | None
    full_name: str
    phone: str
    role: str
    email_verified: bool


class TokenOut(Schema):
    token: str = Field(description="Send as Authorization: Bearer <token>; shown only once")
    token_type: str = "Bearer"  # noqa: S105 (the scheme name, not a secret)
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it by")
    created_at: str
    expires_at: str | None = Field(description="After this the token answers 401")


class TokenInfoOut(Schema):
    """One of the caller's tokens as listed: never its secret."""

    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it by")
    created_at: dt.datetime
    last_used_at: dt.datetime | None = Field(description="To the minute")
    expires_at: dt.datetime | None
    current: bool = Field(description="The token this request was made with")


def _limit(request: HttpRequest, *, group: str, rate: str) -> None:
    wait = rate_spent(request, group=group, key=lambda _group, req: client_ip(req), rate=rate)
    if wait:
        raise RateLimited(retry_after=wait)


def _email_verified(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def _user_out(user: User, *, verified: bool) -> dict:
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "role": user.role,
        "email_verified": verified,
    }


@router.post(
    "/auth/register",
    auth=None,
    response={201: UserOut},
    openapi_extra=problems(429, r429="Past ADUAN_API_REGISTER_RATE"),
    summary="Register a citizen account",
    url_name="auth_register",
)
def register(request: HttpRequest, payload: RegisterIn):
    """Creates the account and sends a verification link; request a token once verified."""
    _limit(
        request,
        group="api-register",
        rate=settings.ADUAN_API_REGISTER_RATE,
    )
    user = user_register(
        email=payload.email,
        password=payload.password,
        full_name=payload.full_name,
        phone=payload.phone,
        request=request,
    )
    return Status(201, _user_out(user, verified=False))


# allauth locks an account after its failed sign-ins ("login_failed": per address and per
# account, the window of the per-account limit): the same lock for the web, the admin
# (which signs in through allauth) and this API.
LOCKED_RETRY_AFTER = 300


def _check_credentials(request: HttpRequest, email: str, password: str) -> User | None:
    """The account if the password is right, counting a failure in allauth's lock-out;
    ``RateLimited`` while the address or the account is locked out."""
    adapter = get_account_adapter(request)
    email = email.strip()
    try:
        user = adapter.authenticate(request, email=email, password=password)
    except DjangoValidationError as exc:
        raise RateLimited(
            _("Too many failed sign-ins. Please wait a while and try again."),
            retry_after=LOCKED_RETRY_AFTER,
        ) from exc
    if user is None and not User.objects.filter(email__iexact=email).exists():
        # Spend the same time as for a real account, so timing does not reveal which exist.
        User().set_password(password)
    return user if user is not None and user.is_active else None


def _check_second_factor(user: User, otp: str | None) -> None:
    """An account with an authenticator app sends its code (or a recovery code) too, as
    on the web; a staff account without one gets no token until it enrols on the web."""
    if not has_authenticator_app(user):
        if capabilities.must_use_second_factor(user):
            raise PermissionDenied(
                _(
                    "Staff accounts need two-factor authentication: set up an authenticator "
                    "app on the website (Profile, Two-factor authentication) first."
                )
            )
        return
    code = (otp or "").strip()
    if not code:
        raise Unauthenticated(
            _(
                "This account uses two-factor authentication: send the code of your "
                "authenticator app (or a recovery code) as “otp”."
            )
        )
    refused = code_check(user=user, code=code)
    if refused == "too_many_login_attempts":
        raise RateLimited(
            _("Too many failed sign-ins. Please wait a while and try again."),
            retry_after=LOCKED_RETRY_AFTER,
        )
    if refused:
        raise Unauthenticated(_("The two-factor authentication code is not correct."))


@router.post(
    "/auth/token",
    auth=None,
    response=TokenOut,
    openapi_extra=problems(
        401,
        403,
        429,
        r401="The e-mail address, the password or the two-factor code is not correct",
        r403="The e-mail address is not verified yet, or a staff account has no "
        "authenticator app yet",
        r429="Past ADUAN_API_LOGIN_RATE, or locked after failed sign-ins",
    ),
    summary="Get a bearer token",
    url_name="auth_token",
)
def token_obtain(request: HttpRequest, payload: TokenIn):
    """A new token for the account, working ``ADUAN_API_TOKEN_DAYS`` days (401 for a wrong
    e-mail or password, 403 while the e-mail address is not verified). An account with
    two-factor authentication sends its code as ``otp`` (401 without it or when wrong); a
    staff account without it gets 403 until it enrols on the website. Rate-limited per
    address, and locked (429) after failed sign-ins like the web's, per address and per
    account."""
    _limit(
        request,
        group="api-login",
        rate=settings.ADUAN_API_LOGIN_RATE,
    )
    user = _check_credentials(request, payload.email, payload.password)
    if user is None:
        raise Unauthenticated(_("The e-mail address or password is not correct."))
    if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory" and not _email_verified(user):
        raise PermissionDenied(
            _("Verify your e-mail address first: open the link we sent to %(email)s.")
            % {"email": user.email}
        )
    _check_second_factor(user, payload.otp)
    token, raw = token_create(user=user, name=payload.name)
    return {
        "token": raw,
        "token_type": "Bearer",
        "id": token.pk,
        "name": token.name,
        "prefix": token.hint,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    }


@router.delete(
    "/auth/token",
    auth=agency_bearer,
    response={204: None},
    openapi_extra=problems(401, r401=UNAUTHORISED),
    summary="Revoke the token in use (sign out)",
    url_name="auth_token_revoke",
)
def token_revoke_current(request: HttpRequest):
    """Signs this client out: the token sent with this request stops working."""
    token_revoke(token=request.api_token, actor=request.auth)
    return Status(204, None)


def _token_info(token: ApiToken, *, current: ApiToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.hint,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
        "current": token.pk == current.pk,
    }


@router.get(
    "/auth/tokens",
    auth=bearer,
    response=list[TokenInfoOut],
    openapi_extra=problems(401, 403, r401=UNAUTHORISED, r403=INTEGRATION_REFUSED),
    summary="The caller's tokens that still work",
    url_name="auth_tokens",
)
def token_list(request: HttpRequest):
    """The caller's own tokens that are neither revoked nor expired, newest first: the
    devices signed in to the account. A token's secret is never shown again."""
    return [
        _token_info(token, current=request.api_token)
        for token in api_token_list_active(user=request.auth)
    ]


@router.delete(
    "/auth/tokens/{token_id}",
    auth=bearer,
    response={204: None},
    openapi_extra=problems(
        401,
        403,
        404,
        r401=UNAUTHORISED,
        r403=INTEGRATION_REFUSED,
        r404="No such token of the caller's",
    ),
    summary="Revoke one of the caller's tokens",
    url_name="auth_token_revoke_one",
)
def token_revoke_one(request: HttpRequest, token_id: int):
    """Signs that device out (a lost phone, say). Another user's token is 404, as a
    missing one; revoking a token again is harmless."""
    token = api_token_get_for_user(user=request.auth, token_id=token_id)
    token_revoke(token=token, actor=request.auth)
    return Status(204, None)


@router.get(
    "/auth/me",
    auth=bearer,
    response=UserOut,
    openapi_extra=problems(401, 403, r401=UNAUTHORISED, r403=INTEGRATION_REFUSED),
    summary="The account behind the token",
    url_name="auth_me",
)
def me(request: HttpRequest):
    user = request.auth
    return _user_out(user, verified=_email_verified(user))
