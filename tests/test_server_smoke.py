"""The production-grade server (gunicorn, with the same config as `make run` and
production) serves the site and its static files from a migrated database."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO_ROOT, run_manage, stop_process, subprocess_env

START_TIMEOUT = 30  # seconds for gunicorn to import the app and bind


def free_port() -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port != 8000:  # `make run`'s port, possibly in use by a developer
            return port


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until_serving(server: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}: {server.stderr.read()}")
        try:
            fetch(url)
        except OSError:
            time.sleep(0.2)
        else:
            return
    pytest.fail(f"gunicorn did not answer on {url} within {START_TIMEOUT}s")


@pytest.fixture
def gunicorn(migrated_sqlite, tmp_path):
    database = tmp_path / "aduan.sqlite3"
    shutil.copy(migrated_sqlite, database)
    port = free_port()
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_VAR_DIR=str(tmp_path),
        ADUAN_SQLITE_PATH=str(database),
        ADUAN_STATIC_ROOT=str(tmp_path / "static"),
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_WORKERS="2",
    )
    collected = run_manage("collectstatic", "--no-input", "-v", "0", env=env)
    assert collected.returncode == 0, collected.stderr
    access_log = (tmp_path / "access.log").open("w")  # gunicorn's access log goes to stdout
    server = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            "python:aduan.config.gunicorn",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=access_log,
        stderr=subprocess.PIPE,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, base_url + "/")
        yield base_url
    finally:
        stop_process(server)
        access_log.close()


@pytest.mark.slow
def test_gunicorn_serves_the_home_page_and_hashed_static_files(gunicorn):
    status, headers, body = fetch(gunicorn + "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")

    # The page links its CSS and scripts under /static/ with a content hash (whitenoise's
    # manifest storage), and the same server delivers them with a far-future cache.
    static_paths = re.findall(rb'(?:href|src)="(/static/[^"]+)"', body)
    assert static_paths, "the home page links no static file"
    for path in static_paths:
        assert re.search(rb"\.[0-9a-f]{12}\.", path), path
        status, headers, content = fetch(gunicorn + path.decode())
        assert status == 200, path
        assert content
        assert "immutable" in headers["Cache-Control"]

    status, _, _ = fetch(gunicorn + "/static/web/does-not-exist.css")
    assert status == 404


@pytest.mark.slow
def test_the_access_log_keeps_no_query_string(gunicorn, tmp_path):
    """Kannel's get-url puts the phone number, the SMS text and the token in the query."""
    query = "token=s3cret-token&from=081234567890&to=1708&text=LAPOR+rahasia&id=77"
    status, _, _ = fetch(f"{gunicorn}/kanal/sms/masuk/?{query}")
    assert status in (403, 404)  # no token is configured here: refused
    fetch(gunicorn + "/")
    log = (tmp_path / "access.log").read_text()
    assert '"GET /kanal/sms/masuk/ HTTP/1.1"' in log
    for secret in ("s3cret-token", "081234567890", "rahasia"):
        assert secret not in log


def test_only_a_recycled_worker_leaves_without_the_interpreter_teardown(monkeypatch):
    from aduan.config import gunicorn as config

    exits, flushes = [], []
    monkeypatch.setattr(config.os, "_exit", exits.append)
    monkeypatch.setattr(config.logging, "shutdown", lambda: flushes.append(True))
    worker = type("Worker", (), {"max_requests": 2000, "nr": 1999})()
    config.worker_exit(None, worker)  # stopped or failed before its quota: the normal way
    assert exits == []
    worker.nr = 2000
    config.worker_exit(None, worker)
    assert (exits, flushes) == ([0], [True])
    worker.max_requests = 0  # recycling turned off
    config.worker_exit(None, worker)
    assert exits == [0]
