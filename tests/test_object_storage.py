"""Attachments in S3-compatible object storage, against a real S3 server on loopback
(``moto_server``, from the dev extras) and django-storages' S3 backend with the options
production.py gives it: an upload through the web form lands in the bucket, the worker
re-encodes it through the storage (pending → ready), the download is a redirect to a
short-lived signed URL given only after the permission check, and the orphan sweep and
``manage.py backup`` read the bucket."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import uuid
from email.message import Message
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from conftest import stop_process
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from aduan.accounts.tests.factories import UserFactory
from aduan.api.tests.utils import bearer
from aduan.reports.models import Attachment, AttachmentState, Report
from aduan.reports.orphans import orphans_sweep

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
FORM = {
    "classification": "complaint",
    "title": "Jalan berlubang di depan SD Negeri 3",
    "body": "Lubang besar di jalan depan sekolah sudah membahayakan anak-anak sejak bulan lalu.",
}
PREFIX = "attachments"  # production's ADUAN_S3_PREFIX default
EXPIRE = 300  # production's ADUAN_S3_URL_EXPIRE default
CREDENTIALS = {"aws_access_key_id": "aduan-test", "aws_secret_access_key": "aduan-test-secret"}

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """A moto S3 server on a loopback port, for this module; its URL."""
    if not MOTO_SERVER.exists():
        pytest.fail("moto_server is missing: pip install -e '.[dev]' (moto[server])")
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).close()  # noqa: S310
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"moto_server did not start: {server.stderr.read()}")
            time.sleep(0.2)
    try:
        yield url
    finally:
        stop_process(server, timeout=10)


@pytest.fixture
def bucket(s3_endpoint, settings):
    """A fresh bucket, and the default storage pointed at it as production.py does with
    ADUAN_S3_BUCKET and ADUAN_S3_ENDPOINT_URL; the boto3 client to look inside it."""
    name = f"aduan-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "default_acl": "private",
                "querystring_auth": True,
                "signature_version": "s3v4",
                "querystring_expire": EXPIRE,
                "file_overwrite": False,
                "location": PREFIX,
            },
        },
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def keys() -> set[str]:
        listing = client.list_objects_v2(Bucket=name)
        return {item["Key"] for item in listing.get("Contents", [])}

    client.keys = keys
    client.bucket_name = name
    return client


def jpeg_with_exif(name: str = "rumah.jpg") -> SimpleUploadedFile:
    image = Image.new("RGB", (120, 80), (40, 160, 90))
    exif = Image.Exif()
    exif[0x010F] = "KameraRumahSaya"  # Make: metadata the worker must strip
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def fetch(url: str) -> tuple[int, Message, bytes]:
    """Status, headers (any case) and body of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def submit_with_photo(client, reporter) -> Attachment:
    client.force_login(reporter)
    response = client.post(reverse("web:report_new"), {**FORM, "files": [jpeg_with_exif()]})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Attachment.every.get(report=Report.objects.get())


