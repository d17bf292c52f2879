"""Reads of accounts, scoped by who is asking (the rules are in ``capabilities``)."""

from __future__ import annotations

from django.db.models import QuerySet

from aduan.agencies.models import Agency
from aduan.core.errors import NotFound

from .capabilities import (
    AnyUser,
    may_manage_all_agencies,
    may_manage_staff,
    roles_managed_by_agency_admin,
)
from .models import ApiToken, User


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, active ones first, newest first."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-id")


def api_token_list_active(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens that still work (not revoked, not expired), newest first."""
    return ApiToken.objects.active().filter(user=user).order_by("-created_at", "-id")


def api_token_get_for_user(*, user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens; ``NotFound`` for someone else's, as for a missing one."""
    token = ApiToken.objects.filter(user=user, pk=token_id).select_related("user").first()
    if token is None:
        raise NotFound
    return token


def agencies_managed_by(*, actor: AnyUser) -> QuerySet[Agency]:
    """The agencies whose staff ``actor`` may appoint."""
    if not may_manage_staff(actor):
        return Agency.objects.none()
    assert isinstance(actor, User)
    if may_manage_all_agencies(actor):
        return Agency.objects.all()
    if actor.agency_id is None:
        return Agency.objects.none()
    return Agency.objects.filter(path__startswith=actor.agency.path)


def users_managed_by(*, actor: AnyUser) -> QuerySet[User]:
    """The accounts ``actor`` may see and edit on the staff screens."""
    if not may_manage_staff(actor):
        return User.objects.none()
    assert isinstance(actor, User)
    if actor.is_superuser:
        return User.objects.all()
    if may_manage_all_agencies(actor):
        return User.objects.filter(is_superuser=False)
    if actor.agency_id is None:
        return User.objects.none()
    return User.objects.filter(
        is_superuser=False,
        role__in=roles_managed_by_agency_admin(),
        agency__path__startswith=actor.agency.path,
    )
