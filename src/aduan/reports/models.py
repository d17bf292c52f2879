"""The report (laporan) and what is appended to it: events and attachments.

Lifecycle (the workflow issue adds the transitions; the statuses are fixed here):

    submitted ──▶ dispositioned ──▶ in_progress ──▶ responded ──▶ closed
        │  ▲            │                 ▲              │
        ▼  │            ▼                 └── answered ──┘
     on_hold         returned ──▶ (national queue again)
        │
        ▼
     archived

Every report starts ``submitted``, in the national desk's verification queue; an agency
the reporter picked is only the desk's suggestion (``requested_agency``).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models, transaction
from django.utils import timezone
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
# The statuses a report has once the national desk verified it and an agency has it: the
# only ones the public may see (never awaiting verification, held, returned or archived).
VERIFIED_STATUSES = frozenset(
    {Status.DISPOSITIONED, Status.IN_PROGRESS, Status.RESPONDED, Status.CLOSED}
)


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    API = "api", _("Mobile app / API")
    SMS = "sms", _("SMS 1708")
    X = "x", _("X (Twitter)")
    EMAIL = "email", _("E-mail")
    OPEN311 = "open311", _("Open311")


TITLE_MIN, TITLE_MAX = 10, 150
AUDIT_HEAD_FIELDS = frozenset({"event_count", "audit_head"})
# Counters kept by ``F()`` updates (workflow/services/public.py): a full save of a copy
# read earlier must never write an older count back.
COUNTER_FIELDS = frozenset({"support_count"})
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
    # The national desk's redaction of what the public reads (blank: not redacted); the
    # original stays for the reporter and the desks (reports.selectors.report_text_for).
    public_title = models.CharField(_("public title"), max_length=TITLE_MAX, blank=True)
    public_body = models.TextField(
        _("public text"), blank=True, validators=[MaxLengthValidator(BODY_MAX)]
    )
    incident_date = models.DateField(_("incident date"), null=True, blank=True)
    # No single-column index on region, agency, category, reporter: the composite
    # indexes in Meta lead with each of them (and report_region_prefix serves prefixes).
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
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
        db_index=False,
    )
    category = models.ForeignKey(
        "categories.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        db_index=False,
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
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # --- Workflow state, kept by aduan.workflow.services only ---------------------------
    disposed_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency the report was disposed to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The agency the national admin chose; `agency` may be one of its units."),
    )
    suggested_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency suggested on return"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_reports",
    )
    due_at = models.DateTimeField(
        _("current deadline"),
        null=True,
        blank=True,
        help_text=_("The earliest open deadline, copied here so that queues sort by it."),
    )
    is_overdue = models.BooleanField(_("overdue"), default=False)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    responded_at = models.DateTimeField(_("last response at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The audit chain's head: the hash of the newest event and how many there are. An event
    # deleted from the end of the timeline shows up as a head that no longer matches.
    event_count = models.PositiveIntegerField(default=0, editable=False)
    audit_head = models.CharField(max_length=64, blank=True, editable=False)
    # How many citizens support the report (``ReportSupport`` rows), kept exact by the
    # support services so that the feed sorts by it without counting.
    support_count = models.PositiveIntegerField(_("supporters"), default=0, editable=False)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The public feed (``public_reports_q``: the whole condition, so that its page
            # and its capped count read the index alone), newest first; and by agency.
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(confidential=False, status__in=sorted(VERIFIED_STATUSES)),
                name="report_public_recent",
            ),
            models.Index(
                fields=["agency", "-created_at", "-id"],
                condition=models.Q(confidential=False, status__in=sorted(VERIFIED_STATUSES)),
                name="report_public_agency",
            ),
            # The public reports in id order with their date: a ranked search's window
            # (``search.selectors._newest_matches``) walks the latest ids of the public
            # reports against the word index without reading a report row.
            models.Index(
                fields=["id", "created_at"],
                condition=models.Q(confidential=False, status__in=sorted(VERIFIED_STATUSES)),
                name="report_public_id",
            ),
            # The public feed sorted by support, and its "oldest unanswered" order (verified,
            # no response yet): each read in index order, a page at a time.
            models.Index(
                fields=["-support_count", "-created_at", "-id"],
                condition=models.Q(confidential=False),
                name="report_public_support",
            ),
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(confidential=False, status__in=["dispositioned", "in_progress"]),
                name="report_public_unanswered",
            ),
            models.Index(fields=["status", "-created_at"], name="report_status_recent"),
            models.Index(fields=["agency", "status", "-created_at"], name="report_agency_inbox"),
            # Queues sort by the current deadline, oldest first.
            models.Index(fields=["status", "due_at"], name="report_status_due"),
            models.Index(fields=["agency", "status", "due_at"], name="report_agency_due"),
            # Page 1 of the national queue and of a busy inbox: read in deadline order
            # and stop after a page, instead of sorting every waiting report (bench/README.md).
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(status__in=["submitted", "returned"]),
                name="report_queue_due",
            ),
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(status__in=["dispositioned", "in_progress", "responded"]),
                name="report_inbox_due",
            ),
            # One agency's (a unit's) inbox in deadline order: page 1 reads 20 entries
            # instead of joining and sorting every report the agency works on.
            models.Index(
                fields=["agency", "due_at", "id"],
                condition=models.Q(status__in=["dispositioned", "in_progress", "responded"]),
                name="report_agency_inbox_due",
            ),
            models.Index(fields=["category", "-created_at"], name="report_category_recent"),
            models.Index(fields=["region", "-created_at"], name="report_region_recent"),
            models.Index(fields=["reporter", "-created_at"], name="report_reporter_recent"),
            # "In this region or below" is a prefix match on the code (PostgreSQL needs the
            # pattern operator class for LIKE 'x%' under a non-C collation).
            models.Index(
                fields=["region"], opclasses=["varchar_pattern_ops"], name="report_region_prefix"
            ),
            # A region's public reports (``region_q``'s prefix), so that counting a
            # province's feed reads this index alone.
            models.Index(
                fields=["region"],
                opclasses=["varchar_pattern_ops"],
                condition=models.Q(confidential=False, status__in=sorted(VERIFIED_STATUSES)),
                name="report_public_region",
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

    def save(self, *args, **kwargs) -> None:
        # The audit chain's head moves only with an event (reports/audit.py); a full save of
        # a stale copy (an admin form, a script) must never write an older head back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.name not in AUDIT_HEAD_FIELDS
                and field.name not in COUNTER_FIELDS
            ]
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    DISPOSED = "dispose", _("Sent to agency")
    HELD = "hold", _("Put on hold with a question")
    ARCHIVED = "archive", _("Archived")
    MERGED = "merge", _("Merged into another report")
    MERGED_FROM = "merged_from", _("Duplicate merged into this report")
    FLAGS_SET = "set_flags", _("Privacy changed")
    ACCEPTED = "accept", _("Accepted by the agency")
    RETURNED = "return", _("Returned by the agency")
    FORWARDED = "forward", _("Forwarded")
    EXTENDED = "extend", _("Deadline extended")
    RESPONDED = "respond", _("Agency response")
    COMMENTED = "comment", _("Comment")
    NOTE = "note", _("Internal note")
    ANSWERED = "answer", _("Reporter's answer")
    CLOSED = "close", _("Closed by the reporter")
    RATED = "rate", _("Rated")
    REOPENED = "reopen", _("Reopened")
    AUTO_CLOSED = "auto_close", _("Closed automatically")
    OVERDUE = "overdue", _("Deadline missed")
    ESCALATED = "escalate", _("Escalated")
    REPORTER_LINKED = "reporter_linked", _("Reporter's account linked")
    REDACTED = "redact", _("Public text redacted")
    PROGRAMMES_SET = "set_programmes", _("Priority programmes changed")


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit event through the ORM."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Report events are append-only.")

    def delete(self):
        raise AppendOnlyError("Report events are append-only.")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("Report events are append-only.")

    def bulk_create(self, *args, **kwargs):
        # bulk_create skips save(), and with it the chain.
        raise AppendOnlyError("Report events are written one by one, chained.")


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
    # The agency this event gave the report to (a disposition, a forward to a unit): a
    # public fact, kept apart from ``note``, whose readers depend on the action
    # (``reports.selectors.NOTE_AUDIENCE``).
    target_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_public = models.BooleanField(default=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The audit chain: seq counts this report's events from 1; ``hash`` is the HMAC, under
    # the key ``key_id`` names, of every field above, the digest of the report's audited
    # fields after the event and the previous event's hash (aduan.reports.audit, ADR 0018).
    # Events written before keys came have no key id and a plain SHA-256 (ADR 0008).
    seq = models.PositiveIntegerField(default=0, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, default="", editable=False)
    key_id = models.CharField(max_length=16, blank=True, editable=False)
    row_digest = models.CharField(max_length=64, blank=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["report", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["report", "seq"], name="report_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"

    def save(self, *args, **kwargs) -> None:
        """Insert only: the event is chained to the report's previous one before it is written."""
        if self.pk is not None:
            raise AppendOnlyError("Report events are append-only.")
        from .audit import event_chain

        with transaction.atomic():
            event_chain(self)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Report events are append-only.")

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


