"""Rows that rarely change (the directory: agencies, categories, regions; and the extra
days off), remembered by each process so that a submission does not look them up again.

Every process forgets what it remembered when any of them changes: a save or delete
(signals connected by ``directory_memo_connect``) and the directory loader, whose bulk
writes send no signal, set a new version in the shared cache (Redis in production), which
each process compares with its own at most every ``CHECK_SECONDS`` (so another process
sees a change within that time; the process that made it, at once). What a process
remembered is also dropped after ``MAX_AGE`` seconds, for a change made behind the ORM's
back, or while the cache was unreachable.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable, Hashable
from typing import Any

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "aduan:directory-version"
CHECK_SECONDS = 1.0
MAX_AGE = 60.0
MAX_ENTRIES = 5000

_local = threading.local()


def directory_changed(**_signal_kwargs: Any) -> None:
    """Tell every process that the directory changed (a signal receiver, or called after a
    bulk load): now, and again once the change commits, so that a process that read the
    old row in between does not keep it."""
    _bump()
    transaction.on_commit(_bump, robust=True)


def _bump() -> None:
    version = uuid.uuid4().hex
    _forget(version)
    cache.set(VERSION_KEY, version, timeout=None)


def directory_memo_forget() -> None:
    """Forget what this process remembered (the tests, between two tests)."""
    _forget(None)


def _forget(version: str | None) -> dict:
    _local.entries = {}
    _local.version = version
    _local.since = _local.checked = time.monotonic()
    return _local.entries


def directory_lookup(key: Hashable, load: Callable[[], Any]) -> Any:
    """``load()``'s value for ``key`` (``None`` included), remembered until the directory
    changes. A copy is returned, so that a caller that changes it changes nobody else's."""
    now = time.monotonic()
    entries = getattr(_local, "entries", None)
    if entries is None or now - _local.since > MAX_AGE or len(entries) >= MAX_ENTRIES:
        entries = _forget(cache.get(VERSION_KEY))
    elif now - _local.checked > CHECK_SECONDS:
        version = cache.get(VERSION_KEY)
        if version != _local.version:
            entries = _forget(version)
        _local.checked = now
    if key not in entries:
        entries[key] = load()
    return copy.copy(entries[key])


def directory_memo_connect(*models: type) -> None:
    """Forget the memo whenever a row of ``models`` is saved or deleted."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        uid = f"directory_memo_{model._meta.label_lower}"
        post_save.connect(directory_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(directory_changed, sender=model, dispatch_uid=uid)
