"""The embedded SQLite database takes the web server and the worker writing at once.

Two processes, each with its own connection and the embedded settings' OPTIONS (IMMEDIATE
transactions, a lock timeout, WAL), write 200 transactions each into the same file at the
same moment. Each transaction reads before it writes: with SQLite's default DEFERRED
transactions, that read-then-write is where a second writer gets "database is locked" at
once instead of waiting its turn.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO_ROOT, subprocess_env

WRITES_PER_PROCESS = 200

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import timedelta

    import django

    django.setup()
    from django.contrib.sessions.models import Session
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.utils import timezone

    name = sys.argv[1]
    options = connection.settings_dict["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE", options
    print("ready", flush=True)
    sys.stdin.readline()  # both writers start together
    expires = timezone.now() + timedelta(days=1)
    for i in range(int(sys.argv[2])):
        with transaction.atomic():
            Session.objects.filter(session_key__startswith=name).count()
            Session.objects.create(
                session_key=f"{name}-{i:05d}", session_data="x", expire_date=expires
            )
        cache.set(f"{name}-{i}", i, 600)  # the rate-limit counters' table, as in production
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        print("journal_mode", cursor.fetchone()[0], flush=True)
    """
)


@pytest.mark.slow
def test_two_writer_processes_on_one_sqlite_file_never_hit_database_is_locked(
    migrated_sqlite, tmp_path
):
    database = tmp_path / "aduan.sqlite3"
    shutil.copy(migrated_sqlite, database)
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_VAR_DIR=str(tmp_path),
        ADUAN_SQLITE_PATH=str(database),
    )
    writers = [
        subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [sys.executable, "-c", WRITER, name, str(WRITES_PER_PROCESS)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("web", "worker")
    ]
    try:
        for writer in writers:
            assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
        for writer in writers:
            writer.stdin.write("go\n")
            writer.stdin.flush()
        outputs = [writer.communicate(timeout=120) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()

    for writer, (stdout, stderr) in zip(writers, outputs, strict=True):
        assert "database is locked" not in stderr
        assert writer.returncode == 0, stderr
        assert "journal_mode wal" in stdout

    import sqlite3

    with sqlite3.connect(database) as check:
        sessions = check.execute("SELECT count(*) FROM django_session").fetchone()[0]
        cached = check.execute("SELECT count(*) FROM aduan_cache").fetchone()[0]
    assert sessions == 2 * WRITES_PER_PROCESS
    assert cached == 2 * WRITES_PER_PROCESS
