"""Reports in the admin site: for the operator to look things up, not to run the workflow.

A report changes status and agency only through the workflow services, which write the
timeline; its title, text and anonymity are the reporter's own words and choice. The
admin therefore edits only how a report is filed (classification, category, location,
confidentiality), through ``report_filing_correct``, which puts the change on the audit
chain; it never adds or deletes reports, and shows the timeline and the files read-only:
events are append-only, here as everywhere.

The admin must never show what the visibility rule hides: beyond the Django permission,
only the operator (superuser) and those who see every report anyway (national admin,
oversight; the latter read-only) get these screens.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aduan.accounts.capabilities import may_manage_installation, sees_all_agencies
from aduan.core.http import client_ip

from .models import Attachment, Report, ReportEvent
from .services import CORRECTABLE_FIELDS, report_filing_correct


def _sees_every_report(request: HttpRequest) -> bool:
    return sees_all_agencies(request.user)


def _may_edit_reports(request: HttpRequest) -> bool:
    return may_manage_installation(request.user)


class ScopedAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _sees_every_report(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _sees_every_report(request) and super().has_view_permission(request, obj)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReportEventInline(ReadOnlyInline):
    model = ReportEvent
    fields = (
        "created_at",
        "action",
        "from_status",
        "to_status",
        "actor",
        "actor_role",
        "actor_agency",
        "is_public",
        "note",
    )
    readonly_fields = fields
    ordering = ("created_at", "id")
    verbose_name_plural = _("timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "actor_agency")


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("download", "content_type", "human_size", "sha256", "uploaded_by", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("file"))
    def download(self, obj: Attachment) -> str:
        # Through the public site's download, which applies the report's visibility rule,
        # never the storage URL itself.
        try:
            url = reverse("web:attachment_download", args=[obj.pk])
        except NoReverseMatch:
            return obj.original_name
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    @admin.display(description=_("size"))
    def human_size(self, obj: Attachment) -> str:
        return filesizeformat(obj.size)


@admin.register(Report)
class ReportAdmin(ScopedAdmin):
    list_display = (
        "tracking_id",
        "title",
        "status",
        "agency",
        "channel",
        "classification",
        "confidential",
        "anonymous",
        "created_at",
    )
    list_filter = (
        "status",
        "channel",
        "classification",
        "confidential",
        "anonymous",
        ("agency", admin.RelatedOnlyFieldListFilter),
        ("category", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    search_fields = ("=tracking_id", "title")
    list_select_related = ("agency",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    list_per_page = 50
    show_full_result_count = False  # COUNT(*) over millions of reports on every page
    autocomplete_fields = ("category", "region")
    raw_id_fields = ("agency", "requested_agency", "reporter")
    fieldsets = (
        (
            None,
            {"fields": ("tracking_id", "status", "channel", "created_at", "updated_at")},
        ),
        (_("What was reported"), {"fields": ("classification", "title", "body", "incident_date")}),
        (_("Where"), {"fields": ("region", "latitude", "longitude")}),
        (_("Routing"), {"fields": ("category", "requested_agency", "agency")}),
        (_("Reporter"), {"fields": ("reporter", "anonymous", "confidential")}),
    )
    readonly_fields = (
        "tracking_id",
        "status",
        "channel",
        "created_at",
        "updated_at",
        "title",
        "body",
        "incident_date",
        "requested_agency",
        "agency",
        "reporter",
        "anonymous",
    )
    inlines = (ReportEventInline, AttachmentInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # every report enters through report_submit (web, API, SMS …)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return _may_edit_reports(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a report is archived through the workflow, never erased

    def save_model(self, request: HttpRequest, obj: Report, form, change: bool) -> None:
        # Only the fields the form changed, with their event on the audit chain: a full
        # save would write the whole (possibly stale) row without one.
        report_filing_correct(
            report=obj,
            actor=request.user,
            fields=CORRECTABLE_FIELDS & set(form.changed_data),
            ip_address=client_ip(request),
        )


@admin.register(ReportEvent)
class ReportEventAdmin(ScopedAdmin):
    """The audit trail across all reports: viewable, never editable."""

    list_display = ("created_at", "report", "action", "from_status", "to_status", "actor_role")
    list_filter = ("action", "actor_role", "is_public")
    search_fields = ("=report__tracking_id",)
    list_select_related = ("report",)
    raw_id_fields = ("report", "actor", "actor_agency")
    readonly_fields = tuple(field.name for field in ReportEvent._meta.fields if field.name != "id")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
