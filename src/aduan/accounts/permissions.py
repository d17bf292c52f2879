"""Who may do what, by role: the one place views, the API and the admin ask.

- National admin (KemenPANRB's LAPOR! team): manages every agency and all staff.
- Agency admin: manages their agency, its units and the staff in them.
- Unit officer: handles the reports of their unit; manages nobody.
- Oversight (Ombudsman): reads everything, changes nothing.
- Citizen: their own account and reports only.

Which *reports* a user may see is a different question, answered by
``aduan.reports.selectors.report_visibility_q``; this module does not repeat it.
A Django superuser is the operator of the installation and may manage everything.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from aduan.agencies.models import Agency

from .models import STAFF_ROLES, ApiToken, Role, User

AnyUser = User | AnonymousUser | None

# Roles an actor may give to someone else. An agency admin may appoint admins and officers
# of their own agency, never a national admin or an oversight officer.
_ASSIGNABLE_BY_AGENCY_ADMIN = (Role.AGENCY_ADMIN, Role.UNIT_OFFICER)


def _active(user: AnyUser) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_staff_role(user: AnyUser) -> bool:
    """Does ``user`` work for an agency (any role but citizen)?"""
    return _active(user) and user.role in STAFF_ROLES  # type: ignore[union-attr]


def is_read_only(user: AnyUser) -> bool:
    """Oversight officers read across every agency but never change a report."""
    return _active(user) and user.role == Role.OVERSIGHT  # type: ignore[union-attr]


def can_view_all_agencies(user: AnyUser) -> bool:
    """National admin and oversight see every agency's inbox and dashboards."""
    return _active(user) and (
        user.is_superuser  # type: ignore[union-attr]
        or user.role in (Role.NATIONAL_ADMIN, Role.OVERSIGHT)  # type: ignore[union-attr]
    )


def _in_own_subtree(user: User, agency: Agency | None) -> bool:
    if agency is None or not user.agency_id:
        return False
    return agency.path.startswith(user.agency.path)


def can_manage_agency(user: AnyUser, agency: Agency | None) -> bool:
    """May ``user`` edit ``agency`` (its units, its staff, its settings)?"""
    if not _active(user):
        return False
    assert isinstance(user, User)
    if user.is_superuser or user.role == Role.NATIONAL_ADMIN:
        return agency is not None
    return user.role == Role.AGENCY_ADMIN and _in_own_subtree(user, agency)


def can_act_for_agency(user: AnyUser, agency: Agency | None) -> bool:
    """May ``user`` handle (accept, answer, forward) reports addressed to ``agency``?"""
    if not _active(user):
        return False
    assert isinstance(user, User)
    if user.role == Role.NATIONAL_ADMIN:
        return agency is not None
    return user.is_agency_staff and _in_own_subtree(user, agency)


def can_manage_staff(user: AnyUser) -> bool:
    """May ``user`` open the staff management screens at all?"""
    return _active(user) and (
        user.is_superuser  # type: ignore[union-attr]
        or user.role in (Role.NATIONAL_ADMIN, Role.AGENCY_ADMIN)  # type: ignore[union-attr]
    )


def assignable_roles(user: AnyUser) -> tuple[Role, ...]:
    """The roles ``user`` may give to an account they manage."""
    if not _active(user):
        return ()
    assert isinstance(user, User)
    if user.is_superuser or user.role == Role.NATIONAL_ADMIN:
        return tuple(Role)
    if user.role == Role.AGENCY_ADMIN:
        return _ASSIGNABLE_BY_AGENCY_ADMIN
    return ()


def can_manage_user(actor: AnyUser, target: User) -> bool:
    """May ``actor`` edit ``target``'s account (role, agency, activation)?

    Citizens' accounts (and their contact details) are for the national admin only; an
    agency admin manages the agency staff of their own subtree.
    """
    if not _active(actor):
        return False
    assert isinstance(actor, User)
    if actor.is_superuser:
        return True
    if target.is_superuser:
        return False
    if actor.role == Role.NATIONAL_ADMIN:
        return True
    return (
        actor.role == Role.AGENCY_ADMIN
        and target.role in _ASSIGNABLE_BY_AGENCY_ADMIN
        and _in_own_subtree(actor, target.agency)
    )


def can_revoke_token(actor: AnyUser, token: ApiToken) -> bool:
    """The owner may revoke their token, and so may whoever manages the owner's account."""
    if not _active(actor):
        return False
    assert isinstance(actor, User)
    return actor.pk == token.user_id or can_manage_user(actor, token.user)
