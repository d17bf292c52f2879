"""The keys that sign the audit chain (ADR 0018), kept out of the database.

``ADUAN_AUDIT_KEYS`` (or the file ``ADUAN_AUDIT_KEY_FILE``) lists ``id:base64-secret``
pairs, by comma or one per line; the last one listed signs new events, every one listed
verifies the events that name it, so a key is rotated by appending a new one. Without
either, development and tests use a key derived from ``SECRET_KEY``; production settings
refuse to start without an explicit one.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
MIN_SECRET_BYTES = 32
DERIVED_KEY_ID = "derived"


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]
    signing_id: str
    derived: bool = False

    @property
    def signing_key(self) -> bytes:
        return self.keys[self.signing_id]


def keyring_parse(text: str, *, source: str) -> KeyRing:
    """The keys in ``text`` (``id:base64`` by comma or line; ``#`` starts a comment)."""
    keys: dict[str, bytes] = {}
    entries = [
        entry.strip()
        for line in text.splitlines()
        for entry in line.split("#", 1)[0].split(",")
        if entry.strip()
    ]
    for entry in entries:
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"{source}: each key is 'id:base64-secret' with an id of 1-16 letters, digits,"
                f" '.', '_' or '-' (got {key_id[:20]!r})"
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"{source}: the key id {key_id!r} is listed twice")
        try:
            secret = base64.b64decode(
                encoded.strip().replace("-", "+").replace("_", "/"), validate=True
            )
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(
                f"{source}: the secret of key {key_id!r} is not base64"
            ) from None
        if len(secret) < MIN_SECRET_BYTES:
            raise ImproperlyConfigured(
                f"{source}: the secret of key {key_id!r} has {len(secret)} bytes, at least "
                f"{MIN_SECRET_BYTES} are needed (e.g. `openssl rand -base64 32`)"
            )
        keys[key_id] = secret
    if not keys:
        raise ImproperlyConfigured(f"{source} lists no key")
    return KeyRing(keys=keys, signing_id=key_id)


def keyring_configured(*, keys: str, key_file: str) -> KeyRing | None:
    """The keys the two settings name, or None when neither is set."""
    if keys.strip() and key_file.strip():
        raise ImproperlyConfigured("Set ADUAN_AUDIT_KEYS or ADUAN_AUDIT_KEY_FILE, not both")
    if keys.strip():
        return keyring_parse(keys, source="ADUAN_AUDIT_KEYS")
    if key_file.strip():
        path = Path(key_file.strip())
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ImproperlyConfigured(
                f"ADUAN_AUDIT_KEY_FILE: cannot read {path}: {error.strerror}"
            ) from None
        return keyring_parse(text, source=f"ADUAN_AUDIT_KEY_FILE ({path})")
    return None


@functools.cache
def audit_keyring() -> KeyRing:
    """The configured keys, or the development key derived from ``SECRET_KEY``."""
    from django.conf import settings

    ring = keyring_configured(
        keys=settings.ADUAN_AUDIT_KEYS, key_file=settings.ADUAN_AUDIT_KEY_FILE
    )
    if ring is not None:
        return ring
    derived = hmac.new(
        settings.SECRET_KEY.encode(), b"aduan.reports.audit-chain", hashlib.sha256
    ).digest()
    return KeyRing(keys={DERIVED_KEY_ID: derived}, signing_id=DERIVED_KEY_ID, derived=True)


def _forget(*, setting: str, **kwargs) -> None:
    if setting in {"ADUAN_AUDIT_KEYS", "ADUAN_AUDIT_KEY_FILE", "SECRET_KEY"}:
        audit_keyring.cache_clear()


setting_changed.connect(_forget)


def check_audit_keys(app_configs=None, **kwargs):
    """A malformed key list is an error at start; the derived key a warning on deploy."""
    from django.core import checks

    try:
        audit_keyring()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="reports.E001")]
    return []


def check_audit_keys_deploy(app_configs=None, **kwargs):
    from django.core import checks

    try:
        ring = audit_keyring()
    except ImproperlyConfigured:
        return []  # reported by check_audit_keys
    if ring.derived:
        return [
            checks.Warning(
                "The audit chain is signed with a key derived from SECRET_KEY: anyone who "
                "has SECRET_KEY can rewrite it, and changing SECRET_KEY breaks it.",
                hint="Set ADUAN_AUDIT_KEYS or ADUAN_AUDIT_KEY_FILE (README.md, Production).",
                id="reports.W001",
            )
        ]
    return []
