"""Fixtures shared by every app's tests (and by the cross-cutting tests in ``tests/``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

# The one Chromium of the run, shared by the site's browser tests and the journeys.
pytest_plugins = ["aduan.web.tests.browser.chromium"]

REPO_ROOT = Path(__file__).resolve().parent


def require_component(name: str, available: bool, hint: str) -> None:
    """Skip on a laptop without ``name``; fail in CI, where ADUAN_REQUIRE_ALL=1 is set.

    ``hint`` says how to get the component, e.g. "start redis-server on 127.0.0.1:6379".
    """
    if available:
        return
    message = f"{name} is not available: {hint}"
    if os.environ.get("ADUAN_REQUIRE_ALL") == "1":
        pytest.fail(f"{message} (ADUAN_REQUIRE_ALL=1: every component is required here)")
    pytest.skip(message)


def subprocess_env(**overrides: str) -> dict[str, str]:
    """The environment for a child Django process: this one's, without any setting that
    would leak from the developer's shell or the test run, plus ``overrides``."""
    env = {
        key: value
        for key, value in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE: set in this process while Chromium runs (the browser
        # tests' conftest); a child's `check --deploy` would refuse it.
        if key
        not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not (key.startswith("ADUAN_") and key != "ADUAN_REQUIRE_ALL")
    }
    env["PYTHONPATH"] = str(REPO_ROOT / "src")
    env.update(overrides)
    return env


def stop_process(process: subprocess.Popen, *, timeout: float = 30) -> None:
    """SIGTERM (a server finishes what it is doing), then SIGKILL after ``timeout`` s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def meet_before(monkeypatch, module, name: str, *, parties: int = 2) -> None:
    """``module.name`` made to wait until ``parties`` threads are inside it, so that their
    transactions overlap every time: the race a concurrency test must provoke."""
    real = getattr(module, name)
    everyone_inside = threading.Barrier(parties, timeout=30)

    def meet_then_call(*args, **kwargs):
        everyone_inside.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, meet_then_call)


def run_at_once(call, *, times: int = 2) -> list:
    """``call()`` in ``times`` threads at once, each closing its database connections when
    done; their answers in the order they came. Fails on any thread's error."""
    from django.db import connections

    answers: list = []
    errors: list = []

    def run() -> None:
        try:
            answers.append(call())
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return answers


def run_manage(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py`` in a child process; return its exit code and output."""
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, str(REPO_ROOT / "manage.py"), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


_journey_summaries: list[str] = []


def pytest_runtest_logreport(report) -> None:
    """Keep the browser journeys' summaries (tests/journey_site.py's ``record``)."""
    if report.when == "teardown":
        _journey_summaries.extend(v for k, v in report.user_properties if k == "journey")


def pytest_terminal_summary(terminalreporter) -> None:
    """Print them at the end: each journey's time and axe-core's findings per page."""
    if _journey_summaries:
        terminalreporter.section("browser journeys")
        for summary in _journey_summaries:
            terminalreporter.write_line(summary)


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    from django.core.cache import cache

    from aduan.core.memo import directory_memo_forget

    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    # The directory rows a process remembers: a rolled-back test's are gone.
    directory_memo_forget()
    yield
    cache.clear()


@pytest.fixture
def client():
    """Django's test client for an English-speaking visitor (the language switch's cookie and
    Accept-Language), so assertions can name messages as written in the source. Tests of
    the Indonesian default use ``visitor_client``, a browser that chose nothing."""
    from django.conf import settings
    from django.test import Client

    english = Client(headers={"accept-language": "en"})
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return english


@pytest.fixture
def visitor_client():
    from django.test import Client

    return Client()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Code called directly (services, commands) speaks English in tests, so assertions can
    name messages as written in the source; requests still pick their language through the
    middleware (Indonesian by default), and tests/test_translations.py checks that."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """An SQLite file with every migration applied and the cache table, made once per run
    with the embedded settings (base.py). Copy it before writing to it."""
    var_dir = tmp_path_factory.mktemp("var")
    path = var_dir / "aduan.sqlite3"
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_VAR_DIR=str(var_dir),
        ADUAN_SQLITE_PATH=str(path),
    )
    for command in (("migrate", "--no-input", "-v", "0"), ("createcachetable",)):
        result = run_manage(*command, env=env)
        assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def disk_storage(settings, tmp_path):
    """Files on disk, to see what a rollback leaves behind (tests otherwise keep them in
    memory). Returns the media root; ``files_under`` lists what is in it."""
    from django.core.files.storage import FileSystemStorage, storages

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    assert isinstance(storages["default"], FileSystemStorage)
    return settings.MEDIA_ROOT


def files_under(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


class PrivateRedis:
    """A redis-server of the test's own on a free loopback port (never the shared 6379),
    without persistence, that the test may stop and start again on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import time

        import redis

        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server on port {self.port} did not start")
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=0.5)


@pytest.fixture
def private_redis():
    import shutil
    import socket

    require_component(
        "redis-server", shutil.which("redis-server") is not None, "install redis-server"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = PrivateRedis(port)
    server.start()
    yield server
    server.stop()
