"""Reads of the agency integration, always scoped to one agency."""

from __future__ import annotations

from django.db.models import QuerySet

from aduan.accounts.models import ApiToken
from aduan.agencies.models import Agency

from .models import DeliveryState, WebhookDelivery, WebhookEndpoint

LOG_SIZE = 100


def endpoint_list(*, agency: Agency) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(agency=agency).order_by("created_at", "pk")


def delivery_log(*, endpoint: WebhookEndpoint, failed_only: bool = False) -> list[WebhookDelivery]:
    """The endpoint's last ``LOG_SIZE`` deliveries, newest first; ``failed_only``: those
    that failed for good, were cancelled, or whose last attempt failed (a withdrawn
    delivery is no failure)."""
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
    if failed_only:
        deliveries = deliveries.exclude(
            state__in=[DeliveryState.SENT, DeliveryState.WITHDRAWN]
        ).exclude(state=DeliveryState.PENDING, attempts=0)
    return list(
        deliveries.select_related("report")
        .only(
            "pk",
            "event",
            "state",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "response_ms",
            "created_at",
            "sent_at",
            "report__tracking_id",
        )
        .order_by("-created_at", "-id")[:LOG_SIZE]
    )


def integration_token_list(*, agency: Agency) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(agency=agency).order_by("-created_at", "-pk")
