"""`make run`'s supervisor (deploy/supervisord.conf): a process that dies is started again
while the others keep running, and SIGINT (Ctrl-C) stops them all."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT, subprocess_env
from test_server_smoke import fetch, free_port

CONFIG = REPO_ROOT / "deploy" / "supervisord.conf"
PROGRAMS = {"web": "gunicorn", "worker": "db_worker", "scheduler": "run_scheduler"}
WAIT = 30  # seconds, at most, for anything below to happen


def children(parent: int) -> dict[str, int]:
    """The pid of each program supervisord runs, found by its command line."""
    found: dict[str, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        if ppid != parent:
            continue
        for name, marker in PROGRAMS.items():
            if marker in cmdline:
                found[name] = int(entry.name)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(what: str, condition, supervisor: subprocess.Popen):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if supervisor.poll() is not None:
            pytest.fail(f"supervisord exited ({supervisor.returncode}) while waiting: {what}")
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"not within {WAIT} s: {what}")


def serving(url: str) -> bool:
    try:
        return fetch(url)[0] == 200
    except OSError:
        return False


@pytest.mark.slow
def test_a_killed_process_is_restarted_and_the_others_stay_up(migrated_sqlite, tmp_path):
    supervisord = Path(sys.executable).with_name("supervisord")
    assert supervisord.exists(), "supervisor is a dependency (pyproject.toml)"
    database = tmp_path / "aduan.sqlite3"
    shutil.copy(migrated_sqlite, database)
    port = free_port()
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_VAR_DIR=str(tmp_path),
        ADUAN_SQLITE_PATH=str(database),
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_WORKERS="1",
    )
    (REPO_ROOT / "var").mkdir(exist_ok=True)  # the pid file's directory
    url = f"http://127.0.0.1:{port}/api/v1/categories"
    output = (tmp_path / "supervisord.log").open("w")
    supervisor = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [str(supervisord), "--nodaemon", "-c", str(CONFIG)],
        cwd=REPO_ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as in a terminal
    )
    try:
        first = wait_for(
            "all three programs run and the site answers",
            lambda: (
                (found := children(supervisor.pid)).keys() == PROGRAMS.keys()
                and serving(url)
                and found
            ),
            supervisor,
        )
        for victim in ("scheduler", "worker", "web"):
            before = children(supervisor.pid)
            os.kill(before[victim], signal.SIGKILL)
            after = wait_for(
                f"{victim} is started again",
                lambda v=victim, old=before[victim]: (
                    (now := children(supervisor.pid)).get(v, old) != old and now
                ),
                supervisor,
            )
            for other in PROGRAMS.keys() - {victim}:
                assert after[other] == before[other], f"{other} was restarted with {victim}"
            wait_for(
                f"the site answers after {victim} was killed", lambda: serving(url), supervisor
            )

        last = children(supervisor.pid)
        assert all(last[name] != first[name] for name in PROGRAMS)
        os.killpg(supervisor.pid, signal.SIGINT)  # Ctrl-C
        assert supervisor.wait(timeout=WAIT) == 0
        assert not [name for name, pid in last.items() if alive(pid)]
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait()
        output.close()
    log = (tmp_path / "supervisord.log").read_text()
    for name in PROGRAMS:
        assert f"exited: {name} (terminated by SIGKILL" in log, log[-3000:]
