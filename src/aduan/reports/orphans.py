"""Attachment files with no row: found and removed, so a citizen's photo does not outlive
the report it was never part of.

A rolled-back transaction keeps the file it wrote. The sweep lists a slice of the
``attachments/<4 hex>/`` folders each minute and removes files without a row older than
``ORPHAN_AGE``. How and why: docs/reports.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Q
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
        # A file or a thumbnail (``Attachment.thumbnail``) lives in these folders.
        rows = Attachment.every.filter(Q(file__in=names) | Q(thumbnail__in=names))
        kept = {name for pair in rows.values_list("file", "thumbnail") for name in pair}
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
