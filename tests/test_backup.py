"""``manage.py backup`` and ``restore``: a realistic site goes into one archive and comes
back, in a fresh database (a new PostgreSQL database, or a new SQLite file) restored by
the real command in its own process, with every report, event, attachment's bytes and
an intact audit chain. A damaged archive and a database that already holds reports are
refused."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
import uuid

import pytest
from conftest import REPO_ROOT, run_manage, subprocess_env
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BODY = "Lubang besar di jalan depan pasar sudah membahayakan pengendara motor setiap hari."
RESPONSE = "Lubang sudah kami tambal pada hari ini, terima kasih atas laporannya."


def site_state() -> dict:
    """What must survive: every report, every event with its chain hash, every attachment
    with the SHA-256 of the bytes read back from the storage."""
    from aduan.reports.models import Attachment, Report, ReportEvent

    def stored_sha256(attachment) -> str:
        with attachment.file.open("rb") as stream:
            return hashlib.sha256(stream.read()).hexdigest()

    return {
        "reports": [
            [r.tracking_id, r.status, r.title, r.body, r.agency_id, r.reporter_id]
            for r in Report.objects.order_by("tracking_id")
        ],
        "events": [
            [e.report.tracking_id, e.seq, e.action, e.note, e.hash]
            for e in ReportEvent.objects.select_related("report").order_by("id")
        ],
        "attachments": [
            [
                a.report.tracking_id,
                a.file.name,
                a.original_name,
                a.sha256,
                stored_sha256(a),
                a.thumbnail.name,
            ]
            for a in Attachment._base_manager.select_related("report").order_by("id")
        ],
    }


def _png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def site(disk_storage):
    """Three reports: one answered with files on both sides and a comment, one sent to an
    agency, one awaiting the desk."""
    from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory, UserFactory
    from aduan.agencies.tests.factories import AgencyFactory
    from aduan.reports.attachments import prepare_upload
    from aduan.reports.tests.factories import pdf_bytes
    from aduan.workflow import services as wf

    agency = AgencyFactory(name="Pemerintah Kota Bandung")
    admin, staff = NationalAdminFactory(), AgencyAdminFactory(agency=agency)
    citizen = UserFactory(full_name="Siti Rahmawati")

    def upload(name, data):
        return prepare_upload(name=name, chunks=[data])

    def submit(title, files=()):
        return wf.report_submit(
            reporter=citizen,
            channel="web",
            classification="complaint",
            title=title,
            body=BODY,
            files=files,
        )

    answered = submit(
        "Jalan berlubang di depan pasar",
        [upload("lubang.png", _png((200, 30, 30))), upload("surat.pdf", pdf_bytes())],
    )
    wf.report_dispose(report=answered, actor=admin, agency_id=agency.pk)
    wf.report_accept(report=answered, actor=staff)
    wf.report_comment(
        report=answered,
        actor=citizen,
        body="Lubangnya makin besar setelah hujan kemarin sore.",
        files=[upload("hujan.png", _png((30, 30, 200)))],
    )
    wf.report_respond(
        report=answered,
        actor=staff,
        body=RESPONSE,
        files=[upload("tambalan.png", _png((30, 200, 30)))],
    )
    wf.report_dispose(report=submit("Lampu jalan mati"), actor=admin, agency_id=agency.pk)
    submit("Sampah menumpuk di pinggir sungai")
    return site_state()


@pytest.fixture
def fresh_database(tmp_path):
    """The environment of a process that sees a new, empty database and a new media
    folder: a new PostgreSQL database beside the test one, or a new SQLite file."""
    var_dir = tmp_path / "restored"
    var_dir.mkdir()
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_VAR_DIR=str(var_dir),
        ADUAN_SECRET_KEY=settings.SECRET_KEY,  # the audit chain may be keyed with it
    )
    for name in ("ADUAN_AUDIT_KEYS", "ADUAN_AUDIT_KEY_FILE"):  # or with keys of its own
        if value := getattr(settings, name, ""):
            env[name] = str(value)
    if connection.vendor != "postgresql":
        yield env
        return
    import psycopg

    params = connection.settings_dict
    name = f"{params['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    user = params["USER"] or "postgres"
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    env["DATABASE_URL"] = (
        f"postgres://{user}{password}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
        f"/{name}"
    )
    try:
        yield env
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _state_in(env: dict[str, str]) -> dict:
    script = (
        "import django, json; django.setup(); import test_backup; "
        "print(json.dumps(test_backup.site_state()))"
    )
    child_env = {
        **env,
        "PYTHONPATH": f"{REPO_ROOT / 'src'}:{REPO_ROOT / 'tests'}:{REPO_ROOT}",
    }
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_backup_restored_into_a_fresh_database_has_every_report_event_file_and_chain(
    site, fresh_database, tmp_path
):
    archive = tmp_path / "aduan.tar.gz"
    out = io.StringIO()
    call_command("backup", str(archive), stdout=out)
    assert "3 reports" in out.getvalue()
    assert len(site["reports"]) == 3
    assert len(site["attachments"]) == 4
    assert all(row[3] == row[4] for row in site["attachments"])  # stored bytes as recorded

    restored = run_manage("restore", str(archive), env=fresh_database)

    assert restored.returncode == 0, restored.stderr
    assert "Audit chain intact: 3 reports" in restored.stdout
    # The four files and the three pictures' thumbnails.
    assert sum(1 for row in site["attachments"] if row[5]) == 3
    assert "7 files restored" in restored.stdout
    assert _state_in(fresh_database) == site
    audit = run_manage("verify_audit", env=fresh_database)
    assert audit.returncode == 0, audit.stdout + audit.stderr

    again = run_manage("restore", str(archive), env=fresh_database)
    assert again.returncode != 0
    assert "already holds 3 reports" in again.stderr
    forced = run_manage("restore", "--force", str(archive), env=fresh_database)
    assert forced.returncode == 0, forced.stderr
    assert _state_in(fresh_database) == site


def test_the_manifest_counts_reports_events_and_attachments_and_hashes_each_member(site, tmp_path):
    archive = tmp_path / "aduan.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())

    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        digests = {
            member.name: hashlib.sha256(tar.extractfile(member).read()).hexdigest()
            for member in tar.getmembers()
            if member.name != "manifest.json"
        }
    assert manifest["counts"]["reports.report"] == 3
    assert manifest["counts"]["reports.reportevent"] == len(site["events"])
    assert manifest["counts"]["reports.attachment"] == 4
    assert manifest["database"] == connection.vendor
    assert manifest["aduan_version"]
    assert {name: entry["sha256"] for name, entry in manifest["members"].items()} == digests
    assert sorted(entry["name"] for entry in manifest["files"]) == sorted(
        name for row in site["attachments"] for name in (row[1], row[5]) if name
    )


def test_restore_refuses_a_damaged_archive_and_a_database_that_holds_reports(site, tmp_path):
    archive = tmp_path / "aduan.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())

    with pytest.raises(CommandError, match="already holds 3 reports"):
        call_command("restore", str(archive), stdout=io.StringIO())

    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "files/0000001":
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match=r"files/0000001 is damaged"):
        call_command("restore", "--force", str(damaged), stdout=io.StringIO())
    assert site_state() == site  # nothing was touched
