"""Accounts in the JSON API: registration and bearer tokens.

Registration sends the same verification e-mail as the web sign-up; a token is issued
only once the address is verified (allauth's mandatory verification applies to the API
too). Registration and token requests are rate-limited per address
(``ADUAN_API_LOGIN_RATE``, ``ADUAN_API_REGISTER_RATE``).
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from aduan.accounts.auth import agency_bearer, bearer
from aduan.core.errors import DomainError, PermissionDenied, RateLimited
from aduan.core.http import client_ip
from aduan.core.problem import problems
from aduan.core.ratelimit import rate_spent
from aduan.core.text import text_rule

from .models import ApiToken, User, hash_token
from .services import token_create, token_revoke, user_register

router = Router(tags=["accounts"])


class Unauthenticated(DomainError):
    status_code = 401


class RegisterIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128, json_schema_extra={"minLength": 8})
    full_name: str = Field(**text_rule(2, 150))
    phone: str | None = Field(None, max_length=20, description="e.g. 081234567890")


class TokenIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)
    name: str = Field("mobile", max_length=100, description="To recognise the token later")


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
    name: str
    created_at: str


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


@router.post(
    "/auth/token",
    auth=None,
    response=TokenOut,
    openapi_extra=problems(
        401,
        403,
        429,
        r401="The e-mail address or password is not correct",
        r403="The e-mail address is not verified yet",
        r429="Past ADUAN_API_LOGIN_RATE, or locked after failed sign-ins",
    ),
    summary="Get a bearer token",
    url_name="auth_token",
)
def token_obtain(request: HttpRequest, payload: TokenIn):
    """A new token for the account (401 for a wrong e-mail or password, 403 while the e-mail
    address is not verified). Rate-limited per address, and locked (429) after failed
    sign-ins like the web's, per address and per account."""
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
    token, raw = token_create(user=user, name=payload.name.strip() or "mobile")
    return {
        "token": raw,
        "token_type": "Bearer",
        "name": token.name,
        "created_at": token.created_at.isoformat(),
    }


@router.delete(
    "/auth/token",
    auth=agency_bearer,
    response={204: None},
    summary="Revoke the token in use",
    url_name="auth_token_revoke",
)
def token_revoke_current(request: HttpRequest):
    """Signs this client out: the token sent with this request stops working."""
    token = ApiToken.objects.get(key_hash=hash_token(request.api_token_raw))
    token_revoke(token=token, actor=request.auth)
    return Status(204, None)


@router.get(
    "/auth/me",
    auth=bearer,
    response=UserOut,
    summary="The account behind the token",
    url_name="auth_me",
)
def me(request: HttpRequest):
    user = request.auth
    return _user_out(user, verified=_email_verified(user))
