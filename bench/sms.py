#!/usr/bin/env python
"""SMS intake through a real Kannel: throughput (messages per second) and reply latency.

    .venv/bin/python bench/sms.py                      # PostgreSQL aduan_sms_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/other .venv/bin/python bench/sms.py

What runs: gunicorn with Aduan's own configuration (``aduan.config.gunicorn``,
``WEB_WORKERS`` workers, default 2 x cores + 1) on a free loopback port and the database
in ``DATABASE_URL`` (created and migrated if missing; the bench's reports stay in it);
bearerbox + smsbox started from ``deploy/kannel/kannel.conf`` exactly as the tests do;
Kannel's ``fakesmsc`` as the phones.

1. **Throughput**: for each ``-m COUNT -i INTERVAL`` pair, fakesmsc sends COUNT copies of
   an SMS (``LAPOR …``: a new report each, or ``CEK …``: a read); the rate is COUNT over
   the time from fakesmsc's first "sent" to its last reply. Every reply is checked (a
   tracking number), and the reports created are counted in the database.
2. **Latency**: one LAPOR every ``--latency-interval`` seconds; for each, the time from
   fakesmsc's "sent message N" to its "Got message N" (fakesmsc → bearerbox → smsbox →
   Aduan → smsbox → bearerbox → fakesmsc), read as the lines appear.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from aduan.channels.sms.tests import kannel as harness  # noqa: E402

TOKEN = "bench-token-0123456789"  # noqa: S105 - a loopback-only bench
COMPLAINT = "LAPOR Lampu jalan di Jalan Merdeka mati sejak dua minggu, rawan kecelakaan."


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--runs",
        default="200:0.01,500:0.005,500:0",
        help="comma-separated COUNT:INTERVAL for fakesmsc -m and -i",
    )
    parser.add_argument("--latency", type=int, default=40, help="messages for the latency run")
    parser.add_argument("--latency-interval", type=float, default=0.25)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    return parser.parse_args()


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aduan_sms_bench")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must be a PostgreSQL database")
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return url


def server_env(url: str, port: int, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADUAN_")}
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        PYTHONPATH=str(ROOT / "src"),
        ADUAN_VAR_DIR=tempfile.mkdtemp(prefix="aduan-sms-bench-"),
        ADUAN_SMS_INBOUND_TOKEN=TOKEN,
        ADUAN_SMS_RATE="1000000/h",
        ADUAN_LOG_LEVEL="WARNING",
        PORT=str(port),
        WEB_WORKERS=str(workers),
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, cwd=ROOT
    )


def report_count(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM reports_report").fetchone()[0]


class TimedPhones(harness.Phones):
    """fakesmsc, with the moment each "sent" and "Got" line was read."""

    def __init__(self, process):
        super().__init__(process)
        self.sent_at: dict[int, float] = {}
        self.got_at: dict[int, float] = {}

    def run(self, replies: int, timeout: float) -> None:
        import selectors

        deadline = time.monotonic() + timeout
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stderr, selectors.EVENT_READ)
            while len(self.got_at) < replies:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.got_at)} of {replies} replies")
                if not selector.select(timeout=min(left, 0.5)):
                    continue
                chunk = os.read(self.process.stderr.fileno(), 1 << 16)
                now = time.monotonic()
                if not chunk:
                    raise RuntimeError("fakesmsc ended")
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for raw in lines:
                    line = raw.decode("utf-8", "replace")
                    if match := re.search(r"sent message (\d+)", line):
                        self.sent_at[int(match.group(1))] = now
                    elif match := re.search(r"Got message (\d+): <(\S+) (\S+) (\S+) (.*)>", line):
                        self.got_at[int(match.group(1))] = now
                        self._take(*match.groups()[1:])


def fakesmsc(kannel: harness.Kannel, message: str, count: int, interval: float) -> TimedPhones:
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            harness.fakesmsc_path(),
            "-H",
            "127.0.0.1",
            "-r",
            str(kannel.smsc_port),
            "-i",
            str(interval),
            "-m",
            str(count),
            message,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return TimedPhones(process)


def run(kannel, message: str, count: int, interval: float) -> TimedPhones:
    phones = fakesmsc(kannel, message, count, interval)
    try:
        phones.run(count, timeout=60 + count * max(interval, 0.05) * 4)
    finally:
        phones.stop()
        kannel.wait_until(lambda status: not kannel.smsc_online(status), "fakesmsc gone")
    return phones


def main() -> None:
    args = parse_args()
    if not harness.available():
        sys.exit(harness.HINT)
    url = database_url()
    port = harness.free_port()
    env = server_env(url, port, args.workers)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "createcachetable")
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            "python:aduan.config.gunicorn",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,  # one access-log line per SMS
        stderr=subprocess.DEVNULL,
    )
    workdir = Path(tempfile.mkdtemp(prefix="kannel-bench-"))
    kannel = None
    try:
        harness._wait_for_port(port, timeout=30)
        kannel = harness.kannel_start(
            workdir=workdir, get_url=f"http://127.0.0.1:{port}/kanal/sms/masuk/", token=TOKEN
        )
        print(
            f"gunicorn: {args.workers} workers; PostgreSQL {url.rsplit('/', 1)[1]}; {os.cpu_count()} cores"
        )
        phones = run(kannel, f"081234567890 1708 text {COMPLAINT}", 5, 0.05)  # warm-up
        print("\nThroughput (fakesmsc -m COUNT -i INTERVAL, one sender)")
        print(f"{'command':8} {'-m':>5} {'-i':>6} {'seconds':>8} {'msg/s':>7} {'reports':>8}")
        for spec in args.runs.split(","):
            count, interval = int(spec.split(":")[0]), float(spec.split(":")[1])
            for label, text in (("LAPOR", COMPLAINT), ("CEK", None)):
                if text is None:  # the last report of the LAPOR run
                    tracking = re.search(r"[A-Z0-9]{10}", phones.replies[-1].text).group(0)
                    text = f"CEK {tracking}"
                before = report_count(url)
                phones = run(kannel, f"081234567890 1708 text {text}", count, interval)
                took = max(phones.got_at.values()) - min(phones.sent_at.values())
                created = report_count(url) - before
                assert all(re.search(r"[A-Z0-9]{10}", r.text) for r in phones.replies), "bad reply"
                print(
                    f"{label:8} {count:>5} {interval:>6} {took:>8.2f} {count / took:>7.1f} {created:>8}"
                )
        phones = run(
            kannel, f"081234567890 1708 text {COMPLAINT}", args.latency, args.latency_interval
        )
        latencies = sorted(
            (phones.got_at[n] - phones.sent_at[n]) * 1000
            for n in phones.got_at
            if n in phones.sent_at
        )
        print(
            f"\nReply latency, LAPOR one every {args.latency_interval} s ({len(latencies)} SMS): "
            f"median {statistics.median(latencies):.1f} ms, "
            f"p90 {latencies[int(len(latencies) * 0.9) - 1]:.1f} ms, max {latencies[-1]:.1f} ms"
        )
    finally:
        if kannel is not None:
            kannel.stop()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
