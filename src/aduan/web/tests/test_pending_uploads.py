"""Files kept across a report form's error (ADR 0012): only for the same user and form,
dropped when unticked, used once on success, removed after a day."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.tests.factories import UserFactory
from aduan.reports.models import Attachment
from aduan.web.models import PendingUpload
from aduan.web.pending_uploads import pending_uploads_purge

from .helpers import png_upload, stored_files

pytestmark = pytest.mark.django_db

URL = reverse("web:report_new")
TITLE = "Jalan berlubang di depan SD Negeri 3"
BODY = "Lubang besar di jalan depan sekolah sudah membahayakan anak-anak sejak bulan lalu."


def _data(**overrides) -> dict:
    return {"classification": "complaint", "title": TITLE, "body": BODY, **overrides}


def _failed_attempt(client, **files) -> tuple[str, list[int]]:
    """Send the form with a too-short title and a photo; return the form token and the
    ids of the kept files."""
    html = client.post(URL, _data(title="Pendek", files=[png_upload()])).content.decode()
    token = re.search(r'name="upload_token" value="([^"]+)"', html).group(1)
    return token, [int(pk) for pk in re.findall(r'name="keep_upload" value="(\d+)"', html)]


def test_a_kept_file_is_attached_on_the_next_attempt_and_then_forgotten(client):
    citizen = UserFactory()
    client.force_login(citizen)
    token, kept = _failed_attempt(client)
    assert len(kept) == 1
    assert [name.split("/")[0] for name in stored_files()] == ["pending"]

    response = client.post(URL, _data(upload_token=token, keep_upload=kept))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "foto.png"
    assert PendingUpload.objects.count() == 0
    # The photo and its thumbnail.
    assert [name.split("/")[0] for name in stored_files()] == ["attachments", "attachments"]


def test_an_unticked_file_is_dropped(client):
    client.force_login(UserFactory())
    token, _kept = _failed_attempt(client)
    assert client.post(URL, _data(upload_token=token)).status_code == 302
    assert Attachment.objects.count() == 0
    assert PendingUpload.objects.count() == 0
    assert stored_files() == []


def test_another_user_cannot_take_a_kept_file(client):
    client.force_login(UserFactory())
    token, kept = _failed_attempt(client)
    client.force_login(UserFactory())
    response = client.post(URL, _data(upload_token=token, keep_upload=kept))
    assert response.status_code == 302
    assert Attachment.objects.count() == 0
    assert PendingUpload.objects.count() == 1  # still the first user's


def test_kept_files_count_towards_the_limit(client, settings):
    settings.ADUAN_ATTACHMENT_MAX_COUNT = 1
    client.force_login(UserFactory())
    token, kept = _failed_attempt(client)
    response = client.post(URL, _data(upload_token=token, keep_upload=kept, files=[png_upload()]))
    assert response.status_code == 422
    assert 'id="id_files_error"' in response.content.decode()


def test_files_nobody_came_back_for_are_removed_after_a_day(client):
    client.force_login(UserFactory())
    _failed_attempt(client)
    old = PendingUpload.objects.get()
    PendingUpload.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    _failed_attempt(client)
    assert pending_uploads_purge() == 1
    assert list(PendingUpload.objects.values_list("pk", flat=True)) != [old.pk]
    assert PendingUpload.objects.count() == 1
    assert len(stored_files()) == 1


def test_kept_files_survive_the_no_javascript_picker_reload(client):
    client.force_login(UserFactory())
    token, kept = _failed_attempt(client)
    data = _data(upload_token=token, keep_upload=kept, refresh="region", province="")
    html = client.post(URL, data).content.decode()
    assert f'name="keep_upload" value="{kept[0]}" checked' in html
    assert PendingUpload.objects.count() == 1


def test_a_kept_photo_is_re_encoded_by_the_worker_before_anyone_is_served_it(client, settings):
    """A photo kept across an error is kept as sent (its GPS still in it): once the report
    is sent it goes pending like any other, and only the worker's copy is ever served."""
    import io

    from django.core.files.storage import default_storage
    from django_tasks import default_task_backend
    from PIL import Image

    from aduan.reports.models import AttachmentState
    from aduan.reports.tasks import attachment_reencode_task

    from .helpers import jpeg_with_gps

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    client.force_login(UserFactory())
    html = client.post(URL, _data(title="Pendek", files=[jpeg_with_gps()])).content.decode()
    token = re.search(r'name="upload_token" value="([^"]+)"', html).group(1)
    kept = re.findall(r'name="keep_upload" value="(\d+)"', html)

    assert client.post(URL, _data(upload_token=token, keep_upload=kept)).status_code == 302
    photo = Attachment.every.get()
    assert photo.state == AttachmentState.PENDING
    assert Attachment.objects.count() == 0
    [queued] = default_task_backend.results
    assert attachment_reencode_task.call(*queued.args) == "ready"
    with default_storage.open(Attachment.objects.get().file.name) as stored:
        assert not Image.open(io.BytesIO(stored.read())).getexif()
    default_task_backend.clear()
