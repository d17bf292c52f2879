"""Days off and deadlines in the admin site: read-only.

Days off are added and removed on the national admin's own screen (``staf/hari-libur/``),
which checks the date; deadlines are written only by the workflow services.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from aduan.accounts.capabilities import sees_all_agencies

from .models import DayOff, Deadline


def _sees_every_report(request: HttpRequest) -> bool:
    return sees_all_agencies(request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _sees_every_report(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _sees_every_report(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(DayOff)
class DayOffAdmin(ReadOnlyAdmin):
    list_display = ("date", "name", "created_by", "created_at")
    list_select_related = ("created_by",)
    search_fields = ("name",)
    date_hierarchy = "date"


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ("report", "kind", "agency", "due_at", "timezone", "state", "extended_by")
    list_filter = ("kind", "state", "timezone")
    list_select_related = ("report", "agency")
    search_fields = ("report__tracking_id",)
    raw_id_fields = ("report", "agency")
    date_hierarchy = "due_at"
