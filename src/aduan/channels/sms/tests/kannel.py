"""A real Kannel on loopback for the tests and the benchmark: bearerbox and smsbox started
from deploy/kannel/kannel.conf with free ports, a scratch directory and a get-url aimed at
a live Aduan; Kannel's own fakesmsc plays the phones.

Only processes started here are stopped here, by their process ids. Every wait polls
with a deadline; nothing sleeps for a fixed time to let something happen.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote_plus, unquote_to_bytes

REPO_ROOT = Path(__file__).resolve().parents[5]
CONFIG = REPO_ROOT / "deploy" / "kannel" / "kannel.conf"
FAKESMSC_PATHS = ("/usr/lib/kannel/test/fakesmsc", "/usr/local/lib/kannel/test/fakesmsc")
HINT = "install Kannel: apt-get install -y kannel kannel-extras (bearerbox, smsbox, fakesmsc)"

_GROUP = re.compile(r"^group\s*=\s*(\S+)\s*$")
_SETTING = re.compile(r"^([a-z0-9-]+)\s*=\s*(.*)$")
_GOT = re.compile(r"Got message (\d+): <(\S+) (\S+) (\S+) (.*)>\s*$")
_SENT = re.compile(r"fakesmsc: sent message (\d+)")


def fakesmsc_path() -> str | None:
    for path in FAKESMSC_PATHS:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("fakesmsc")


def available() -> bool:
    return bool(shutil.which("bearerbox") and shutil.which("smsbox") and fakesmsc_path())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render_config(source: str, overrides: dict[tuple[str, str], str]) -> str:
    """``source`` with the value of each ``(group, key)`` in ``overrides`` replaced; the
    first uncommented group of that name is meant. Every override must find its line."""
    lines, group, applied, seen = [], "", set(), set()
    for line in source.splitlines():
        stripped = line.strip()
        if match := _GROUP.match(stripped):
            group = match.group(1)
            if group in seen:
                group = f"{group}#again"
            seen.add(group)
        elif (match := _SETTING.match(stripped)) and (group, match.group(1)) in overrides:
            key = match.group(1)
            line = f"{key} = {overrides[group, key]}"
            applied.add((group, key))
        lines.append(line)
    missing = set(overrides) - applied
    if missing:
        raise ValueError(f"not in the Kannel configuration: {sorted(missing)}")
    return "\n".join(lines) + "\n"


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


@dataclass
class Reply:
    """One SMS as a phone shows it (concatenated parts joined)."""

    sender: str
    receiver: str
    text: str
    parts: int = 1


@dataclass
class Phones:
    """One fakesmsc: it sends its messages, then prints every SMS Kannel hands it."""

    process: subprocess.Popen
    replies: list[Reply] = field(default_factory=list)
    sent: int = 0
    _buffer: bytes = b""
    _pending: dict[tuple[str, int], dict[int, str]] = field(default_factory=dict)

    def _take(self, sender: str, receiver: str, kind: str, text: str) -> None:
        if kind != "udh":
            self.replies.append(Reply(sender, receiver, text))
            return
        # "<url-encoded UDH> data <url-encoded text>"; a concatenation header is
        # 05 00 03 <reference> <parts> <this part>.
        raw_udh, _label, data = text.split(" ", 2)
        udh = unquote_to_bytes(raw_udh)
        if len(udh) < 6 or udh[1] != 0:
            self.replies.append(Reply(sender, receiver, unquote_plus(data)))
            return
        reference, total, number = udh[3], udh[4], udh[5]
        parts = self._pending.setdefault((receiver, reference), {})
        parts[number] = unquote_plus(data)
        if len(parts) == total:
            del self._pending[receiver, reference]
            joined = "".join(parts[n] for n in sorted(parts))
            self.replies.append(Reply(sender, receiver, joined, parts=total))

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Reply]:
        """Read fakesmsc's log until ``count`` SMS arrived; fail after ``timeout`` s."""
        self._read_until(lambda: len(self.replies) >= count, timeout, f"{count} SMS")
        return self.replies[:count]

    def wait_sent(self, count: int, timeout: float = 20.0) -> None:
        """Until fakesmsc has handed ``count`` messages to bearerbox."""
        self._read_until(lambda: self.sent >= count, timeout, f"{count} sent")

    def _read_until(self, done, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stderr, selectors.EVENT_READ)
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"fakesmsc: no {what} in {timeout} s; sent {self.sent}, got "
                        f"{[r.text for r in self.replies]}"
                    )
                if not selector.select(timeout=min(left, 0.5)):
                    continue
                chunk = os.read(self.process.stderr.fileno(), 65536)
                if not chunk:
                    raise RuntimeError(f"fakesmsc ended (exit {self.process.poll()})")
                self._buffer += chunk
                *lines, self._buffer = self._buffer.split(b"\n")
                for raw in lines:
                    line = raw.decode("utf-8", "replace")
                    if match := _GOT.search(line):
                        self._take(*match.groups()[1:])
                    elif match := _SENT.search(line):
                        self.sent = max(self.sent, int(match.group(1)))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        if self.process.stderr:
            self.process.stderr.close()


