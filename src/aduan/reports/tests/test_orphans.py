"""Attachment files whose row was rolled back are found and removed (``reports.orphans``)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from aduan.reports.attachments import _attachment_storage, attachment_store, prepare_upload
from aduan.reports.orphans import (
    FOLDERS,
    MINUTES_PER_DAY,
    all_folders,
    folders_for_minute,
    orphans_sweep,
)
from aduan.reports.tests.factories import ReportFactory, pdf_bytes
from aduan.workflow.sweep import sweep_run

pytestmark = pytest.mark.django_db(transaction=True)

PDF = pdf_bytes()


@pytest.fixture(autouse=True)
def _empty_storage():
    """Files other tests left in the (process-wide, in-memory) storage would count here."""
    storage = _attachment_storage()
    try:
        folders, _files = storage.listdir("attachments")
    except FileNotFoundError:
        return
    for folder in folders:
        for name in storage.listdir(f"attachments/{folder}")[1]:
            storage.delete(f"attachments/{folder}/{name}")


class Rollback(Exception):
    pass


def store(report):
    prepared = prepare_upload(name="bukti.pdf", chunks=iter([PDF]), declared_size=len(PDF))
    return attachment_store(report=report, prepared=prepared, actor=None)


def orphan(report) -> str:
    """A file whose row an outer transaction rolled back."""
    try:
        with transaction.atomic():
            name = store(report).file.name
            raise Rollback
    except Rollback:
        pass
    return name


def folder_of(name: str) -> str:
    return name.split("/")[1]


def test_an_old_orphan_is_removed_and_a_kept_file_is_not():
    storage = _attachment_storage()
    report = ReportFactory()
    kept = store(report).file.name
    lost = orphan(report)
    assert storage.exists(lost)
    folders = {folder_of(kept), folder_of(lost)}

    fresh = orphans_sweep(folders=folders)
    assert (fresh.orphans, fresh.young, fresh.removed) == (0, 1, 0)
    assert storage.exists(lost)

    later = timezone.now() + dt.timedelta(days=1, minutes=1)
    counted = orphans_sweep(folders=folders, remove=False, now=later)
    assert (counted.files, counted.orphans, counted.removed) == (2, 1, 0)
    assert storage.exists(lost)
    removed = orphans_sweep(folders=folders, now=later)
    assert (removed.orphans, removed.removed) == (1, 1)
    assert not storage.exists(lost)
    assert storage.exists(kept)


def test_every_folder_is_swept_once_a_day():
    seen: list[str] = []
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    for minute in range(MINUTES_PER_DAY):
        seen += folders_for_minute(start + dt.timedelta(minutes=minute))
    assert sorted(seen) == sorted(all_folders())
    assert len(seen) == FOLDERS
    assert max(len(folders_for_minute(start + dt.timedelta(minutes=m))) for m in range(60)) == 46


def test_the_periodic_sweep_removes_orphans_of_its_minutes_folders():
    lost = orphan(ReportFactory())
    storage = _attachment_storage()
    minute = int(folder_of(lost), 16) % MINUTES_PER_DAY
    day = timezone.localtime(timezone.now()).replace(second=0, microsecond=0)
    when = day.replace(hour=minute // 60, minute=minute % 60) + dt.timedelta(days=2)
    with time_machine.travel(when - dt.timedelta(minutes=1)):
        assert sweep_run().orphan_files_removed == 0  # not this minute's folder
    assert storage.exists(lost)
    with time_machine.travel(when):
        assert sweep_run().orphan_files_removed == 1
    assert not storage.exists(lost)


def test_the_periodic_part_can_be_switched_off(settings):
    """While a backup is restored, files of rows not restored yet would look orphaned."""
    settings.ADUAN_ORPHAN_SWEEP = False
    assert folders_for_minute(timezone.now()) == []
    settings.ADUAN_ORPHAN_SWEEP = True
    assert len(folders_for_minute(timezone.now())) in (45, 46)


def test_the_command_counts_then_removes(capsys):
    lost = orphan(ReportFactory())
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        call_command("attachments_orphans")
        assert "1 without a row" in capsys.readouterr().out
        assert _attachment_storage().exists(lost)
        call_command("attachments_orphans", "--remove")
        assert "(1 removed)" in capsys.readouterr().out
    assert not _attachment_storage().exists(lost)


def test_a_file_deleted_after_the_listing_is_passed_over(monkeypatch):
    """Between the listing and the look at a file, the file can go: a young upload whose
    transaction rolled back is removed by its own ``attachments_discard``, or a second
    sweeper on another machine took the same folder. Neither stops the sweep."""
    storage = _attachment_storage()
    report = ReportFactory()
    lost = orphan(report)
    vanishing = orphan(report)
    listdir = storage.listdir

    def listdir_then_discard(path):
        listed = listdir(path)
        if f"{path}/{vanishing.rsplit('/', 1)[1]}" == vanishing:
            storage.delete(vanishing)
        return listed

    monkeypatch.setattr(storage, "listdir", listdir_then_discard)
    later = timezone.now() + dt.timedelta(days=2)
    tally = orphans_sweep(folders=sorted({folder_of(lost), folder_of(vanishing)}), now=later)
    assert (tally.files, tally.orphans, tally.removed) == (2, 1, 1)
    assert not storage.exists(lost)
