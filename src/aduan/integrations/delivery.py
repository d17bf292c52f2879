"""Posting webhook deliveries: claim a row, send it signed, record the outcome (the loop
of ``core.outbox``).

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
from aduan.core.outbox import Attempt, Outbox, Refused, Settled
from aduan.core.retry import MAX_ATTEMPTS  # noqa: F401 - the tests read it here

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


class _Deliveries(Outbox):
    model = WebhookDelivery
    states = DeliveryState
    label = "webhook delivery"
    logger = logger
    error_max = ERROR_MAX
    failures = ()  # an attempt that raised is a Refused already (see send)
    give_up_level = logging.WARNING
    retry_level = logging.INFO

    def claimable(self) -> Q:
        return Q(endpoint__is_active=True)

    def load(self, pk: int) -> WebhookDelivery:
        return WebhookDelivery.objects.select_related(
            "endpoint__agency",
            "report__agency",
            "report__category",
            "report__region",
            "report__reporter",
            "report_event",
        ).get(pk=pk)

    def send(self, attempt: Attempt) -> dict:
        delivery = attempt.row
        if delivery_withdrawn(delivery):
            logger.info(
                "webhook delivery %s withdrawn: the agency no longer handles it", delivery.pk
            )
            raise Settled(
                "withdrawn", state=DeliveryState.WITHDRAWN, claimed_at=None, claimed_by=""
            )
        started = time.monotonic()
        try:
            status_code, error = _post(delivery.endpoint, delivery)
        except Exception as exc:  # a bug or an input nobody foresaw: still a failed attempt
            logger.exception("webhook delivery %s: the attempt raised", delivery.pk)
            status_code, error = None, f"{type(exc).__name__}: {exc}"
        fields = {
            "last_status_code": status_code,
            "response_ms": int((time.monotonic() - started) * 1000),
        }
        if error:
            raise Refused(error, **fields)
        return fields

    def sent(self, attempt: Attempt) -> None:
        WebhookEndpoint.objects.filter(pk=attempt.row.endpoint_id, failure_count__gt=0).update(
            failure_count=0
        )

    def failed(self, attempt: Attempt, error: str) -> None:
        _count_failure(attempt.row.endpoint, error=error)

    def enqueue_retry(self, pk: int, retry_at: datetime) -> None:
        from .tasks import deliver_webhook

        try:
            if deliver_webhook.get_backend().supports_defer:
                deliver_webhook.using(run_after=retry_at).enqueue(delivery_id=pk)
        except Exception:  # the row waits as pending: the sweep posts it when it is due
            logger.exception("webhook delivery %s: could not enqueue the retry", pk)


OUTBOX = _Deliveries()


def delivery_attempt(*, delivery_id: int, worker: str | None = None) -> str:
    """Post one delivery if it is due and nobody else has it. Returns ``sent``, ``retry``,
    ``failed``, ``withdrawn`` or ``not_claimed``."""
    return OUTBOX.deliver(delivery_id, worker=worker)


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

    def released_or_due():
        for delivery_id, state in due:
            if state == DeliveryState.SENDING:
                released = WebhookDelivery.objects.filter(stale, pk=delivery_id).update(
                    state=DeliveryState.PENDING, claimed_at=None, claimed_by="", next_attempt_at=now
                )
                if not released:
                    continue
                logger.warning("webhook delivery %s: interrupted claim released", delivery_id)
                counts["released"] = counts.get("released", 0) + 1
            yield delivery_id

    counts: dict[str, int] = {}
    # Looked up at each call, so that a test can stand in for one attempt.
    return OUTBOX.deliver_each(
        released_or_due(),
        deliver=lambda delivery_id: delivery_attempt(delivery_id=delivery_id),
        counts=counts,
        isolate=True,
    )
