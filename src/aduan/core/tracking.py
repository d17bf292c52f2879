"""Tracking ids: short enough to type or send by SMS, random enough not to be guessed.

10 symbols from a 30-letter alphabet without look-alikes (no 0, O, 1, I, L or U) give
30**10 ≈ 5.9e14 ids; with rate-limited look-ups, enumeration is hopeless.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
TRACKING_ID_RE = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def new_tracking_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_tracking_id(raw: str) -> str | None:
    """Upper-case and drop spaces and dashes; None when it cannot be an id."""
    value = re.sub(r"[\s\-]", "", raw or "").upper()
    return value if TRACKING_ID_RE.match(value) else None