@dataclass
class Kannel:
    workdir: Path
    admin_port: int
    smsc_port: int
    sendsms_port: int
    admin_password: str
    sendsms_password: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def status(self) -> str:
        url = f"http://127.0.0.1:{self.admin_port}/status.txt?password={self.admin_password}"
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()

    def wait_until(self, predicate, what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args[0]} ended: {self.logs()}")
            with contextlib.suppress(OSError):
                last = self.status()
                if predicate(last):
                    return
            time.sleep(0.05)
        raise TimeoutError(f"Kannel: {what} did not happen in {timeout} s:\n{last}")

    def smsc_online(self, status: str | None = None) -> bool:
        """Whether a fakesmsc is connected to the fake SMS centre."""
        return bool(re.search(r"fake\[fake\].*\(online", status or self.status()))

    def phones(self, *messages: str, count: int | None = None, interval: float = 0.05) -> Phones:
        """Start a fakesmsc that sends ``count`` SMS drawn from ``messages`` (format:
        "sender receiver text the words"); ``count=0`` only listens."""
        count = len(messages) if count is None else count
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                fakesmsc_path(),
                "-H",
                "127.0.0.1",
                "-r",
                str(self.smsc_port),
                "-i",
                str(interval),
                "-m",
                str(count),
                *(messages or ("0 0 text -",)),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        return Phones(process)

    def exchange(self, message: str, *, replies: int = 1, timeout: float = 20.0) -> list[Reply]:
        """Send one SMS and return the ``replies`` SMS that come back."""
        phones = self.phones(message)
        try:
            return phones.wait_for(replies, timeout=timeout)
        finally:
            phones.stop()
            # The next fakesmsc must find the fake SMS centre free again.
            self.wait_until(lambda status: not self.smsc_online(status), "fakesmsc gone")

    def sendsms(self, *, to: str, text: str, user: str = "aduan", password: str | None = None):
        query = (
            f"username={quote(user)}&password={quote(password or self.sendsms_password)}"
            f"&from=1708&to={quote(to)}&text={quote(text)}"
        )
        with urllib.request.urlopen(f"{self.sendsms_url}?{query}", timeout=5) as response:  # noqa: S310
            return response.status, response.read().decode()

    def logs(self) -> str:
        out = []
        for name in ("bearerbox.out", "smsbox.out", "bearerbox.log", "smsbox.log"):
            path = self.workdir / name
            if path.exists():
                out.append(f"--- {name}\n" + path.read_text(errors="replace")[-3000:])
        return "\n".join(out)

    def stop(self) -> None:
        # smsbox first, so that bearerbox does not queue for a box that is going away.
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.processes.clear()


def kannel_start(*, workdir: Path, get_url: str, token: str) -> Kannel:
    """bearerbox + smsbox from the shipped configuration, on free loopback ports, with
    ``get_url`` (its query: ``?token=…&from=%p&to=%P&text=%a&id=%I``) as the sms-service."""
    workdir.mkdir(parents=True, exist_ok=True)
    kannel = Kannel(
        workdir=workdir,
        admin_port=free_port(),
        smsc_port=free_port(),
        sendsms_port=free_port(),
        admin_password="admin-" + token[:8],
        sendsms_password="sendsms-" + token[:8],
    )
    smsbox_port = free_port()
    store = workdir / "store"
    config = render_config(
        CONFIG.read_text(),
        {
            ("core", "admin-port"): str(kannel.admin_port),
            ("core", "admin-password"): _quoted(kannel.admin_password),
            ("core", "smsbox-port"): str(smsbox_port),
            ("core", "log-file"): _quoted(str(workdir / "bearerbox.log")),
            ("core", "access-log"): _quoted(str(workdir / "access.log")),
            ("core", "store-location"): _quoted(str(store)),
            ("smsc", "port"): str(kannel.smsc_port),
            ("smsbox", "bearerbox-port"): str(smsbox_port),
            ("smsbox", "sendsms-port"): str(kannel.sendsms_port),
            ("smsbox", "log-file"): _quoted(str(workdir / "smsbox.log")),
            ("smsbox", "access-log"): _quoted(str(workdir / "smsbox-access.log")),
            ("sms-service", "get-url"): _quoted(
                f"{get_url}?token={token}&from=%p&to=%P&text=%a&id=%I"
            ),
            ("sendsms-user", "password"): _quoted(kannel.sendsms_password),
        },
    )
    path = workdir / "kannel.conf"
    path.write_text(config)
    try:
        for box in ("bearerbox", "smsbox"):
            with open(workdir / f"{box}.out", "wb") as out:
                kannel.processes.append(
                    subprocess.Popen(  # noqa: S603 - fixed argv
                        [shutil.which(box), str(path)],
                        cwd=workdir,
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            if box == "bearerbox":
                kannel.wait_until(lambda status: "Status: running" in status, "bearerbox up")
        kannel.wait_until(
            lambda status: re.search(r"^\s+smsbox:", status, re.MULTILINE), "smsbox connected"
        )
        _wait_for_port(kannel.sendsms_port)
    except BaseException:
        kannel.stop()
        raise
    return kannel


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")
