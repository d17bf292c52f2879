"""Page weight budgets (issue 14): the first visit of the home page, the report form, the
feed and a report's tracking page, with a fresh cache, each under 150 KB compressed with
everything it loads (the page, CSS, scripts, icons, the manifest, and what the service
worker fetches for the app shell), measured in Chromium.

The server is the one production runs: static files collected by the manifest storage,
pre-compressed and served by whitenoise (``make run``; nginx serves the same .gz files),
pages gzipped by the app (``aduan.core.compression``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import override_settings
from django.test.testcases import LiveServerThread

from aduan.reports.tests.factories import ReportFactory

from .conftest import sign_in

pytestmark = pytest.mark.browser

BUDGET_BYTES = 150_000  # compressed, on the wire, headers included
STATIC_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> str:
    """``collectstatic`` as ``make static`` runs it: hashed names and a .gz beside each."""
    root = str(tmp_path_factory.mktemp("static"))
    with override_settings(STATIC_ROOT=root, STORAGES=_storages(), WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


def _storages() -> dict:
    from django.conf import settings

    return {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_STORAGE}}


def _app_only(handler):
    """No test static handler in front: the app's own middleware (whitenoise) serves."""
    return handler


@pytest.fixture
def production_site(transactional_db, collected_static) -> Iterator[str]:
    """The site served from a live server thread with production's static files."""
    with override_settings(
        STATIC_ROOT=collected_static,
        STORAGES=_storages(),
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
        ALLOWED_HOSTS=["127.0.0.1"],
    ):
        shared = {
            connection.alias: connection
            for connection in connections.all()
            if connection.vendor == "sqlite" and connection.is_in_memory_db()
        }
        thread = LiveServerThread("127.0.0.1", _app_only, connections_override=shared)
        thread.daemon = True
        for connection in shared.values():
            connection.inc_thread_sharing()
        thread.start()
        thread.is_ready.wait()
        try:
            if thread.error:
                raise thread.error
            yield f"http://127.0.0.1:{thread.port}"
        finally:
            thread.terminate()
            for connection in shared.values():
                connection.dec_thread_sharing()


@dataclass
class Load:
    """What one first visit fetched: (url, bytes on the wire, content-encoding) each."""

    responses: list[tuple[str, int, str]]

    @property
    def total(self) -> int:
        return sum(size for _, size, _ in self.responses)

    def describe(self) -> str:
        lines = [f"{size:>7} {encoding or '-':<5} {url}" for url, size, encoding in self.responses]
        network = sum(1 for _, size, _ in self.responses if size)
        summary = f"{self.total:>7} bytes in {len(self.responses)} requests ({network} not cached)"
        return "\n".join([*lines, summary])


def first_load(browser, base_url: str, path: str, *, session_user=None) -> Load:
    """Open ``path`` in a fresh context (empty cache, no service worker), wait until the
    page, its service worker's install and the network are done, and add up the bytes
    received for every request of the page and of the worker."""
    context = browser.new_context(
        viewport={"width": 360, "height": 800}, base_url=base_url, locale="id-ID"
    )
    try:
        finished = []
        context.on("requestfinished", lambda request: finished.append(request))
        page = context.new_page()
        page.site_url = base_url
        if session_user is not None:
            sign_in(page, session_user)
        response = page.goto(path)
        assert response.status == 200, path
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        # What Chromium fetches when it checks whether the site can be installed (a phone
        # does; headless Chromium only when asked): the manifest.
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getAppManifest")["url"].endswith("/manifest.webmanifest")
        cdp.detach()
        page.wait_for_load_state("networkidle")
        responses = []
        for request in finished:
            sizes = request.sizes()
            answer = request.response()
            encoding = answer.headers.get("content-encoding", "") if answer else ""
            wire = sizes["responseBodySize"] + sizes["responseHeadersSize"]
            responses.append((request.url.removeprefix(base_url), wire, encoding))
        return Load(responses)
    finally:
        context.close()


def test_first_loads_stay_under_the_budget_with_everything_compressed(
    browser, production_site, world
):
    public = world.public_report
    ReportFactory.create_batch(25, verified=True)  # a full first page of the feed
    pages = {
        "home": ("/", None),
        "report form": ("/lapor/", world.users["citizen"]),
        "feed": ("/laporan/", None),
        "tracking page": (f"/lacak/{public.tracking_id}/", None),
    }
    loads = {
        name: first_load(browser, production_site, path, session_user=user)
        for name, (path, user) in pages.items()
    }
    report = "\n\n".join(f"{name}:\n{load.describe()}" for name, load in loads.items())
    print(report)  # noqa: T201 - the figures, for the issue's closing note (pytest -s)
    for name, load in loads.items():
        urls = [url for url, _, _ in load.responses]
        assert any(url.endswith(".css") for url in urls), (name, report)
        assert any("/sw.js" in url for url in urls), (name, report)  # the worker's part too
        assert any("icon-512" in url for url in urls), (name, report)  # ...and its fetches
        for url, _size, encoding in load.responses:
            if url.split("?")[0].endswith((".css", ".js", "/")):
                assert encoding == "gzip", (name, url, report)  # text is never sent raw
        assert load.total < BUDGET_BYTES, (name, report)
