"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os

import pytest


def require_component(name: str, available: bool, hint: str) -> None:
    """Skip on a laptop without ``name``; fail in CI, where ADUAN_REQUIRE_ALL=1 is set."""
    if available:
        return
    message = f"{name} is not available: {hint}"
    if os.environ.get("ADUAN_REQUIRE_ALL") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()
