"""What a user may do, derived from their role and agency: the only place code asks "may this
user …?" (ADR 0014). Every answer is ``False`` (or empty) for no user, a visitor and a
deactivated account. The roles in words: docs/workflow.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Role, User

if TYPE_CHECKING:
    from aduan.agencies.models import Agency
    from aduan.reports.models import Report

AnyUser = User | AnonymousUser | None

_STAFF = frozenset(
    {
        Role.NATIONAL_ADMIN,
        Role.AGENCY_ADMIN,
        Role.UNIT_OFFICER,
        Role.OVERSIGHT,
        Role.PROGRAMME_OVERSIGHT,
    }
)
_AGENCY_STAFF = frozenset({Role.AGENCY_ADMIN, Role.UNIT_OFFICER})
_SEES_ALL_REPORTS = frozenset({Role.NATIONAL_ADMIN, Role.OVERSIGHT})
_READ_ONLY = frozenset({Role.OVERSIGHT, Role.PROGRAMME_OVERSIGHT})
_OVERSIGHT_BODY_ROLES = _READ_ONLY
# Roles an actor may give to someone else. An agency admin may appoint admins and officers
# of their own agency, never a national admin or an oversight officer.
_ASSIGNABLE_BY_AGENCY_ADMIN = (Role.AGENCY_ADMIN, Role.UNIT_OFFICER)


def _role(user: AnyUser) -> str | None:
    """``user``'s role if they are signed in and active, else ``None`` (no rights at all)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user.role  # type: ignore[union-attr]


# --- Who the user is ------------------------------------------------------------------------


def is_citizen(user: AnyUser) -> bool:
    """Is ``user`` a citizen (reports and follows, handles nothing)?"""
    return _role(user) == Role.CITIZEN


def is_citizen_role(role: str | None) -> bool:
    """Is ``role`` (as stored on an event, say) the citizen's?"""
    return role == Role.CITIZEN


def may_connect_providers(user: AnyUser) -> bool:
    """May ``user`` connect another service's account (Google, the government's provider
    …) to theirs? Citizens only: staff sign in with their password (ADR 0022)."""
    return is_citizen(user)


def is_staff_member(user: AnyUser) -> bool:
    """Does ``user`` work on reports (any role but citizen)?"""
    return _role(user) in _STAFF


def is_national_desk(user: AnyUser) -> bool:
    """Is ``user`` the national desk (verifies, dispatches, acts on every report)?"""
    return _role(user) == Role.NATIONAL_ADMIN


def is_agency_staff(user: AnyUser) -> bool:
    """Does ``user`` handle reports for one agency (its admin or one of its officers)?"""
    return _role(user) in _AGENCY_STAFF


def is_agency_admin(user: AnyUser) -> bool:
    """Is ``user`` an agency's admin (assigns within it, manages its staff and integration)?"""
    return _role(user) == Role.AGENCY_ADMIN


def is_read_only(user: AnyUser) -> bool:
    """Is ``user`` an overseer (Ombudsman, KSP): reads reports, never changes one?"""
    return _role(user) in _READ_ONLY


def must_use_second_factor(user: AnyUser) -> bool:
    """Must ``user`` prove a second factor (an authenticator app's code) before any page
    shows them reports or the admin site? Staff and admin-site accounts, while
    ``ADUAN_STAFF_MFA_REQUIRED`` is on; citizens may opt in but are never made to."""
    if not settings.ADUAN_STAFF_MFA_REQUIRED or _role(user) is None:
        return False
    return bool(user.role in _STAFF or user.is_staff or user.is_superuser)  # type: ignore[union-attr]


def workspace_url_name(user: AnyUser) -> str:
    """Where ``user`` starts after signing in: the national desk at its queue, agency staff
    at their inbox, overseers at the oversight dashboard, citizens at the home page."""
    if is_national_desk(user):
        return "web:staff_queue"
    if is_agency_staff(user):
        return "web:staff_inbox"
    if is_read_only(user):
        return "oversight:dashboard"
    return "web:home"


# --- Which reports and agencies -------------------------------------------------------------


def sees_all_reports(user: AnyUser) -> bool:
    """Does ``user`` see (and work through the lists of) every report: national desk, oversight?"""
    return _role(user) in _SEES_ALL_REPORTS


