"""Exports built by the task queue: a list past ``ADUAN_EXPORT_STREAM_MAX_ROWS`` becomes a
job whose file is the streamed export's, built as its owner, seen only by them, and gone
when it expires."""

from __future__ import annotations

import datetime as dt
import io
import logging
from unittest import mock

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aduan.accounts.models import Role
from aduan.api.tests.utils import assert_problem, bearer
from aduan.core.periodic import periodic_jobs
from aduan.exports.models import ExportJob, ExportJobStatus
from aduan.exports.services import export_job_build
from aduan.exports.tasks import EXPORTS_JOB, export_build, export_jobs_job
from aduan.exports.tests.test_exports import KEY, export_url, read_csv
from aduan.web.tests.staff_helpers import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "fresh_storage")]

API_EXPORT = reverse("api:inbox_export")


def job_url(job: ExportJob) -> str:
    return reverse("exports:job", args=[job.pk])


def download_url(job: ExportJob) -> str:
    return reverse("exports:job_download", args=[job.pk])


def file_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


def in_background(client, capture, name="inbox", fmt="csv", **params) -> ExportJob:
    """Ask for the export in the background; the task runs on commit (the immediate
    backend of the tests); the job it made."""
    with capture(execute=True):
        response = client.get(export_url(name, fmt), {**params, "background": "1"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert response["Location"] == job_url(job)
    return job


def csv_rows(raw: bytes) -> dict[str, dict]:
    class Streamed:
        streaming = True
        streaming_content = [raw]

    return {row["tracking_id"]: row for row in read_csv(Streamed)}


# --- Built end to end ------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "in_progress"},
        {"q": "rusak"},
        # A dashboard's drill-downs: the job reads their days back as dates.
        {"open_at": "2026-12-01"},
        {"closed_from": "2026-11-01", "closed_to": "2026-12-31", "status": "all"},
        {"returned_from": "2026-11-01", "returned_to": "2026-12-31"},
    ],
)
def test_a_jobs_csv_is_the_streamed_csv_byte_for_byte(
    client, people, work, django_capture_on_commit_callbacks, params
):
    sign_in(client, people["agency_admin"])
    streamed = file_bytes(client.get(export_url("inbox"), params))
    job = in_background(client, django_capture_on_commit_callbacks, **params)
    job.refresh_from_db()
    assert job.status == ExportJobStatus.DONE
    assert job.filters == params
    assert job.rows == job.total == streamed.count(b"\r\n") - 1
    response = client.get(download_url(job))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="aduan-kotak-masuk-' in response["Content-Disposition"]
    assert file_bytes(response) == streamed


def test_a_jobs_xlsx_holds_the_streamed_rows(
    client, people, work, django_capture_on_commit_callbacks
):
    sign_in(client, people["national_admin"])
    streamed = load_workbook(io.BytesIO(file_bytes(client.get(export_url("inbox", "xlsx")))))
    job = in_background(client, django_capture_on_commit_callbacks, fmt="xlsx")
    response = client.get(download_url(job))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    built = load_workbook(io.BytesIO(file_bytes(response)))
    assert list(built.active.iter_rows(values_only=True)) == list(
        streamed.active.iter_rows(values_only=True)
    )
    assert built.active.title == "kotak-masuk"
    assert built.active.max_row == 6


def test_the_visibility_rule_holds_in_the_jobs_file(
    client, people, work, django_capture_on_commit_callbacks
):
    anonymous = work["anonymous"]
    sign_in(client, people["agency_admin"])
    job = in_background(client, django_capture_on_commit_callbacks)
    raw = file_bytes(client.get(download_url(job)))
    rows = csv_rows(raw)
    assert rows[anonymous.tracking_id]["reporter"] == "Anonymous"
    assert anonymous.reporter.full_name.encode() not in raw
    assert anonymous.reporter.email.encode() not in raw
    assert work["elsewhere"].tracking_id not in rows
    # The national desk's own job names the reporter, with contact details.
    client.logout()
    ExportJob.objects.all().delete()
    sign_in(client, people["national_admin"])
    job = in_background(client, django_capture_on_commit_callbacks)
    rows = csv_rows(file_bytes(client.get(download_url(job))))
    assert rows[anonymous.tracking_id]["reporter_email"] == anonymous.reporter.email
    assert work["elsewhere"].tracking_id in rows