def attachment_thumbnail_upload_to(instance: Attachment, filename: str) -> str:
    # Beside the files, so that the orphan sweep (``reports.orphans``) looks after them too.
    return f"attachments/{secrets.token_hex(2)}/{secrets.token_urlsafe(18)}.webp"


class AttachmentState(models.TextChoices):
    """An image from the web or the API is stored as sent (``pending``) and re-encoded by a
    worker (``reports.tasks``): ``ready`` once stripped of its metadata, ``refused`` if it
    could not be decoded. Only ``ready`` files are ever listed or served."""

    PENDING = "pending", _("Being processed")
    READY = "ready", _("Ready")
    REFUSED = "refused", _("Refused")


class ReadyAttachments(models.Manager):
    """The default manager, so every list, prefetch and download sees ready files only: a
    file still carrying its metadata cannot leak through a query that forgot a filter."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(state=AttachmentState.READY)


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
    event = models.ForeignKey(
        ReportEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        help_text=_("The response or comment the file belongs to; empty for the report's own."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(
        max_length=8, choices=AttachmentState.choices, default=AttachmentState.READY
    )
    # Why the worker refused the file, in the words shown to the one who uploaded it.
    refusal = models.TextField(blank=True)
    # The re-encoding's tries: when it was last queued and how often (``reports.tasks``).
    queued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A small WebP of a ready image, made once from the clean pixels (``attachments``),
    # for the public cards; its size lets a page reserve the space before it loads.
    thumbnail = models.FileField(
        upload_to=attachment_thumbnail_upload_to, max_length=200, blank=True
    )
    thumbnail_width = models.PositiveSmallIntegerField(null=True, blank=True)
    thumbnail_height = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = ReadyAttachments()
    every = models.Manager()  # noqa: DJ012 - a second manager, not a field

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["queued_at"],
                condition=models.Q(state="pending"),
                name="attachment_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class ReportFollower(models.Model):
    """Someone besides the reporter who is told about the report: the reporter of a
    duplicate that was merged into it, or a citizen who supports it."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="report_follower_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.report_id}"


class ReportSupport(models.Model):
    """A citizen supports ("dukung") a public report: one row per citizen and report.
    Who supports is never shown; only ``Report.support_count``. Accounts are switched off,
    not deleted (their reports protect them too): deleting one would leave the count wrong."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="report_support_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.report_id}"


class Rating(models.Model):
    """The reporter's rating of how the report was handled (1-5), one per report."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="rating")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, related_name="ratings"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="rating_score_1_to_5", condition=models.Q(score__gte=1, score__lte=5)
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.score}"
