"""Kannel's get-url: one GET per arriving SMS; the text/plain body is the reply SMS.

Kannel cannot sign a request, so the endpoint is guarded by what can be configured on
both ends: a shared secret in the get-url's query string (``ADUAN_SMS_INBOUND_TOKEN``)
and/or the addresses smsbox calls from (``ADUAN_SMS_ALLOWED_IPS``). Every guard that is
configured must pass; with neither configured the endpoint refuses everything. A refusal
is a 403 and a warning in the log, never an SMS.
"""

from __future__ import annotations

import hmac
import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from aduan.core.http import client_ip

from .services import sms_receive

logger = logging.getLogger(__name__)

TEXT_PLAIN = "text/plain; charset=utf-8"
MAX_ID = 255
MAX_SENDER = 64
# 255 concatenated parts of 153 characters: the most a gateway can assemble.
MAX_TEXT = 255 * 153
# No message id or number holds one, and PostgreSQL refuses NUL even in a query. (In
# the text they are dropped: a phone may send anything.)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _refusal(request: HttpRequest) -> str | None:
    """Why this request may not speak for Kannel, or None if it may."""
    token = settings.ADUAN_SMS_INBOUND_TOKEN
    allowed = settings.ADUAN_SMS_ALLOWED_IPS
    if not token and not allowed:
        return "SMS intake is not configured (set ADUAN_SMS_INBOUND_TOKEN or ADUAN_SMS_ALLOWED_IPS)"
    if token and not hmac.compare_digest(request.GET.get("token", "").encode(), token.encode()):
        return "wrong or missing token"
    if allowed and client_ip(request) not in allowed:
        return f"address {client_ip(request)} is not allowed"
    return None


@require_GET
def inbound(request: HttpRequest) -> HttpResponse:
    refusal = _refusal(request)
    if refusal:
        logger.warning("sms inbound refused from %s: %s", client_ip(request), refusal)
        return HttpResponse("Forbidden\n", status=403, content_type=TEXT_PLAIN)
    message_id = request.GET.get("id", "").strip()
    sender = request.GET.get("from", "").strip()
    receiver = request.GET.get("to", "").strip()
    text = request.GET.get("text", "")
    problems = [
        problem
        for problem, wrong in (
            ("id (Kannel's %I) is missing or too long", not message_id or len(message_id) > MAX_ID),
            ("id (Kannel's %I) holds a control character", _CONTROL.search(message_id)),
            ("from (Kannel's %p) is missing or too long", not sender or len(sender) > MAX_SENDER),
            ("from (Kannel's %p) holds a control character", _CONTROL.search(sender)),
            ("to (Kannel's %P) is too long", len(receiver) > MAX_SENDER),
            ("to (Kannel's %P) holds a control character", _CONTROL.search(receiver)),
            ("text (Kannel's %a) is too long", len(text) > MAX_TEXT),
        )
        if wrong
    ]
    if problems:
        # Only a misconfigured gateway sends this: tell its operator, not the phone.
        logger.warning("sms inbound malformed: %s", "; ".join(problems))
        return HttpResponse("; ".join(problems) + "\n", status=400, content_type=TEXT_PLAIN)
    reply = sms_receive(message_id=message_id, sender=sender, receiver=receiver, text=text)
    return HttpResponse(reply, content_type=TEXT_PLAIN)
