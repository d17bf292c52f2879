"""The Account Activity webhook: thin; the rules are in ``services`` and ``payload``."""

from __future__ import annotations

import json
import logging

from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from aduan.core.http import client_ip

from .client import x_config
from .services import x_webhook_receive
from .signature import crc_response, crc_token_acceptable, signature_valid

logger = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> JsonResponse:
    config = x_config()
    if not config.receives:
        raise Http404  # the channel is not configured on this installation
    if request.method == "GET":
        token = request.GET.get("crc_token", "")
        if not crc_token_acceptable(token):
            # Also what stops the CRC from signing a forged batch (see signature.py).
            logger.warning(
                "x webhook: CRC request with an unusable token from %s", client_ip(request)
            )
            return JsonResponse({"error": _("A crc_token is required.")}, status=400)
        return JsonResponse(
            {"response_token": crc_response(secret=config.consumer_secret, crc_token=token)}
        )
    # Unsigned POSTs are logged, not stored: anyone can send them, without limit.
    if not signature_valid(
        secret=config.consumer_secret,
        body=request.body,
        header=request.headers.get("x-twitter-webhooks-signature"),
    ):
        logger.warning(
            "x webhook: POST with a missing or wrong signature from %s", client_ip(request)
        )
        return JsonResponse({"error": _("The signature is not valid.")}, status=403)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: [[[[… deep
        payload = None
    if not isinstance(payload, dict):
        logger.warning("x webhook: signed POST whose body is not a JSON object")
        return JsonResponse({"error": _("The body must be a JSON object.")}, status=400)
    return JsonResponse(x_webhook_receive(payload=payload))
