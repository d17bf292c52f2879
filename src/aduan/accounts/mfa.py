"""Two-factor authentication (allauth.mfa: an authenticator app and recovery codes).

allauth asks an enrolled account for its code at sign-in. What it does not know is that
staff must have one (``capabilities.must_use_second_factor``): the session remembers that
its user proved a second factor (a code at sign-in or re-authentication, or enrolment,
which also takes a code), and ``accounts.middleware`` sends staff without that proof to
enrol or to enter a code. The API's password grant checks a code the same way (``code_check``).
"""

from __future__ import annotations

from allauth.mfa import signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from . import capabilities
from .models import User

# The pk of the user who proved a second factor in this session. Signing out flushes the
# session; signing in as someone else starts a new one (django.contrib.auth.login).
PASSED_SESSION_KEY = "aduan_second_factor"
# Where a staff member was going when sent to enrol (shown as "Continue" afterwards).
NEXT_SESSION_KEY = "aduan_second_factor_next"


def second_factor_passed(request: HttpRequest) -> bool:
    """Has the signed-in user proved a second factor in this session?"""
    user = request.user
    return bool(user.is_authenticated) and request.session.get(PASSED_SESSION_KEY) == str(user.pk)


def has_authenticator_app(user: User) -> bool:
    """Has ``user`` enrolled an authenticator app (TOTP)?"""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _passed(request: HttpRequest | None, user: User) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[PASSED_SESSION_KEY] = str(user.pk)


def _on_authenticator_used(sender, request, user, authenticator, **kwargs) -> None:
    """A code was accepted (sign-in's second step, or re-authentication)."""
    _passed(request, user)


def _on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    """An authenticator app was enrolled: allauth accepted a code of it to do so."""
    if authenticator.type == Authenticator.Type.TOTP:
        _passed(request, user)


def signals_connect() -> None:
    signals.authenticator_used.connect(_on_authenticator_used, dispatch_uid="aduan_mfa_used")
    signals.authenticator_added.connect(_on_authenticator_added, dispatch_uid="aduan_mfa_added")


class MFAAdapter(DefaultMFAAdapter):
    """Staff may not switch their authenticator app off (a new one replaces it through an
    administrator, who deletes the old one in the admin site)."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        return not (
            authenticator.type == Authenticator.Type.TOTP
            and capabilities.must_use_second_factor(authenticator.user)
        )


def code_check(*, user: User, code: str) -> str | None:
    """Check ``code`` (the authenticator app's, or an unused recovery code) as allauth's
    sign-in step does: a code is accepted once (a replay is refused), a recovery code is
    spent, failures count towards allauth's lock-out. ``None`` when accepted, else why
    not: ``"incorrect_code"`` or ``"too_many_login_attempts"``."""
    form = AuthenticateForm(user=user, data={"code": code})
    if form.is_valid():
        form.authenticator.record_usage()
        return None
    return form.errors.as_data()["code"][0].code or "incorrect_code"
