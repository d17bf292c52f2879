"""People: citizens who report, and staff who handle reports on behalf of one agency."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .validators import validate_e164_phone, validate_nik


class Role(models.TextChoices):
    """Who an account is. What each role may do is asked of ``accounts.capabilities``."""

    CITIZEN = "citizen", _("Citizen")
    NATIONAL_ADMIN = "national_admin", _("National admin")
    AGENCY_ADMIN = "agency_admin", _("Agency admin")
    UNIT_OFFICER = "unit_officer", _("Unit officer")
    OVERSIGHT = "oversight", _("Oversight")
    PROGRAMME_OVERSIGHT = "programme_oversight", _("Priority programme overseer (KSP)")


def role_label(value: str) -> str | None:
    """The name of the role stored as ``value`` (on an event, say); None for no role."""
    return str(Role(value).label) if value in Role.values else None


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str | None, password: str | None, **extra) -> User:
        email = self.normalize_email(email) if email else None
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str | None = None, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def people(self):
        """Active accounts of persons: not the agencies' integration service accounts (the
        owners of agency-scoped tokens), which act by API and read no notifications."""
        return self.filter(is_active=True).exclude(api_tokens__agency__isnull=False)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        extra.setdefault("full_name", "Administrator")
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One person. ``email`` is empty for accounts a channel created (SMS, X) until claimed."""

    email = models.EmailField(_("e-mail address"), unique=True, null=True, blank=True)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(
        _("phone"),
        max_length=20,
        blank=True,
        validators=[validate_e164_phone],
        help_text=_("International format, e.g. +6281234567890."),
    )
    nik = models.CharField(
        _("NIK"),
        max_length=16,
        blank=True,
        validators=[validate_nik],
        help_text=_("16-digit national identity number (optional)."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=[("id", "Bahasa Indonesia"), ("en", "English")],
        default="id",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    is_staff = models.BooleanField(
        _("admin site access"), default=False, help_text=_("May sign in to the admin site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["phone"]), models.Index(fields=["role", "agency"])]
        constraints = [
            models.CheckConstraint(
                name="staff_role_has_agency",
                condition=models.Q(role="citizen") | models.Q(agency__isnull=False),
                violation_error_message=_("A staff member must belong to an agency."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or f"#{self.pk}"

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        """How a message greets the user: the first name, or "Sir/Madam" without one (an
        SMS reporter, an account made by an integration)."""
        names = self.full_name.split()
        return names[0] if names else gettext("Sir/Madam")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self, *, now: dt.datetime | None = None) -> ApiTokenQuerySet:
        """Tokens that still open the API: not revoked, not expired, of an active account."""
        return self.filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now or timezone.now()),
            revoked_at__isnull=True,
            user__is_active=True,
        )


class ApiToken(models.Model):
    """A bearer token for the mobile app or an integration. Only its SHA-256 hash is stored,
    with its first characters (``hint``) to recognise it by. A person's token expires
    ``ADUAN_API_TOKEN_DAYS`` after it was made; an agency's integration token has no
    ``expires_at`` (a machine that stops on a date misses deadlines; the agency's admin
    revokes it instead)."""

    PREFIX = "adn_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, default="mobile")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("hint"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    # Set on an agency's integration token (aduan.integrations.services): the token
    # then only reaches that agency's inbox and workflow actions (accounts.auth: the endpoints that serve agency systems).
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("integration for agency"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="integration_tokens",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    def is_expired(self, *, now: dt.datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
