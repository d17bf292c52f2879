"""The one write on a report that does not go through the workflow: the operator's
correction in the admin site of how a report is filed (classification, category,
location, confidentiality). It lives here because the admin does and the workflow is
above this app; like every workflow action it locks the row, saves only what changed
and writes the event that puts the change on the audit chain (ADR 0018)."""

from __future__ import annotations

from collections.abc import Collection

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from .models import EventAction, Report, ReportEvent

# What ``ReportAdmin`` lets the operator change; everything else moves through the workflow.
CORRECTABLE_FIELDS = frozenset(
    {"classification", "category", "region", "latitude", "longitude", "confidential"}
)


@transaction.atomic
def report_filing_correct(
    *, report: Report, actor, fields: Collection[str], ip_address: str | None = None
) -> Report:
    """Save ``fields`` of ``report`` (an unsaved copy holding the new values) and write an
    internal note naming them. Fields outside ``CORRECTABLE_FIELDS`` are refused."""
    fields = sorted(set(fields))
    if not fields:
        return report
    if not set(fields) <= CORRECTABLE_FIELDS:
        raise ValueError(f"not correctable in the admin: {set(fields) - CORRECTABLE_FIELDS}")
    locked = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
    for name in fields:
        setattr(locked, name, getattr(report, name))
    locked.save(update_fields=[*fields, "updated_at"])
    with translation.override(settings.LANGUAGE_CODE):
        names = ", ".join(str(Report._meta.get_field(name).verbose_name) for name in fields)
        note = _("Corrected in the admin site: %(fields)s.") % {"fields": names}
    ReportEvent.objects.create(
        report=locked,
        actor=actor,
        actor_role=actor.role,
        actor_agency_id=actor.agency_id,
        action=EventAction.NOTE,
        from_status=locked.status,
        to_status=locked.status,
        note=note,
        is_public=False,
        ip_address=ip_address or None,
    )
    return locked
