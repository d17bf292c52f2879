"""Bearer-token authentication for the API (tokens from ``POST /api/v1/auth/token``).

Two flavours: ``bearer`` (a valid token is required) and ``optional_bearer`` (anonymous
callers are welcome on public endpoints, but a token that *is* sent must be valid, so a
client with a revoked token learns it instead of silently seeing less).

No session cookies are accepted: the API is therefore not exposed to CSRF.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from aduan.accounts.models import User
from aduan.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_authenticate(token.strip())
        if user is None:
            return None
        # Rate limits and anything else keyed on request.user see the token's owner.
        request.user = user
        request.api_token_raw = token.strip()  # type: ignore[attr-defined]
        return user


class OptionalBearerToken(BearerToken):
    def __call__(self, request: HttpRequest) -> User | AnonymousUser:
        if not request.headers.get(self.header):
            anonymous = AnonymousUser()
            request.user = anonymous
            return anonymous
        user = super().__call__(request)
        if user is None:
            raise AuthenticationError
        return user


bearer = BearerToken()
optional_bearer = OptionalBearerToken()


def request_user(request: HttpRequest) -> User | AnonymousUser:
    """The caller as authenticated by one of the above (``request.auth``)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, User) else AnonymousUser()
