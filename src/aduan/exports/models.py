"""An export built by the task queue (ADR 0016): a list too long to stream within a web
request, written to a file in the default storage and kept for its owner to download.

States: ``queued`` (created, the task enqueued) → ``running`` (a worker claimed it) →
``done`` (the file is stored) or ``failed`` (``error`` says why). A run that finds the
job ``done`` or ``failed`` does nothing. Every job expires ``ADUAN_EXPORT_KEEP_DAYS``
after its creation; the periodic job then deletes the file and the row.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportList(models.TextChoices):
    INBOX = "inbox", _("Inbox")
    QUEUE = "queue", _("Verification queue")


class ExportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def export_upload_to(instance: ExportJob, filename: str) -> str:
    """One name per job: a second run replaces the file rather than adding one."""
    return f"exports/{instance.pk}.{instance.format}"


class ExportJob(models.Model):
    # Not a counter: the id is in URLs and e-mails, and says nothing about other jobs.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    list = models.CharField(_("list"), max_length=8, choices=ExportList.choices)
    # ``workflow.selectors.InboxFilters`` as given, dates in ISO form: the task reads the
    # list again with them, as the owner at the time of building.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=4)
    # The language of the headers and labels: the one the owner asked in.
    language = models.CharField(max_length=10)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=ExportJobStatus.choices,
        default=ExportJobStatus.QUEUED,
    )
    # Rows written so far (progress while running; the file's rows once done), and the
    # rows the list held when the build started.
    rows = models.PositiveIntegerField(_("rows"), default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to=export_upload_to, max_length=200, blank=True)
    error = models.TextField(blank=True)
    # Set by each run that claims the job: a run whose token is no longer the job's
    # (another run took over a stalled build) keeps nothing.
    run_token = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["owner", "-created_at"], name="export_job_owner")]

    def __str__(self) -> str:
        return f"{self.list}.{self.format} {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportJobStatus.DONE, ExportJobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        """How far the build is, in whole percent, once its total is known."""
        if self.status == ExportJobStatus.DONE:
            return 100
        if not self.total:
            return None
        return min(99, self.rows * 100 // self.total)
