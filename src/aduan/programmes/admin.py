"""The priority programmes in the admin site: the national admin (and the operator) keep
the list and which categories imply each programme; nobody else sees it here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from aduan.accounts.capabilities import may_manage_programmes

from .models import Programme


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "ordering", "is_active")
    list_editable = ("ordering", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "description")
    filter_horizontal = ("categories",)
    ordering = ("ordering", "name")

    def get_readonly_fields(self, request, obj=None):
        # The loader and the figures match programmes by code.
        return ("code",) if obj is not None else ()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_manage_programmes(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return may_manage_programmes(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_manage_programmes(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return may_manage_programmes(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Tags point at a programme (PROTECT): switch it off instead.
        return may_manage_programmes(request.user) and (obj is None or not obj.report_tags.exists())
