"""The two HMACs of X's Account Activity API, both keyed with the app's consumer secret."""

from __future__ import annotations

import base64
import hashlib
import hmac


def _digest(secret: str, message: bytes) -> str:
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


def crc_response(*, secret: str, crc_token: str) -> str:
    """The ``response_token`` that proves to X that we hold the consumer secret."""
    return _digest(secret, crc_token.encode())


def signature_valid(*, secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` (``x-twitter-webhooks-signature``) signs ``body``; constant time."""
    if not secret or not header:
        return False
    return hmac.compare_digest(_digest(secret, body).encode(), header.strip().encode())
