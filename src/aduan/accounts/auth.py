"""Bearer-token authentication for the API (tokens from ``POST /api/v1/auth/token``).

Two flavours: ``bearer`` (a valid token is required) and ``optional_bearer`` (anonymous
callers are welcome on public endpoints, but a token that *is* sent must be valid, so a
client with a revoked or expired token learns it, 401 saying which, instead of silently
seeing less). The token in use is ``request.api_token``.

An agency's integration token (a token bound to an agency, made by
``aduan.integrations``) is refused with 403 by every endpoint except those that declare
they serve agency systems (``agency_bearer``, ``optional_agency_bearer``): an endpoint
added later is closed to it until it says otherwise.

No session cookies are accepted: the API is therefore not exposed to CSRF.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from aduan.accounts.models import User
from aduan.accounts.services import token_check


class BearerToken(HttpBearer):
    def __init__(self, *, agency_systems: bool = False) -> None:
        super().__init__()
        self.agency_systems = agency_systems

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = token_check(token.strip(), agency_systems=self.agency_systems)
        if api_token is None:
            return None
        # Rate limits and anything else keyed on request.user see the token's owner.
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


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
# The endpoints an agency's system may call with its integration token.
agency_bearer = BearerToken(agency_systems=True)
optional_agency_bearer = OptionalBearerToken(agency_systems=True)


def request_user(request: HttpRequest) -> User | AnonymousUser:
    """The caller as authenticated by one of the above (``request.auth``)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, User) else AnonymousUser()
