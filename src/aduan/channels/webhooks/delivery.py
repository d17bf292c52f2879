"""Posting webhook deliveries: claim a row, send it signed, record the outcome.

One conditional UPDATE claims a row, so an attempt is posted once; failures back off and
disable an endpoint that keeps failing; the payload is built at each attempt, and a
delivery whose agency no longer handles the report is withdrawn. At least once: receivers
de-duplicate on ``X-Aduan-Delivery``. Details: docs/channels.md.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.core.errors import ValidationFailed
from aduan.core.retry import MAX_ATTEMPTS, backoff_after, worker_id

from .models import DeliveryState, WebhookDelivery, WebhookEndpoint
from .payloads import delivery_payload, delivery_withdrawn
from .signing import signature_headers
from .urlguard import open_connection, url_check

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=2)
ERROR_MAX = 500
USER_AGENT = "Aduan-Webhooks/1"


def _timeout() -> float:
    return float(getattr(settings, "ADUAN_WEBHOOK_TIMEOUT", 5))


def _max_failures() -> int:
    return int(getattr(settings, "ADUAN_WEBHOOK_MAX_FAILURES", 15))


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes that are signed and posted, built now (see the module docstring)."""
    return json.dumps(
        delivery_payload(delivery),
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    """``(status code, error)``; the code is None when no answer came."""
    try:
        target = url_check(endpoint.url)
    except ValidationFailed as error:
        return None, "; ".join(m for ms in error.field_errors.values() for m in ms)
    body = delivery_body(delivery)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Aduan-Event": delivery.event,
        "X-Aduan-Delivery": str(delivery.pk),
        **signature_headers(secret=endpoint.secret, body=body),
    }
    connection = open_connection(target, timeout=_timeout())
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(300).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return response.status, ""
    return response.status, f"HTTP {response.status}: {excerpt}".strip()


def delivery_attempt(*, delivery_id: int, worker: str | None = None) -> str:
    """Post one delivery if it is due and nobody else has it. Returns ``sent``, ``retry``,
    ``failed``, ``withdrawn`` or ``not_claimed``."""
    worker = worker or worker_id()
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        state=DeliveryState.PENDING,
        next_attempt_at__lte=now,
        endpoint__is_active=True,
    ).update(
        state=DeliveryState.SENDING,
        claimed_at=now,
        claimed_by=worker,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return "not_claimed"
    delivery = WebhookDelivery.objects.select_related(
        "endpoint__agency",
        "report__agency",
        "report__category",
        "report__region",
        "report__reporter",
        "report_event",
    ).get(pk=delivery_id)
    endpoint = delivery.endpoint
    mine = WebhookDelivery.objects.filter(
        pk=delivery_id, state=DeliveryState.SENDING, claimed_by=worker
    )
    if delivery_withdrawn(delivery):
        logger.info("webhook delivery %s withdrawn: the agency no longer handles it", delivery_id)
        mine.update(state=DeliveryState.WITHDRAWN, claimed_at=None, claimed_by="")
        return "withdrawn"
    started = time.monotonic()
    try:
        status_code, error = _post(endpoint, delivery)
    except Exception as exc:  # a bug or an input nobody foresaw: still a failed attempt
        logger.exception("webhook delivery %s: the attempt raised", delivery_id)
        status_code, error = None, f"{type(exc).__name__}: {exc}"
    elapsed_ms = int((time.monotonic() - started) * 1000)
    if not error:
        mine.update(
            state=DeliveryState.SENT,
            sent_at=timezone.now(),
            last_status_code=status_code,
            last_error="",
            response_ms=elapsed_ms,
        )
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failure_count__gt=0).update(failure_count=0)
        return "sent"
    return _record_failure(
        delivery=delivery, mine=mine, status_code=status_code, error=error, elapsed_ms=elapsed_ms
    )


