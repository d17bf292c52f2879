"""Stored text the agencies reuse when they answer reports.

A response template belongs to one agency (and is offered to it and its units) or to
everyone (``agency`` empty, kept by the national admin), for one category or any.
Its body may hold ``{tracking_id}``, ``{title}``, ``{agency}`` and ``{category}``,
filled in when an officer picks it.
"""

from __future__ import annotations

import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aduan.reports.models import Report

PLACEHOLDERS = ("tracking_id", "title", "agency", "category")


def validate_placeholders(body: str) -> None:
    """Only the known ``{name}`` placeholders; a stray brace is written ``{{`` or ``}}``."""
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(body) if name}
    except ValueError as exc:
        # The braces go in as values, so that the message holds none for translators to
        # mistake for placeholders or format escapes.
        raise ValidationError(
            _(
                "The braces do not match. A placeholder needs both of its braces, as in "
                "%(example)s. To show a brace itself in the text, type it twice: "
                "%(open)s or %(close)s."
            ),
            code="braces",
            params={"example": "{tracking_id}", "open": "{{", "close": "}}"},
        ) from exc
    unknown = sorted(names - set(PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(names)s. Use %(known)s.")
            % {
                "names": ", ".join("{" + n + "}" for n in unknown),
                "known": ", ".join("{" + n + "}" for n in PLACEHOLDERS),
            },
            code="placeholders",
        )


class ResponseTemplateQuerySet(models.QuerySet["ResponseTemplate"]):
    def for_report(self, report: Report) -> QuerySet[ResponseTemplate]:
        """Active templates that fit ``report``: its category or any, and for everyone or
        for the report's agency or an agency above it (its path holds their ids)."""
        agency_ids = (
            [int(part) for part in report.agency.path.strip("/").split("/") if part.isdigit()]
            if report.agency_id and report.agency.path
            else []
        )
        category_q = Q(category__isnull=True)
        if report.category_id:
            category_q |= Q(category_id=report.category_id)
        return (
            self.filter(is_active=True)
            .filter(category_q)
            .filter(Q(agency__isnull=True) | Q(agency_id__in=agency_ids))
            .order_by("title", "pk")
        )


class ResponseTemplate(models.Model):
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response_templates",
        help_text=_("Offered to this agency and its units; empty: offered to every agency."),
    )
    category = models.ForeignKey(
        "categories.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response_templates",
        help_text=_("Offered for reports of this category; empty: for any category."),
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("text"),
        max_length=4000,
        validators=[validate_placeholders],
        help_text=_(
            "May use {tracking_id}, {title}, {agency} and {category}; they are filled in "
            "from the report."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ResponseTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["agency", "category"], name="response_template_scope")]

    def __str__(self) -> str:
        return self.title

    def render(self, report: Report) -> str:
        """The body with the report's values in place of the placeholders."""
        values = {
            "tracking_id": report.tracking_id,
            "title": report.title,
            "agency": report.agency.name if report.agency_id else "",
            "category": report.category.name if report.category_id else "",
        }
        try:
            return self.body.format_map(values)
        except (KeyError, ValueError, IndexError, AttributeError):
            # A body saved around the validator (a fixture, the shell): shown as written.
            return self.body


class SubmissionKey(models.Model):
    """A client's ``Idempotency-Key`` for one submission: a retry with the same key and body
    answers the report the first request made instead of making another (issue 12)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    # SHA-256 of the canonical request (the endpoint's name and its sorted fields).
    body_sha256 = models.CharField(_("request digest"), max_length=64)
    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="submission_key_unique")
        ]

    def __str__(self) -> str:
        return self.key