def sees_programme_reports_only(user: AnyUser) -> bool:
    """Does ``user`` see the reports tagged with a national priority programme, of every
    agency, and no other (the KSP overseer)? The rule itself is ``reports.selectors``'."""
    return _role(user) == Role.PROGRAMME_OVERSIGHT


def statistics_programme_scope(user: AnyUser) -> set[int] | None:
    """The programmes whose reports ``user``'s figures are limited to: ``None`` for no
    limit (staff: which agencies is ``may_see_statistics_of``), the active programmes' ids
    for the KSP overseer, and the empty set (nothing) for everyone who is not staff."""
    if not is_staff_member(user):
        return set()
    if not sees_programme_reports_only(user):
        return None
    # By label, not by import: the programmes app sits above this one (its tags point at
    # reports), and only this answer needs its rows.
    programme = apps.get_model("programmes", "Programme")
    return set(programme.objects.filter(is_active=True).values_list("pk", flat=True))


def sees_all_agencies(user: AnyUser) -> bool:
    """Does ``user`` read every agency's records in the admin (the operator too)?"""
    return sees_all_reports(user) or bool(_role(user) is not None and user.is_superuser)  # type: ignore[union-attr]


def staff_agency(user: AnyUser) -> Agency | None:
    """The agency whose subtree agency staff ``user`` handles; ``None`` for anyone else."""
    if not is_agency_staff(user) or not user.agency_id:  # type: ignore[union-attr]
        return None
    agency = user.agency  # type: ignore[union-attr]
    # An empty path would be a prefix of every agency's: never widen access on bad data.
    return agency if agency.path else None


def _in_subtree(agency: Agency | None, of: Agency | None) -> bool:
    return bool(agency is not None and of is not None and of.path) and agency.path.startswith(
        of.path  # type: ignore[union-attr]
    )


@dataclass(frozen=True)
class StatisticsScope:
    """Whose figures a user may see: every agency's, one agency's subtree, or none; and
    whether only the reports tagged with a priority programme count (``programmes_only``:
    the figures then come from the programme roll-ups alone)."""

    everything: bool = False
    agency: Agency | None = None  # the subtree's root, when not ``everything``
    programmes_only: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.everything and self.agency is None

    def covers(self, agency: Agency | None) -> bool:
        return agency is not None and (self.everything or _in_subtree(agency, self.agency))


def statistics_scope(user: AnyUser) -> StatisticsScope:
    """The staff dashboards' scope: every agency for those who see all reports (national
    admin, oversight), their agency's subtree for agency staff, none for anyone else:
    exactly the reports they may already open. The KSP overseer opens only the reports
    tagged with a priority programme, of every agency: their figures count those only."""
    if sees_all_reports(user):
        return StatisticsScope(everything=True)
    if sees_programme_reports_only(user):
        return StatisticsScope(everything=True, programmes_only=True)
    return StatisticsScope(agency=staff_agency(user))


def may_see_statistics_of(user: AnyUser, agency: Agency | None) -> bool:
    """May ``user`` see figures about ``agency``'s reports? (``statistics_scope``)"""
    return statistics_scope(user).covers(agency)


def may_see_reporter_identity(user: AnyUser, report: Report) -> bool:
    """May ``user`` see who reported ``report``, with contact details, even when anonymous?
    The reporter themselves and the national desk."""
    return _role(user) is not None and (
        user.pk == report.reporter_id  # type: ignore[union-attr]
        or is_national_desk(user)
    )


# --- What the user may do -------------------------------------------------------------------


def may_assign_within_agency(user: AnyUser) -> bool:
    """May ``user`` hand reports to units and officers of their agency (from the inbox)?"""
    return is_agency_admin(user)


def may_manage_holidays(user: AnyUser) -> bool:
    """May ``user`` add and remove the extra days off of the deadline calendar?"""
    return is_national_desk(user)


def may_manage_integrations(user: AnyUser, agency: Agency | None) -> bool:
    """May ``user`` manage ``agency``'s webhooks and integration tokens (its own admin)?"""
    return bool(
        agency is not None and is_agency_admin(user) and user.agency_id == agency.pk  # type: ignore[union-attr]
    )


def may_use_channel(user: AnyUser) -> bool:
    """May ``user`` report and read through SMS, X or a claimed channel account (citizens)?"""
    return is_citizen(user)


def may_support_reports(user: AnyUser) -> bool:
    """May ``user`` support ("dukung") public reports and follow them (citizens: staff
    handle reports, they do not vote on them)?"""
    return is_citizen(user)