def _record_failure(
    *, delivery: WebhookDelivery, mine, status_code: int | None, error: str, elapsed_ms: int
) -> str:
    error = error[:ERROR_MAX]
    fields = {"last_status_code": status_code, "last_error": error, "response_ms": elapsed_ms}
    if delivery.attempts >= MAX_ATTEMPTS:
        logger.warning("webhook delivery %s failed for good: %s", delivery.pk, error)
        mine.update(state=DeliveryState.FAILED, **fields)
        outcome = "failed"
    else:
        retry_at = timezone.now() + backoff_after(delivery.attempts)
        logger.info("webhook delivery %s failed, retry at %s: %s", delivery.pk, retry_at, error)
        mine.update(
            state=DeliveryState.PENDING,
            next_attempt_at=retry_at,
            claimed_at=None,
            claimed_by="",
            **fields,
        )
        _enqueue_retry(delivery.pk, retry_at)
        outcome = "retry"
    _count_failure(delivery.endpoint, error=error)
    return outcome


def _count_failure(endpoint: WebhookEndpoint, *, error: str) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failure_count=F("failure_count") + 1)
    limit = _max_failures()
    failures = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).values_list(
        "failure_count", flat=True
    )
    count = next(iter(failures), None)
    if count is not None and limit > 0 and count >= limit:
        reason = _(
            "Disabled automatically after %(n)d failed attempts in a row. Last: %(error)s"
        ) % {
            "n": count,
            "error": error,
        }
        endpoint_deactivate(endpoint_id=endpoint.pk, reason=reason[:300])


def endpoint_deactivate(*, endpoint_id: int, reason: str) -> bool:
    """Disable the endpoint (if still active) and cancel its pending deliveries. True if
    this call disabled it. The one way an endpoint stops, for admins and the worker."""
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True).update(
            is_active=False, disabled_reason=reason, disabled_at=timezone.now()
        )
        WebhookDelivery.objects.filter(endpoint_id=endpoint_id, state=DeliveryState.PENDING).update(
            state=DeliveryState.CANCELLED, claimed_at=None, claimed_by=""
        )
    if changed:
        logger.warning("webhook endpoint %s disabled: %s", endpoint_id, reason)
    return bool(changed)


def _enqueue_retry(delivery_id: int, retry_at: datetime) -> None:
    """Schedule the retry on backends that can defer; the sweep covers the others."""
    from .tasks import deliver_webhook

    try:
        if deliver_webhook.get_backend().supports_defer:
            deliver_webhook.using(run_after=retry_at).enqueue(delivery_id=delivery_id)
    except Exception:  # the row waits as pending: the sweep posts it when it is due
        logger.exception("webhook delivery %s: could not enqueue the retry", delivery_id)


def deliveries_enqueue(delivery_ids: list[int]) -> None:
    from .tasks import deliver_webhook

    for delivery_id in delivery_ids:
        try:
            deliver_webhook.enqueue(delivery_id=delivery_id)
        except Exception:  # the sweep delivers it; the state change has committed
            logger.exception("webhook delivery %s: could not enqueue", delivery_id)


def deliveries_deliver_pending(*, limit: int = 200) -> dict[str, int]:
    """The sweep: post every due delivery no task took (a retry on a backend that cannot
    defer, a task lost, a worker that was down), after putting the claims of workers
    that died back to ``pending`` (at least once, see above). One query when nothing is
    due. Returns a count per outcome (``error`` for an attempt that crashed)."""
    now = timezone.now()
    stale = Q(state=DeliveryState.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    due = list(
        WebhookDelivery.objects.filter(
            Q(state=DeliveryState.PENDING, next_attempt_at__lte=now, endpoint__is_active=True)
            | stale
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", "state")[:limit]
    )
    counts: dict[str, int] = {}
    for delivery_id, state in due:
        if state == DeliveryState.SENDING:
            released = WebhookDelivery.objects.filter(stale, pk=delivery_id).update(
                state=DeliveryState.PENDING, claimed_at=None, claimed_by="", next_attempt_at=now
            )
            if not released:
                continue
            logger.warning("webhook delivery %s: interrupted claim released", delivery_id)
            counts["released"] = counts.get("released", 0) + 1
        try:
            outcome = delivery_attempt(delivery_id=delivery_id)
        except Exception:  # one broken delivery must not hold back the others
            logger.exception("webhook delivery %s: the attempt crashed", delivery_id)
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
