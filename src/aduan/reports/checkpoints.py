"""Signed checkpoints of the audit chain: the head of every report's chain at one time,
signed with the audit key, to be kept outside the database (ADR 0018).

A later ``verify_audit --checkpoint FILE`` checks that every chain still holds the head the
checkpoint recorded: a chain shortened, rewritten or deleted since is found even when it
was rewritten by someone who holds the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from .audit_keys import audit_keyring

FORMAT = "aduan-audit-checkpoint/1"


class CheckpointError(ValueError):
    """The file is not a checkpoint, or its signature does not hold."""


@dataclass(frozen=True)
class Checkpoint:
    created_at: str
    key_id: str
    heads: dict[str, tuple[int, str]]


def _signature(body: dict, key: bytes) -> str:
    encoded = json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hmac.new(key, encoded.encode("ascii"), hashlib.sha256).hexdigest()


def checkpoint_write(path: Path, *, heads: dict[str, tuple[int, str]]) -> Checkpoint:
    """Sign ``heads`` (tracking id → (seq, hash)) with the newest key and write them to
    ``path`` (replaced whole, never half-written)."""
    ring = audit_keyring()
    body = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "key_id": ring.signing_id,
        "reports": {tid: [seq, hash_] for tid, (seq, hash_) in sorted(heads.items())},
    }
    document = {**body, "signature": _signature(body, ring.signing_key)}
    directory = path.resolve().parent
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".checkpoint-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            json.dump(document, out, indent=0, separators=(",", ":"))
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Checkpoint(created_at=body["created_at"], key_id=body["key_id"], heads=dict(heads))


def checkpoint_read(path: Path) -> Checkpoint:
    """The checkpoint in ``path``, its signature checked with the key it names."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CheckpointError(f"cannot read {path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError(f"{path} is not a checkpoint (not JSON)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a checkpoint (no {FORMAT!r} format)")
    signature = document.pop("signature", None)
    key_id, created_at, reports = (
        document.get("key_id"),
        document.get("created_at"),
        document.get("reports"),
    )
    if not (
        isinstance(signature, str)
        and isinstance(key_id, str)
        and isinstance(created_at, str)
        and isinstance(reports, dict)
        and set(document) == {"format", "created_at", "key_id", "reports"}
    ):
        raise CheckpointError(f"{path} is not a checkpoint (fields missing or malformed)")
    key = audit_keyring().keys.get(key_id)
    if key is None:
        raise CheckpointError(f"{path} is signed with the key {key_id!r}, which is not configured")
    if not hmac.compare_digest(_signature(document, key), signature):
        raise CheckpointError(f"{path}: the signature does not match (the file was changed)")
    heads: dict[str, tuple[int, str]] = {}
    for tracking_id, head in reports.items():
        if not (
            isinstance(head, list)
            and len(head) == 2
            and isinstance(head[0], int)
            and isinstance(head[1], str)
        ):
            raise CheckpointError(f"{path}: the head of {tracking_id} is malformed")
        heads[tracking_id] = (head[0], head[1])
    return Checkpoint(created_at=created_at, key_id=key_id, heads=heads)
