"""Reads of accounts, scoped by who is asking (the rules are in ``permissions``)."""

from __future__ import annotations

from django.db.models import QuerySet

from aduan.agencies.models import Agency
from aduan.core.errors import NotFound

from .models import ApiToken, Role, User
from .permissions import AnyUser, can_manage_staff


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, active ones first, newest first."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-id")


def api_token_get_for_user(*, user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens; ``NotFound`` for someone else's, as for a missing one."""
    token = ApiToken.objects.filter(user=user, pk=token_id).select_related("user").first()
    if token is None:
        raise NotFound
    return token


def agencies_managed_by(*, actor: AnyUser) -> QuerySet[Agency]:
    """The agencies whose staff ``actor`` may appoint."""
    if not can_manage_staff(actor):
        return Agency.objects.none()
    assert isinstance(actor, User)
    if actor.is_superuser or actor.role == Role.NATIONAL_ADMIN:
        return Agency.objects.all()
    if actor.agency_id is None:
        return Agency.objects.none()
    return Agency.objects.filter(path__startswith=actor.agency.path)


def users_managed_by(*, actor: AnyUser) -> QuerySet[User]:
    """The accounts ``actor`` may see and edit on the staff screens."""
    if not can_manage_staff(actor):
        return User.objects.none()
    assert isinstance(actor, User)
    if actor.is_superuser:
        return User.objects.all()
    if actor.role == Role.NATIONAL_ADMIN:
        return User.objects.filter(is_superuser=False)
    if actor.agency_id is None:
        return User.objects.none()
    return User.objects.filter(
        is_superuser=False,
        role__in=(Role.AGENCY_ADMIN, Role.UNIT_OFFICER),
        agency__path__startswith=actor.agency.path,
    )
