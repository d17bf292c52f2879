"""Attachment files with no row: found and removed, so a citizen's photo does not outlive
the report it was never part of.

How they arise: ``attachment_store`` writes the file, then the row, inside the caller's
transaction. When that transaction rolls back, the row is gone but the file stays.
``report_submit`` and the workflow remove the files of their own failures
(``attachments_discard``), but a rollback further out (a channel adapter's transaction
that fails after the report was written, a worker killed mid-transaction) cannot be seen
from inside.

How they are found: files live under ``attachments/<4 hex>/`` (``attachment_upload_to``),
65,536 folders. One folder is one storage listing and one query, so the work is cut by
folder: ``orphans_sweep(folders=…)`` takes any subset. The periodic sweep takes the
folders whose number ≡ the minute of the day (mod 1440), about 46 a minute: every folder
once a day, a bounded amount of work each minute, on a local disk and object storage
alike. ``manage.py attachments_orphans`` takes all of them at once.

What is removed: a file with no row and older than ``ORPHAN_AGE`` (a day). Younger files
may belong to a transaction still running (a large upload on a slow line). A file that
goes between the listing and the look at it (its upload rolled back and removed it, or
another sweeper took the same folder) is passed over.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.utils import timezone

from .attachments import _attachment_storage
from .models import Attachment

logger = logging.getLogger(__name__)

ROOT = "attachments"
FOLDERS = 16**4
ORPHAN_AGE = dt.timedelta(days=1)
MINUTES_PER_DAY = 24 * 60


@dataclasses.dataclass
class OrphanTally:
    folders: int = 0
    files: int = 0
    orphans: int = 0  # rowless and old enough
    removed: int = 0
    young: int = 0  # rowless but too recent to judge

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def folders_for_minute(now: dt.datetime) -> list[str]:
    """The folders the sweep looks at in ``now``'s minute: each folder once a day; none
    while ``ADUAN_ORPHAN_SWEEP`` is off."""
    if not settings.ADUAN_ORPHAN_SWEEP:
        return []
    local = timezone.localtime(now)
    minute = local.hour * 60 + local.minute
    return [f"{n:04x}" for n in range(minute, FOLDERS, MINUTES_PER_DAY)]


def all_folders() -> Iterator[str]:
    return (f"{n:04x}" for n in range(FOLDERS))


def orphans_sweep(
    *, folders: Iterable[str], remove: bool = True, now: dt.datetime | None = None
) -> OrphanTally:
    """Look in ``folders`` for files without an ``Attachment`` row; remove the old ones
    (``remove=False``: only count them)."""
    storage = _attachment_storage()
    cutoff = (now or timezone.now()) - ORPHAN_AGE
    tally = OrphanTally()
    for folder in folders:
        path = f"{ROOT}/{folder}"
        try:
            _dirs, files = storage.listdir(path)
        except FileNotFoundError:
            continue  # a folder nothing was ever written to
        tally.folders += 1
        if not files:
            continue
        names = [f"{path}/{name}" for name in files]
        tally.files += len(names)
        kept = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
        for name in names:
            if name in kept:
                continue
            try:
                modified = storage.get_modified_time(name)
            except FileNotFoundError:
                # Gone since the listing: a rolled-back upload's own discard, or another
                # sweeper on the same folder.
                continue
            if modified > cutoff:
                tally.young += 1
                continue
            tally.orphans += 1
            if remove:
                storage.delete(name)
                tally.removed += 1
                logger.info("attachments: removed orphan file %s", name)
    return tally
