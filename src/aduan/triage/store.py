"""Trained routers kept through Django's storage, one file a version, and the one in use
loaded once per process: each process looks up the newest version at most every
``ADUAN_TRIAGE_MODEL_CHECK_SECONDS`` and reads a file only when the version changed."""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .models import RouterModel
from .router import Router

KEEP_FILES = 5  # older versions keep their row (reports name them), not their file

_lock = threading.Lock()
_loaded: dict[str, object] = {"version": None, "router": None, "checked": 0.0}


def router_store(*, router: Router, examples: int, agencies: int, metrics: dict) -> RouterModel:
    """Write ``router`` as a new version (the newest is the one in use) and drop the files
    of versions older than the last ``KEEP_FILES``."""
    row = RouterModel(version=router.version, examples=examples, agencies=agencies, metrics=metrics)
    row.file.save(f"router-{router.version}.joblib", ContentFile(router.dumps()), save=False)
    row.save()
    for old in RouterModel.objects.exclude(file="")[KEEP_FILES:]:
        default_storage.delete(old.file.name)
        RouterModel.objects.filter(pk=old.pk).update(file="")
    return row


def router_current() -> Router | None:
    """The newest stored router, or None before the first training."""
    now = time.monotonic()
    if now - float(_loaded["checked"]) < settings.ADUAN_TRIAGE_MODEL_CHECK_SECONDS:
        return _loaded["router"]  # type: ignore[return-value]
    with _lock:
        row = RouterModel.objects.exclude(file="").only("version", "file").first()
        version = row.version if row else None
        if version != _loaded["version"]:
            router = None
            if row is not None:
                with row.file.open("rb") as handle:
                    router = Router.loads(handle.read())
                router.version = row.version
            _loaded.update(version=version, router=router)
        _loaded["checked"] = now
        return _loaded["router"]  # type: ignore[return-value]


def router_forget() -> None:
    """Look again on the next call (tests, and a process that just trained)."""
    with _lock:
        _loaded.update(version=None, router=None, checked=0.0)