def may_manage_installation(user: AnyUser) -> bool:
    """May ``user`` change installation-wide records (Open311 keys, reports in the admin)?"""
    return is_national_desk(user) or bool(_role(user) is not None and user.is_superuser)  # type: ignore[union-attr]


def may_manage_programmes(user: AnyUser) -> bool:
    """May ``user`` keep the list of national priority programmes (the admin site)?"""
    return may_manage_installation(user)


def may_manage_staff(user: AnyUser) -> bool:
    """May ``user`` open the staff management screens at all?"""
    return _role(user) is not None and (
        user.is_superuser or user.role in (Role.NATIONAL_ADMIN, Role.AGENCY_ADMIN)  # type: ignore[union-attr]
    )


def may_manage_all_agencies(user: AnyUser) -> bool:
    """May ``user`` appoint staff of any agency (the operator and the national desk)?"""
    return may_manage_installation(user)


def roles_assignable_by(user: AnyUser) -> tuple[Role, ...]:
    """The roles ``user`` may give to an account they manage."""
    if may_manage_all_agencies(user):
        return tuple(Role)
    if is_agency_admin(user):
        return _ASSIGNABLE_BY_AGENCY_ADMIN
    return ()


def may_manage_user(actor: AnyUser, target: User) -> bool:
    """May ``actor`` edit ``target``'s account (role, agency, activation)? Citizens' accounts
    are for the national desk only; an agency admin manages the agency staff of their subtree."""
    if _role(actor) is None:
        return False
    assert isinstance(actor, User)
    if actor.is_superuser:
        return True
    if target.is_superuser:
        return False
    if is_national_desk(actor):
        return True
    return (
        is_agency_admin(actor)
        and target.role in _ASSIGNABLE_BY_AGENCY_ADMIN
        and actor.agency_id is not None
        and _in_subtree(target.agency, actor.agency)
    )


def roles_managed_by_agency_admin() -> tuple[Role, ...]:
    """The roles of the accounts an agency admin manages (within their subtree)."""
    return _ASSIGNABLE_BY_AGENCY_ADMIN


def may_revoke_token(actor: AnyUser, token: ApiToken) -> bool:
    """The owner may revoke their token, and so may whoever manages the owner's account."""
    if _role(actor) is None:
        return False
    return actor.pk == token.user_id or may_manage_user(actor, token.user)  # type: ignore[union-attr]


# --- Who is told (filters on users, for the recipients of notices) --------------------------


def national_desk_q() -> Q:
    """The national desk's accounts (the deadlines of verification are theirs)."""
    return Q(role=Role.NATIONAL_ADMIN)


def oversight_q() -> Q:
    """The oversight officers' accounts (told of escalations). Not the KSP overseer: an
    escalation is about any report, most of them outside the priority programmes."""
    return Q(role=Role.OVERSIGHT)


def agency_admins_q(agency_ids: Iterable[int]) -> Q:
    """The admins of these agencies."""
    return Q(agency_id__in=list(agency_ids), role=Role.AGENCY_ADMIN)


def unit_officers_q(agency_ids: Iterable[int]) -> Q:
    """The officers of these agencies (units)."""
    return Q(agency_id__in=list(agency_ids), role=Role.UNIT_OFFICER)


# --- Roles and agencies ---------------------------------------------------------------------


def agency_misfit(role: str, agency: Agency | None) -> str | None:
    """Why an account with ``role`` cannot belong to ``agency`` (``None``: it may). Staff
    belong to an agency of their kind: the national admin to KemenPANRB's LAPOR! team,
    oversight officers to an oversight body, everyone else to an agency that receives reports."""
    from aduan.agencies.models import AgencyKind

    if role == Role.CITIZEN:
        return str(_("A citizen does not belong to an agency.")) if agency is not None else None
    if agency is None:
        return str(_("A staff member must belong to an agency."))
    if role == Role.NATIONAL_ADMIN and agency.kind != AgencyKind.NATIONAL_ADMIN:
        return str(_("A national admin belongs to the national admin agency."))
    if role in _OVERSIGHT_BODY_ROLES and agency.kind != AgencyKind.OVERSIGHT:
        return str(_("An oversight officer belongs to an oversight body."))
    if role in _AGENCY_STAFF and agency.kind in (AgencyKind.NATIONAL_ADMIN, AgencyKind.OVERSIGHT):
        return str(_("Agency admins and unit officers belong to an agency that handles reports."))
    return None
