"""The two HMACs of X's Account Activity API, both keyed with the app's consumer secret.

They are the same function: the CRC answer is the HMAC of the ``crc_token`` X sends,
and the signature of a POST is the HMAC of its body. So an endpoint that answered any
``crc_token`` would sign anything for anyone: ask for the CRC of a JSON batch, then POST
the batch with the answer as its signature. The CRC therefore answers only tokens that
look like X's (letters, digits and ``-_.~+/=:``, at most ``CRC_TOKEN_MAX`` characters),
which no JSON document can be: a batch needs braces and quotes, and any other encoding
of one (a BOM, UTF-16) needs bytes outside that set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

CRC_TOKEN_MAX = 255
_CRC_TOKEN = re.compile(rf"[A-Za-z0-9._~+/=:\-]{{1,{CRC_TOKEN_MAX}}}")


def crc_token_acceptable(token: str) -> bool:
    return bool(_CRC_TOKEN.fullmatch(token))


def _digest(secret: str, message: bytes) -> str:
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


def crc_response(*, secret: str, crc_token: str) -> str:
    """The ``response_token`` that proves to X that we hold the consumer secret."""
    if not crc_token_acceptable(crc_token):
        raise ValueError("not a CRC token: answering it could sign a forged batch")
    return _digest(secret, crc_token.encode())


def signature_valid(*, secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` (``x-twitter-webhooks-signature``) signs ``body``; constant time."""
    if not secret or not header:
        return False
    return hmac.compare_digest(_digest(secret, body).encode(), header.strip().encode())
