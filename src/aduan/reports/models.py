"""The report (laporan) and what is appended to it: events and attachments.

Lifecycle (the workflow issue adds the transitions; the statuses are fixed here):

    submitted ──▶ dispositioned ──▶ in_progress ──▶ responded ──▶ closed
        │  ▲            │                 ▲              │
        ▼  │            ▼                 └── answered ──┘
     on_hold         returned ──▶ (national queue again)
        │
        ▼
     archived

A report whose reporter picked a target agency skips verification and starts
``dispositioned``, as LAPOR! does.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aduan.core.tracking import LENGTH as TRACKING_ID_LENGTH
from aduan.core.tracking import new_tracking_id


class Classification(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    ASPIRATION = "aspiration", _("Aspiration")
    INFORMATION_REQUEST = "information_request", _("Information request")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting verification")
    ON_HOLD = "on_hold", _("On hold")
    ARCHIVED = "archived", _("Archived")
    DISPOSITIONED = "dispositioned", _("Sent to agency")
    RETURNED = "returned", _("Returned")
    IN_PROGRESS = "in_progress", _("Being handled")
    RESPONDED = "responded", _("Responded")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset(set(Status) - {Status.ARCHIVED, Status.CLOSED})


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    API = "api", _("Mobile app / API")
    SMS = "sms", _("SMS 1708")
    X = "x", _("X (Twitter)")
    EMAIL = "email", _("E-mail")
    OPEN311 = "open311", _("Open311")


TITLE_MIN, TITLE_MAX = 10, 150
BODY_MIN, BODY_MAX = 30, 4000

# Indonesia's bounding box, with a margin for its outer islands.
LATITUDE_RANGE = (-11.5, 6.5)
LONGITUDE_RANGE = (94.5, 141.5)


class Report(models.Model):
    tracking_id = models.CharField(
        _("tracking id"),
        max_length=TRACKING_ID_LENGTH,
        unique=True,
        default=new_tracking_id,
        editable=False,
    )
    classification = models.CharField(
        _("classification"), max_length=24, choices=Classification.choices
    )
    title = models.CharField(
        _("title"), max_length=TITLE_MAX, validators=[MinLengthValidator(TITLE_MIN)]
    )
    body = models.TextField(
        _("text"), validators=[MinLengthValidator(BODY_MIN), MaxLengthValidator(BODY_MAX)]
    )
    incident_date = models.DateField(_("incident date"), null=True, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    requested_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency chosen by the reporter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("handling agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    category = models.ForeignKey(
        "categories.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    anonymous = models.BooleanField(
        _("anonymous"),
        default=False,
        help_text=_("The reporter's identity is hidden from the agency and the public."),
    )
    confidential = models.BooleanField(
        _("confidential"), default=False, help_text=_("The report is not shown to the public.")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The public feed: newest non-confidential reports, optionally by one filter.
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(confidential=False),
                name="report_public_feed",
            ),
            models.Index(fields=["status", "-created_at"], name="report_status_recent"),
            models.Index(fields=["agency", "status", "-created_at"], name="report_agency_inbox"),
            models.Index(fields=["category", "-created_at"], name="report_category_recent"),
            models.Index(fields=["region", "-created_at"], name="report_region_recent"),
            models.Index(fields=["reporter", "-created_at"], name="report_reporter_recent"),
            # "In this region or below" is a prefix match on the code (PostgreSQL needs the
            # pattern operator class for LIKE 'x%' under a non-C collation).
            models.Index(
                fields=["region"], opclasses=["varchar_pattern_ops"], name="report_region_prefix"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="report_latlong_together",
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_id} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")


class ReportEvent(models.Model):
    """One line of a report's timeline. Appended, never edited."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_role = models.CharField(max_length=20, blank=True)
    actor_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    is_public = models.BooleanField(default=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["report", "created_at"])]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Report events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Report events are append-only.")

    @property
    def action_label(self) -> str:
        try:
            return str(EventAction(self.action).label)
        except ValueError:
            return self.action.replace("_", " ")


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # A random name: the original name may itself identify the reporter.
    ext = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf", "video/mp4": "mp4"}
    suffix = ext.get(instance.content_type, "bin")
    return f"attachments/{secrets.token_hex(2)}/{secrets.token_urlsafe(18)}.{suffix}"


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name
