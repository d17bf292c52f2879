"""Aduan behind a real PgBouncer in transaction mode (deploy/pgbouncer/pgbouncer.ini,
Debian's pgbouncer), with the settings ``ADUAN_DB_POOLER=pgbouncer`` gives
(``aduan.core.dbpool``): a submission with a photo, a disposition, the task worker
claiming and running the photo's re-encoding, an export read with ``iterator()`` and the
audit chain's verification all go through it; without the setting, the export's
server-side cursor is lost between two transactions."""

from __future__ import annotations

import configparser
import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from conftest import REPO_ROOT
from django.core.management import call_command
from django.db import DatabaseError, connection
from PIL import Image

from aduan.accounts.tests.factories import NationalAdminFactory, UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.core.dbpool import pooled_database
from aduan.exports.columns import export_rows
from aduan.reports.attachments import prepare_upload
from aduan.reports.audit import chain_verify
from aduan.reports.models import Attachment, AttachmentState, Report, Status
from aduan.workflow import services as wf

PGBOUNCER = Path("/usr/sbin/pgbouncer")
SHIPPED_CONFIG = REPO_ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PgBouncer pools PostgreSQL connections: run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.skipif(not PGBOUNCER.exists(), reason="apt install pgbouncer"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pgbouncer_config(*, database: str, port: int, folder: Path) -> str:
    """The shipped pgbouncer.ini with this test's database, port and files; pool mode,
    pool sizes and timeouts are the shipped ones."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(SHIPPED_CONFIG)
    assert parser["pgbouncer"]["pool_mode"] == "transaction"
    parser["databases"] = {database: f"host=127.0.0.1 port=5432 dbname={database}"}
    parser["pgbouncer"].update(
        {
            "listen_port": str(port),
            "unix_socket_dir": "",
            "auth_type": "trust",
            "auth_file": str(folder / "userlist.txt"),
            "logfile": "",
            "pidfile": "",
        }
    )
    out = io.StringIO()
    parser.write(out)
    return out.getvalue()


@pytest.fixture
def pgbouncer(transactional_db):
    """A PgBouncer on a loopback port in front of the test database; its port."""
    database = connection.settings_dict["NAME"]
    user = connection.settings_dict["USER"] or "postgres"
    folder = Path(tempfile.mkdtemp(prefix="aduan-pgbouncer-"))
    folder.chmod(0o755)  # PgBouncer refuses to run as root: it reads these as postgres
    port = free_port()
    (folder / "userlist.txt").write_text(f'"{user}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        pgbouncer_config(database=database, port=port, folder=folder)
    )
    for path in folder.iterdir():
        path.chmod(0o644)
    argv = [str(PGBOUNCER), str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        argv[1:1] = ["-u", "postgres"]
    log = (folder / "pgbouncer.log").open("w")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                psycopg.connect(host="127.0.0.1", port=port, dbname=database, user=user).close()
                break
            except psycopg.OperationalError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"PgBouncer did not start: {(folder / 'pgbouncer.log').read_text()}"
                    )
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def through_pgbouncer(pgbouncer, settings):
    """Point Django's default connection at PgBouncer, with ``pooler`` ("pgbouncer": the
    settings ADUAN_DB_POOLER=pgbouncer gives; "": none); put it back afterwards."""
    original = dict(connection.settings_dict)

    def use(pooler: str) -> None:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(
            pooled_database({**original, "HOST": "127.0.0.1", "PORT": pgbouncer}, pooler=pooler)
        )

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    yield use
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(original)


def served_by_pgbouncer(port: int) -> bool:
    """Whether Django's connection is to PgBouncer's port, and PostgreSQL answers behind it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        server_port = cursor.fetchone()[0]
    return connection.connection.info.port == port and server_port == 5432


def export_while_another_client_holds_a_transaction(port: int, user) -> list:
    """The export's rows, read one chunk at a time while another client of PgBouncer opens
    a transaction between two chunks: that client takes the server connection the export's
    first chunk ran on, so the next chunk runs on another one."""
    rows = export_rows(Report.objects.order_by("pk"), user=user, chunk_size=1)
    first = next(rows)
    other = psycopg.connect(
        host="127.0.0.1", port=port, dbname=connection.settings_dict["NAME"], user="postgres"
    )
    try:
        other.execute("SELECT 1")  # BEGIN (not autocommit): the server connection is held
        rest = list(rows)
    finally:
        other.rollback()
        other.close()
    return [first, *rest]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def test_submission_workflow_worker_export_and_audit_through_pgbouncer(
    pgbouncer, through_pgbouncer
):
    through_pgbouncer("pgbouncer")
    assert served_by_pgbouncer(pgbouncer)
    citizen, admin, agency = UserFactory(), NationalAdminFactory(), AgencyFactory()

    photo = prepare_upload(name="jalan.jpg", chunks=[jpeg()], declared_size=None, defer_images=True)
    reports = [
        wf.report_submit(
            reporter=citizen,
            channel="web",
            classification="complaint",
            title=f"Jalan berlubang di depan pasar {n}",
            body="Lubang besar di jalan depan pasar sudah membahayakan pengendara motor.",
            files=[photo] if n == 0 else [],
        )
        for n in range(3)
    ]
    report = wf.report_dispose(report=reports[0], actor=admin, agency_id=agency.pk)
    assert report.status == Status.DISPOSITIONED
    attachment = Attachment.every.get(report=report)
    assert attachment.state == AttachmentState.PENDING

    # The worker claims the re-encoding task (row locks, SKIP LOCKED) through PgBouncer.
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay")
    attachment.refresh_from_db()
    assert attachment.state == AttachmentState.READY

    exported = export_while_another_client_holds_a_transaction(pgbouncer, admin)
    assert len(exported) == 3
    assert list(chain_verify()) == []
    assert served_by_pgbouncer(pgbouncer)


def test_without_the_pooler_settings_a_server_side_cursor_is_lost(pgbouncer, through_pgbouncer):
    """What ``DISABLE_SERVER_SIDE_CURSORS`` prevents: ``iterator()`` outside a transaction
    declares a cursor WITH HOLD on one server connection and fetches its next chunk on
    whichever PgBouncer hands out then."""
    through_pgbouncer("")
    citizen, admin = UserFactory(), NationalAdminFactory()
    for n in range(3):
        wf.report_submit(
            reporter=citizen,
            channel="web",
            classification="complaint",
            title=f"Lampu jalan padam di gang {n}",
            body="Lampu jalan di gang ini padam sejak minggu lalu, gelap sekali di malam hari.",
        )
    with pytest.raises((DatabaseError, psycopg.Error), match=r"cursor .* does not exist"):
        export_while_another_client_holds_a_transaction(pgbouncer, admin)
