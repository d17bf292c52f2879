"""CPU time of the processes under test, from /proc/<pid>/stat.

- The web server: its master's own and reaped children's time (``cutime``/``cstime``: a
  worker recycled by ``max_requests`` hands its time to the master when it is reaped)
  plus each live worker's. That sum only grows, so its difference over a run is exact to
  a clock tick.
- PostgreSQL: the backends whose ``application_name`` marks them as the server's (or any
  chosen set), sampled every ``interval`` seconds; a backend that exits between two
  samples loses at most one interval of its time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def stat_times(text: str) -> tuple[int, int, int, int]:
    """utime, stime, cutime, cstime (clock ticks) from the text of /proc/<pid>/stat. The
    command name (field 2) is in parentheses and may hold spaces: split after its ')'."""
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state): utime is field 14.
    return int(fields[11]), int(fields[12]), int(fields[13]), int(fields[14])


def read_times(pid: int) -> tuple[int, int, int, int] | None:
    try:
        return stat_times(Path(f"/proc/{pid}/stat").read_text())
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return None


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (/proc/<pid>/task/*/children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def tree_ticks(master: int) -> int:
    """All CPU the master and its workers have used so far, reaped workers included."""
    own = read_times(master)
    if own is None:
        return 0
    total = sum(own)
    for child in children(master):
        times = read_times(child)
        if times is not None:
            total += times[0] + times[1] + times[2] + times[3]
    return total


class Sampler:
    """Samples the CPU ticks of the pids ``pids()`` returns, in a thread, and sums each
    pid's growth since the start (a pid that appears later counts from zero)."""

    def __init__(self, pids: Callable[[], list[int]], *, interval: float = 0.25) -> None:
        self.pids = pids
        self.interval = interval
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self, *, initial: bool = False) -> None:
        for pid in self.pids():
            times = read_times(pid)
            if times is None:
                continue
            ticks = times[0] + times[1]
            if pid not in self.first:
                self.first[pid] = ticks if initial else 0
            self.last[pid] = ticks

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> None:
        self._sample(initial=True)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> float:
        """Seconds of CPU used by the sampled pids since ``start``."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        return sum(self.last[pid] - self.first[pid] for pid in self.last) / TICK


def parent(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return int(text[text.rindex(")") + 2 :].split()[1])


class TreeMeter:
    """CPU seconds of server processes (a gunicorn master and its workers) between
    ``start`` and ``stop``: the trees rooted at the given pids that no other given pid is
    the parent of."""

    def __init__(self, pids: list[int]) -> None:
        given = set(pids)
        self.roots = [p for p in pids if parent(p) not in given]
        self.begin = 0

    def _ticks(self) -> int:
        return sum(tree_ticks(root) for root in self.roots)

    def start(self) -> None:
        self.begin = self._ticks()

    def stop(self) -> float:
        return (self._ticks() - self.begin) / TICK


def workers_memory_mb(master: int) -> list[dict]:
    """Each live worker's resident memory in MB: ``rss`` (shared pages counted in full) and
    ``pss`` (shared pages split among the processes sharing them: what a worker adds)."""
    found = []
    for pid in children(master):
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        kb = {
            line.split(":")[0]: int(line.split()[1])
            for line in text.splitlines()
            if line.startswith(("Rss:", "Pss:"))
        }
        found.append({"rss": kb.get("Rss", 0) / 1024, "pss": kb.get("Pss", 0) / 1024})
    return found
