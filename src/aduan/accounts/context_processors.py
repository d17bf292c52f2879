"""What the signed-in user may do, for templates: ``{% if caps.national_desk %}``. Templates
ask these questions here instead of comparing roles (``accounts.capabilities``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import cached_property

from . import capabilities


class UserCapabilities:
    """The answers of ``accounts.capabilities`` about one user, each asked when first read."""

    def __init__(self, user: capabilities.AnyUser) -> None:
        self._user = user

    @cached_property
    def national_desk(self) -> bool:
        return capabilities.is_national_desk(self._user)

    @cached_property
    def staff_member(self) -> bool:
        return capabilities.is_staff_member(self._user)

    @cached_property
    def second_factor_required(self) -> bool:
        return capabilities.must_use_second_factor(self._user)

    @cached_property
    def read_only(self) -> bool:
        return capabilities.is_read_only(self._user)

    @cached_property
    def manage_holidays(self) -> bool:
        return capabilities.may_manage_holidays(self._user)

    @cached_property
    def manage_integrations(self) -> bool:
        user = self._user
        # Asked first so that nobody else's page loads their agency for it.
        return capabilities.is_agency_admin(user) and capabilities.may_manage_integrations(
            user,
            user.agency,  # type: ignore[union-attr]
        )

    @cached_property
    def see_statistics(self) -> bool:
        return not capabilities.statistics_scope(self._user).is_empty

    @cached_property
    def use_channel(self) -> bool:
        return capabilities.may_use_channel(self._user)


def capabilities_context(request: HttpRequest) -> dict[str, UserCapabilities]:
    return {"caps": UserCapabilities(getattr(request, "user", None))}
