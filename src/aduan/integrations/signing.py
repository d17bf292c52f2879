"""How a webhook request is signed, and how a receiver checks it.

Each request carries::

    X-Aduan-Timestamp: 1767225600            (Unix seconds, when this attempt was made)
    X-Aduan-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
    X-Aduan-Event: report.commented
    X-Aduan-Delivery: 4711                    (the same on every retry of one delivery)

A receiver recomputes the HMAC over the raw body bytes, compares in constant time, and
refuses a timestamp more than five minutes away from its own clock (a replayed request).
``signature_verify`` is that check; the README shows the same in a few lines for
receivers written in Python without Aduan.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300


def signature_for(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_headers(*, secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Aduan-Timestamp": str(timestamp),
        "X-Aduan-Signature": signature_for(secret=secret, timestamp=timestamp, body=body),
    }


def signature_verify(
    *,
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """True when ``signature`` is ours for ``body`` at ``timestamp`` and the timestamp is
    within ``tolerance`` seconds of ``now``."""
    # Our signatures are ASCII; anything else (text that is not even encodable) is not one.
    if not timestamp or not signature or not signature.isascii():
        return False
    now = time.time() if now is None else now
    try:
        stamp = int(timestamp)
        late = abs(now - stamp) > tolerance
    except (ValueError, OverflowError):  # not a number, or too large for the float clock
        return False
    if late:
        return False
    expected = signature_for(secret=secret, timestamp=stamp, body=body)
    return hmac.compare_digest(expected.encode(), signature.encode())
