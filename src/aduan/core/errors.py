"""Domain errors that every interface (web, API, SMS, e-mail) turns into the same answer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule of the service was broken. ``message`` is shown to the user as it is."""

    status_code = 400
    default_message = _("The request could not be carried out.")

    def __init__(
        self, message: str | None = None, *, field_errors: dict[str, list[str]] | None = None
    ):
        self.message = str(message or self.default_message)
        self.field_errors = field_errors or {}
        super().__init__(self.message)


class Unauthenticated(DomainError):
    """Who the caller is was not established: wrong credentials, or a token that no longer
    works (the API answers 401 with ``WWW-Authenticate``)."""

    status_code = 401
    default_message = _("Sign in first.")


class NotFound(DomainError):
    """Missing or not visible to the caller: the two are deliberately indistinguishable."""

    status_code = 404
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    """The caller may not do this. Domain code (services, selectors, permissions) raises
    this one; a view that wants Django's 403 page raises Django's, imported as
    ``DjangoPermissionDenied`` so that the two are never confused in one module."""

    status_code = 403
    default_message = _("You are not allowed to do this.")


class InvalidTransition(DomainError):
    status_code = 409
    default_message = _("This action is not possible in the report's current status.")


class ValidationFailed(DomainError):
    status_code = 422
    default_message = _("Some fields are not valid.")


class RateLimited(DomainError):
    status_code = 429
    default_message = _("Too many requests. Please wait a while and try again.")

    def __init__(self, message: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        # Seconds until the limit's window ends: the answer's Retry-After.
        self.retry_after = retry_after


class PayloadTooLarge(DomainError):
    status_code = 413
    default_message = _("The file is too large.")
