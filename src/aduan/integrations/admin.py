"""The operator's view of the agency webhooks: read-only (agencies manage their own
endpoints on the integration page; the secret is never shown here)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import WebhookDelivery, WebhookEndpoint


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(_ReadOnly):
    list_display = ("url", "agency", "is_active", "failure_count", "created_at")
    list_filter = ("is_active",)
    list_select_related = ("agency",)
    search_fields = ("url", "agency__name")
    exclude = ("secret_salt",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
    list_display = (
        "pk",
        "event",
        "endpoint",
        "state",
        "attempts",
        "last_status_code",
        "created_at",
    )
    list_filter = ("state", "event")
    list_select_related = ("endpoint",)
    raw_id_fields = ("endpoint", "report")
    date_hierarchy = "created_at"