def test_the_queue_is_built_for_the_desk(client, people, work, django_capture_on_commit_callbacks):
    sign_in(client, people["oversight"])
    job = in_background(client, django_capture_on_commit_callbacks, name="queue")
    assert job.list == "queue"
    rows = csv_rows(file_bytes(client.get(download_url(job))))
    assert list(rows) == [work["waiting"].tracking_id]


def test_the_owner_is_told_by_e_mail(client, people, work, django_capture_on_commit_callbacks):
    owner = people["agency_admin"]
    sign_in(client, owner)
    job = in_background(client, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert f"/staf/ekspor/berkas/{job.pk}/" in message.body
    assert f"({job.rows} " in message.body


def test_an_owner_without_a_name_is_greeted_politely(
    client, people, work, django_capture_on_commit_callbacks
):
    owner = people["agency_admin"]
    owner.full_name = ""
    owner.language = "id"
    owner.save(update_fields=["full_name", "language"])
    sign_in(client, owner)
    in_background(client, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.body.startswith("Yth. Bapak/Ibu,")


# --- The threshold ---------------------------------------------------------------------


def test_a_list_past_the_threshold_becomes_a_job(client, people, work, settings):
    sign_in(client, people["agency_admin"])  # four rows in the inbox
    settings.ADUAN_EXPORT_STREAM_MAX_ROWS = 4
    streamed = client.get(export_url("inbox"))
    assert streamed.status_code == 200
    assert streamed.streaming
    assert not ExportJob.objects.exists()
    settings.ADUAN_EXPORT_STREAM_MAX_ROWS = 2  # three rows dispositioned
    response = client.get(export_url("inbox", "xlsx"), {"status": "dispositioned"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert response["Location"] == job_url(job)
    assert (job.owner, job.list, job.format) == (people["agency_admin"], "inbox", "xlsx")
    assert job.filters == {"status": "dispositioned"}
    assert job.status == ExportJobStatus.QUEUED  # its task runs once the request commits
    assert job.expires_at == timezone.now() + dt.timedelta(days=7)


def test_asking_again_while_it_is_built_reuses_the_job(client, people, work):
    sign_in(client, people["agency_admin"])
    first = client.get(export_url("inbox"), {"background": "1"})
    again = client.get(export_url("inbox"), {"background": "1"})
    assert first["Location"] == again["Location"]
    assert ExportJob.objects.count() == 1
    client.get(export_url("inbox", "xlsx"), {"background": "1"})
    assert ExportJob.objects.count() == 2


def test_a_job_counts_against_the_export_rate(client, people, work, settings):
    settings.ADUAN_EXPORT_RATE = "1/h"
    sign_in(client, people["agency_admin"])
    assert client.get(export_url("inbox"), {"background": "1"}).status_code == 302
    refused = client.get(export_url("inbox", "xlsx"), {"background": "1"})
    assert refused.status_code == 429
    assert ExportJob.objects.count() == 1


# --- The job's page ----------------------------------------------------------------------


def test_the_job_page_polls_while_building_and_offers_the_file_when_done(client, people, work):
    sign_in(client, people["agency_admin"])
    client.get(export_url("inbox"), {"background": "1"})
    job = ExportJob.objects.get()
    page = client.get(job_url(job)).content.decode()
    assert "Waiting to start" in page
    assert f'hx-get="{job_url(job)}"' in page
    assert 'hx-trigger="every 2s"' in page
    assert f'<a href="{job_url(job)}">Refresh</a>' in page  # without JavaScript
    assert download_url(job) not in page
    # Before it is ready, the download leads back to the page.
    assert client.get(download_url(job))["Location"] == job_url(job)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJobStatus.RUNNING, rows=2, total=4)
    partial = client.get(job_url(job), HTTP_HX_REQUEST="true").content.decode()
    assert "<h1>" not in partial
    assert 'hx-trigger="every 2s"' in partial
    assert '<progress max="100" value="50">' in partial
    export_build.enqueue(job_id=str(job.pk))  # a stalled run is not taken over yet
    assert ExportJob.objects.get().status == ExportJobStatus.RUNNING
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJobStatus.QUEUED)
    export_build.enqueue(job_id=str(job.pk))
    partial = client.get(job_url(job), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial
    assert "Ready" in partial
    assert f'href="{download_url(job)}"' in partial
    listed = client.get(reverse("exports:jobs")).content.decode()
    assert job_url(job) in listed


def test_the_lists_link_to_my_exports(client, people, work):
    sign_in(client, people["agency_admin"])
    page = client.get(reverse("web:staff_inbox")).content.decode()
    assert f'href="{reverse("exports:jobs")}"' in page
    assert " download>" not in page.split('class="export-links"')[1].split("</p>")[0]


# --- Who may ---------------------------------------------------------------------------------


def test_another_users_job_is_404_everywhere(
    client, people, work, django_capture_on_commit_callbacks
):
    sign_in(client, people["agency_admin"])
    job = in_background(client, django_capture_on_commit_callbacks)
    assert client.get(job_url(job)).status_code == 200
    for who in ("national_admin", "unit_officer", "other_agency_admin", "oversight"):
        client.logout()
        sign_in(client, people[who])
        assert client.get(job_url(job)).status_code == 404, who
        assert client.get(download_url(job)).status_code == 404, who
        assert str(job.pk) not in client.get(reverse("exports:jobs")).content.decode()
        auth = bearer(people[who])
        api = reverse("api:export_job", kwargs={"job_id": job.pk})
        assert_problem(client.get(api, **auth), 404)
        api_file = reverse("api:export_job_download", kwargs={"job_id": job.pk})
        assert_problem(client.get(api_file, **auth), 404)
    assert client.get(reverse("exports:job", args=["not-a-uuid"])).status_code == 404


@pytest.mark.parametrize("url", ["exports:jobs", "exports:job", "exports:job_download"])
def test_visitors_sign_in_and_citizens_get_403_for_jobs(client, people, url):
    args = [] if url == "exports:jobs" else ["00000000-0000-0000-0000-000000000000"]
    response = client.get(reverse(url, args=args))
    assert response.status_code == 302
    assert "/akun/" in response["Location"]
    sign_in(client, people["citizen"])
    assert client.get(reverse(url, args=args)).status_code == 403


def test_a_job_of_a_list_the_owner_may_no_longer_export_is_gone(
    client, people, work, django_capture_on_commit_callbacks
):
    owner = people["national_admin"]
    sign_in(client, owner)
    job = in_background(client, django_capture_on_commit_callbacks, name="queue")
    owner.role, owner.agency = Role.AGENCY_ADMIN, work["named"].agency
    owner.save()
    assert client.get(job_url(job)).status_code == 404
    assert client.get(download_url(job)).status_code == 404


# --- The build as the owner, now ---------------------------------------------------------


def test_the_build_rechecks_the_owner(client, people, work):
    owner = people["agency_admin"]
    sign_in(client, owner)
    client.get(export_url("inbox"), {"background": "1"})  # enqueued on commit: not yet run
    job = ExportJob.objects.get()
    owner.is_active = False
    owner.save()
    assert export_job_build(job_id=str(job.pk)) == "failed"
    job.refresh_from_db()
    assert job.status == ExportJobStatus.FAILED
    assert job.error == "Your account may no longer export this list."
    assert not job.file
    assert not default_storage.exists(f"exports/{job.pk}.csv")


def test_the_build_reads_the_list_as_it_is_when_built(client, people, work):
    """The owner's agency moved between asking and building: the file holds what they may
    read then, not what they could read when they asked."""
    owner = people["agency_admin"]
    sign_in(client, owner)
    client.get(export_url("inbox"), {"background": "1"})
    job = ExportJob.objects.get()
    owner.agency = work["elsewhere"].agency
    owner.save()
    assert export_job_build(job_id=str(job.pk)) == "done"
    rows = csv_rows(file_bytes(client.get(download_url(job))))
    assert list(rows) == [work["elsewhere"].tracking_id]


def test_a_failing_build_is_marked_failed_with_a_message(client, people, work, caplog):
    sign_in(client, people["agency_admin"])
    client.get(export_url("inbox", "xlsx"), {"background": "1"})
    job = ExportJob.objects.get()
    with mock.patch("aduan.exports.services.xlsx_write", side_effect=OSError("disk full")):
        assert export_job_build(job_id=str(job.pk)) == "failed"
    job.refresh_from_db()
    assert job.status == ExportJobStatus.FAILED
    assert "could not be prepared" in job.error
    assert "disk full" not in job.error
    assert not default_storage.exists(f"exports/{job.pk}.xlsx")
    page = client.get(job_url(job)).content.decode()
    assert "could not be prepared" in page
    assert "hx-trigger" not in page
    assert not mail.outbox


def test_a_task_run_again_keeps_one_file(client, people, work, django_capture_on_commit_callbacks):
    sign_in(client, people["agency_admin"])
    job = in_background(client, django_capture_on_commit_callbacks)
    first = file_bytes(client.get(download_url(job)))
    # A finished job: the second run does nothing.
    assert export_job_build(job_id=str(job.pk)) == "skipped"
    # A run that died after storing its file, long ago: the next one takes over and
    # replaces the file under the same name.
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJobStatus.RUNNING, started_at=timezone.now() - dt.timedelta(hours=2)
    )
    assert export_job_build(job_id=str(job.pk)) == "done"
    assert default_storage.listdir("exports") == ([], [f"{job.pk}.csv"])
    job.refresh_from_db()
    assert job.file.name == f"exports/{job.pk}.csv"
    assert file_bytes(client.get(download_url(job))) == first


def test_a_run_taken_over_keeps_nothing(client, people, work, settings):
    """Another run claimed the job while this one was writing: this one stops at its next
    progress update and stores nothing."""
    sign_in(client, people["agency_admin"])
    client.get(export_url("inbox"), {"background": "1"})
    job = ExportJob.objects.get()

    def taken_over(*args, **kwargs):
        ExportJob.objects.filter(pk=job.pk).update(run_token="another")
        return original(*args, **kwargs)

    from aduan.exports import services

    original = services._keep
    with mock.patch.object(services, "_keep", side_effect=taken_over):
        assert export_job_build(job_id=str(job.pk)) == "skipped"
    job.refresh_from_db()
    assert job.status == ExportJobStatus.RUNNING
    assert not job.file
    assert not default_storage.exists(f"exports/{job.pk}.csv")


def test_the_download_is_logged_like_a_streamed_export(
    client, people, work, django_capture_on_commit_callbacks, caplog
):
    owner = people["agency_admin"]
    sign_in(client, owner)
    job = in_background(client, django_capture_on_commit_callbacks, q="rusak")
    with caplog.at_level(logging.INFO, logger="aduan.exports.responses"):
        file_bytes(client.get(download_url(job)))
    (line,) = [r.getMessage() for r in caplog.records if r.name == "aduan.exports.responses"]
    assert f"user={owner.pk}" in line
    assert "list=kotak-masuk format=csv" in line
    assert f"rows=1 job={job.pk}" in line
    assert "rusak" not in line


# --- Expiry -------------------------------------------------------------------------------


def test_expiry_removes_the_file_and_the_job(
    client, people, work, django_capture_on_commit_callbacks
):
    assert EXPORTS_JOB in {job.name for job in periodic_jobs()}
    sign_in(client, people["agency_admin"])
    job = in_background(client, django_capture_on_commit_callbacks)
    name = job.file.name if job.file else f"exports/{job.pk}.csv"
    assert default_storage.exists(name)
    just_before = job.expires_at - dt.timedelta(seconds=1)
    assert export_jobs_job(now=just_before, batch=100, stop_at=0)["expired"] == 0
    assert default_storage.exists(name)
    assert export_jobs_job(now=job.expires_at, batch=100, stop_at=0)["expired"] == 1
    assert not default_storage.exists(name)
    assert not ExportJob.objects.exists()


def test_an_expired_job_is_gone_before_the_sweep(
    client, people, work, django_capture_on_commit_callbacks, frozen
):
    sign_in(client, people["agency_admin"])
    job = in_background(client, django_capture_on_commit_callbacks)
    frozen.shift(dt.timedelta(days=7))
    assert client.get(job_url(job)).status_code == 404
    assert client.get(download_url(job)).status_code == 404


def test_a_lost_enqueue_is_enqueued_again(client, people, work):
    sign_in(client, people["agency_admin"])
    client.get(export_url("inbox"), {"background": "1"})  # its on-commit enqueue never ran
    job = ExportJob.objects.get()
    soon = timezone.now() + dt.timedelta(minutes=5)
    assert export_jobs_job(now=soon, batch=100, stop_at=0)["requeued"] == 0
    later = timezone.now() + dt.timedelta(minutes=31)
    assert export_jobs_job(now=later, batch=100, stop_at=0)["requeued"] == 1
    job.refresh_from_db()
    assert job.status == ExportJobStatus.DONE


# --- The API ---------------------------------------------------------------------------------


def test_the_api_answers_202_with_the_job_then_its_file(
    client, people, work, settings, django_capture_on_commit_callbacks
):
    owner = people["agency_admin"]
    auth = bearer(owner)
    streamed = file_bytes(client.get(API_EXPORT, {"status": "dispositioned"}, **auth))
    settings.ADUAN_EXPORT_STREAM_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(API_EXPORT, {"status": "dispositioned"}, **auth)
    assert response.status_code == 202
    body = response.json()
    job = ExportJob.objects.get()
    assert body["id"] == str(job.pk)
    assert body["status"] == "queued"
    assert body["url"] == response["Location"] == f"/api/v1/exports/{job.pk}"
    assert body["download_url"] is None
    assert_problem(client.get(f"{body['url']}/download", **auth), 409)
    for callback in callbacks:
        callback()
    state = client.get(body["url"], **auth).json()
    assert state["status"] == "done"
    assert state["rows"] == state["total"] == 3
    assert state["download_url"] == f"/api/v1/exports/{job.pk}/download"
    download = client.get(state["download_url"], **auth)
    assert download.status_code == 200
    assert file_bytes(download) == streamed
    # Another person's token: not found.
    assert_problem(client.get(body["url"], **bearer(people["national_admin"])), 404)


def test_the_api_builds_in_the_background_when_asked(
    client, people, work, django_capture_on_commit_callbacks
):
    auth = bearer(people["oversight"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            API_EXPORT, {"queue": "true", "format": "xlsx", "background": "true"}, **auth
        )
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert (job.list, job.format, job.status) == ("queue", "xlsx", ExportJobStatus.DONE)
    sheet = load_workbook(
        io.BytesIO(file_bytes(client.get(f"{response['Location']}/download", **auth)))
    ).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        work["waiting"].tracking_id
    ]
    assert sheet.cell(row=1, column=KEY.index("reporter") + 1).value == "Reporter"
    # The queue stays the desk's and oversight's, in the background too.
    refused = client.get(
        API_EXPORT, {"queue": "true", "background": "true"}, **bearer(people["agency_admin"])
    )
    assert_problem(refused, 403)
    assert ExportJob.objects.count() == 1