# Transactional: the worker (aduan.core's db_worker) reconnects on a database error, and
# an error inside the test's own transaction would keep it reconnecting.
@pytest.mark.django_db(transaction=True)
def test_upload_lands_in_the_bucket_is_reencoded_by_the_worker_and_served_signed(bucket, client):
    reporter, stranger = UserFactory(), UserFactory()
    attachment = submit_with_photo(client, reporter)
    assert attachment.state == AttachmentState.PENDING
    sent = f"{PREFIX}/{attachment.file.name}"
    assert bucket.keys() == {sent}  # the photo as sent, in the bucket, nowhere else
    assert (
        b"KameraRumahSaya" in bucket.get_object(Bucket=bucket.bucket_name, Key=sent)["Body"].read()
    )
    acl = bucket.get_object_acl(Bucket=bucket.bucket_name, Key=sent)
    assert [grant["Permission"] for grant in acl["Grants"]] == ["FULL_CONTROL"]  # private

    # The worker reads the original from the bucket and writes the clean file there.
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay")
    attachment.refresh_from_db()
    assert attachment.state == AttachmentState.READY
    clean = f"{PREFIX}/{attachment.file.name}"
    thumbnail = f"{PREFIX}/{attachment.thumbnail.name}"
    assert bucket.keys() == {clean, thumbnail}  # and the card's thumbnail, made once
    assert clean != sent
    stored = bucket.get_object(Bucket=bucket.bucket_name, Key=clean)["Body"].read()
    assert b"KameraRumahSaya" not in stored
    assert Image.open(io.BytesIO(stored)).size == (120, 80)

    # The page's download link: after the permission check, a redirect to a signed URL
    # that expires, which makes the browser save the file under its own name.
    url = reverse("web:attachment_download", args=[attachment.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    assert signed.startswith(f"{bucket.meta.endpoint_url}/{bucket.bucket_name}/{clean}?")
    query = parse_qs(urlsplit(signed).query)
    assert query["X-Amz-Expires"] == [str(EXPIRE)]
    status, headers, body = fetch(signed)
    assert (status, body) == (200, stored)
    assert headers["Content-Disposition"] == 'attachment; filename="rumah.jpg"'
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Cache-Control"] == "private, no-store"
    # The object itself is not public: without the signature S3 refuses it.
    assert fetch(signed.split("?")[0])[0] == 403
    # A signature for another object, or a changed one, is refused too.
    assert fetch(signed.replace(clean, f"{PREFIX}/attachments/0000/other.jpg"))[0] == 403

    # The API's download answers the same way, for the same people.
    api_url = reverse(
        "api:report_attachment",
        kwargs={"tracking_id": attachment.report.tracking_id, "attachment_id": attachment.pk},
    )
    response = client.get(api_url, **bearer(reporter))
    assert response.status_code == 302
    assert fetch(response["Location"])[2] == stored

    # Someone who may not see the report gets no URL at all.
    client.force_login(stranger)
    response = client.get(url)
    assert response.status_code == 404
    assert "Location" not in response
    response = client.get(api_url, **bearer(stranger))
    assert response.status_code == 404
    assert "Location" not in response


@pytest.mark.django_db(transaction=True)
def test_orphan_sweep_and_backup_read_the_bucket(bucket, client, tmp_path):
    attachment = submit_with_photo(client, UserFactory())
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay")
    attachment.refresh_from_db()
    kept = f"{PREFIX}/{attachment.file.name}"
    thumbnail = f"{PREFIX}/{attachment.thumbnail.name}"
    # A file without a row (an upload whose transaction was lost), in the same folder.
    storage = attachment.file.storage
    orphan = storage.save(
        f"{attachment.file.name.rsplit('/', 1)[0]}/lost.jpg", ContentFile(b"\xff\xd8 orphan")
    )
    assert bucket.keys() == {kept, thumbnail, f"{PREFIX}/{orphan}"}

    folder = attachment.file.name.split("/")[1]  # what the sweep looks at in one minute
    tally = orphans_sweep(folders=[folder], now=timezone.now())
    assert (tally.orphans, tally.young) == (0, 1)  # too new to be judged an orphan
    tally = orphans_sweep(folders=[folder], now=timezone.now() + dt.timedelta(days=2))
    assert (tally.orphans, tally.removed) == (1, 1)
    assert bucket.keys() == {kept, thumbnail}  # a row's thumbnail is no orphan

    # manage.py backup reads the attachment's bytes from the bucket into the archive.
    archive = tmp_path / "aduan.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    stored = bucket.get_object(Bucket=bucket.bucket_name, Key=kept)["Body"].read()
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        [entry] = [f for f in manifest["files"] if f["name"] == attachment.file.name]
        assert tar.extractfile(entry["member"]).read() == stored
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.mark.django_db(transaction=True)
def test_backup_names_a_file_missing_from_the_bucket_and_goes_on(bucket, client, tmp_path):
    attachment = submit_with_photo(client, UserFactory())
    bucket.delete_object(Bucket=bucket.bucket_name, Key=f"{PREFIX}/{attachment.file.name}")
    out = io.StringIO()
    call_command("backup", str(tmp_path / "aduan.tar.gz"), stdout=out)
    assert f"file {attachment.file.name} is missing from the storage" in out.getvalue()
    with tarfile.open(tmp_path / "aduan.tar.gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["missing_files"] == [attachment.file.name]
