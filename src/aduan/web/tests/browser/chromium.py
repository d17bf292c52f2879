"""The one headless Chromium of a test run (Debian's ``/usr/bin/chromium``, never a
downloaded browser), a session fixture loaded by the root conftest so the site's browser
tests and the journeys (``tests/test_journeys.py``) share it: Playwright's synchronous
API refuses a second instance in the same thread."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require_component

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the whole run. Playwright's synchronous API keeps an
    event loop running in this thread, so Django's async-safety check (which would refuse
    every ORM call the tests make) is switched off while the browser lives."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev dependencies include it
        require_component("Playwright", False, "pip install the dev dependencies")
    require_component(
        "Chromium", Path(CHROMIUM).exists(), "apt-get install chromium fonts-dejavu-core"
    )
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
