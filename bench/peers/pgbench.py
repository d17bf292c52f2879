"""Raw PostgreSQL beside Aduan in the bench: pgbench on a report-shaped table.

`run_pgbench` creates the database `pgbench_bench` on the server of `admin_dsn` once,
fills its `report` table (the columns and the kind of indexes of Aduan's reports_report,
SQL in `pgbench_sql/`) with 1,000,000 rows by generate_series, then runs pgbench twice at
the given concurrency: a one-row insert (`insert.sql`) and a one-row select by the unique
tracking id (`select.sql`). Rows that earlier runs inserted are deleted first once they
exceed a tenth of the fill, so that runs compare like with like.

`python -m bench.peers.pgbench --seconds 5` runs it once and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SQL = Path(__file__).resolve().parent / "pgbench_sql"
DATABASE = "pgbench_bench"
ROWS = 1_000_000


def _dsn_with_database(dsn: str, database: str) -> str:
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{database}"))


def _tool(name: str) -> str:
    """The full path of a PostgreSQL client program (psql, pgbench) on PATH."""
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is not on PATH (Debian: apt-get install postgresql-client)")
    return path


def _psql(dsn: str, *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argv
        [
            _tool("psql"),
            "--no-psqlrc",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-At",
            "-d",
            dsn,
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def prepare(*, admin_dsn: str, rows: int = ROWS) -> str:
    """Create and fill the database once; trim rows left by earlier runs. Returns its DSN."""
    exists = _psql(admin_dsn, "-c", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")
    if not exists:
        _psql(admin_dsn, "-c", f"CREATE DATABASE {DATABASE}")
    dsn = _dsn_with_database(admin_dsn, DATABASE)
    ready = _psql(
        dsn,
        "-c",
        "SELECT to_regclass('bench_meta') IS NOT NULL AND to_regclass('report') IS NOT NULL",
    )
    filled = (
        _psql(dsn, "-c", "SELECT value FROM bench_meta WHERE key = 'rows'") if ready == "t" else ""
    )
    if filled != str(rows):
        _psql(dsn, "-f", str(SQL / "schema.sql"))
        _psql(dsn, "-v", f"rows={rows}", "-f", str(SQL / "fill.sql"))
        _psql(dsn, "-f", str(SQL / "indexes.sql"))
        _psql(dsn, "-c", "VACUUM ANALYZE report")
        _psql(
            dsn,
            "-c",
            f"INSERT INTO bench_meta VALUES ('rows', {rows})"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        )
        return dsn
    extra = int(_psql(dsn, "-c", f"SELECT count(*) FROM report WHERE id > {rows}"))
    if extra > rows // 10:
        _psql(dsn, "-c", f"DELETE FROM report WHERE id > {rows}")
        _psql(dsn, "-c", "VACUUM ANALYZE report")
    return dsn


def _parse(output: str) -> dict:
    tps = re.search(r"^tps = ([\d.]+) \(without initial connection time\)", output, re.M)
    latency = re.search(r"^latency average = ([\d.]+) ms", output, re.M)
    done = re.search(r"^number of transactions actually processed: (\d+)", output, re.M)
    failed = re.search(r"^number of failed transactions: (\d+)", output, re.M)
    if not (tps and latency):
        raise RuntimeError(f"unexpected pgbench output:\n{output}")
    return {
        "tps": float(tps.group(1)),
        "latency_ms": float(latency.group(1)),
        "transactions": int(done.group(1)) if done else None,
        "failed": int(failed.group(1)) if failed else 0,
    }


def _pgbench(dsn: str, script: str, *, clients: int, threads: int, seconds: int, rows: int) -> dict:
    result = subprocess.run(  # noqa: S603 - fixed argv
        [
            _tool("pgbench"),
            "-n",
            "-c",
            str(clients),
            "-j",
            str(threads),
            "-T",
            str(seconds),
            "-D",
            f"rows={rows}",
            "-f",
            str(SQL / script),
            dsn,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pgbench {script} failed:\n{result.stderr}{result.stdout}")
    return _parse(result.stdout)


def run_pgbench(
    *,
    admin_dsn: str = "postgres://postgres@127.0.0.1:5432/postgres",
    clients: int,
    threads: int,
    seconds: int,
    rows: int = ROWS,
) -> dict:
    """Insert, then select, at `clients` connections; tps and mean latency of each."""
    dsn = prepare(admin_dsn=admin_dsn, rows=rows)
    options = {"clients": clients, "threads": threads, "seconds": seconds, "rows": rows}
    return {
        "insert": _pgbench(dsn, "insert.sql", **options),
        "select": _pgbench(dsn, "select.sql", **options),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-dsn", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    started = time.monotonic()
    prepare(admin_dsn=args.admin_dsn)
    print(f"prepared in {time.monotonic() - started:.1f} s")
    result = run_pgbench(
        admin_dsn=args.admin_dsn, clients=args.clients, threads=args.threads, seconds=args.seconds
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
