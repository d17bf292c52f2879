#!/usr/bin/env python
"""What one report submission costs: queries, their SQL, CPU, and where the CPU goes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench \\
        .venv/bin/python bench/submission_profile.py -n 200 [--web] [--profile] [--redis URL]

Submits ``-n`` reports through Django's test client, as production serves them (``DEBUG``
off, the base settings), either to ``POST /api/v1/reports`` with a citizen's API token or,
with ``--web``, through the web form as a signed-in citizen. Prints the median and p90 of
the queries, Redis round trips and process CPU per submission, the SQL of one submission grouped by shape,
and with ``--profile`` cProfile's top functions over all of them. The worker is not run;
what the request enqueues after its commit is (counted and timed). Everything runs in one
transaction that is rolled back at the end, so the database is left as it was; each
submission's own transaction is then a savepoint, whose pair of statements (BEGIN and
COMMIT in production, not counted there either) is left out of the count. The rate-limit
counters stay in the cache. ``--redis`` sets ``REDIS_URL`` (cache and rate limits in
Redis, as in production); without it the cache is the database's table.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup

BODY = (
    "Jalan di depan pasar berlubang besar sejak dua minggu, sudah ada dua pengendara motor "
    "yang jatuh di sana. Mohon segera diperbaiki sebelum musim hujan."
)


def _shape(sql: str) -> str:
    """The statement with its literals replaced, so that repeats group together."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    sql = re.sub(r"\(\?(, \?)*\)", "(…)", sql)
    return sql[:200]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=200, help="submissions to time")
    parser.add_argument("--warmup", type=int, default=20, help="untimed submissions first")
    parser.add_argument("--web", action="store_true", help="the web form instead of the API")
    parser.add_argument("--profile", action="store_true", help="cProfile's top functions")
    parser.add_argument("--redis", default="", help="REDIS_URL for the cache and rate limits")
    parser.add_argument("--top", type=int, default=30, help="cProfile rows to print")
    args = parser.parse_args()
    if args.redis:
        os.environ["REDIS_URL"] = args.redis
    # Nobody is limited here: the counters are still incremented, as in production.
    os.environ.setdefault("ADUAN_SUBMIT_RATE_USER", "1000000/h")
    os.environ.setdefault("ADUAN_SUBMIT_RATE_IP", "1000000/h")
    os.environ["ADUAN_DEBUG"] = "0"
    django_setup()

    from django.conf import settings
    from django.db import connection, transaction

    assert not settings.DEBUG
    with transaction.atomic():
        run(args, settings=settings, connection=connection)
        transaction.set_rollback(True)


def _after_commit(connection) -> None:
    """Run what the submission left for after its commit, as the outermost commit of a
    request does in production (here the outer transaction is never committed)."""
    callbacks, connection.run_on_commit = connection.run_on_commit, []
    for _savepoints, callback, _robust in callbacks:
        callback()


def _own_statements(captured: list[dict]) -> list[dict]:
    """The submission's statements without the savepoint pair of its own transaction (its
    BEGIN and COMMIT in production, which Django does not log)."""
    sql = [q["sql"] for q in captured]
    first = next((i for i, s in enumerate(sql) if s.startswith("SAVEPOINT ")), None)
    if first is None:
        return captured
    release = f"RELEASE SAVEPOINT {sql[first].split()[-1]}"
    drop = {first, *[i for i, s in enumerate(sql) if s == release][-1:]}
    return [q for i, q in enumerate(captured) if i not in drop]


def _count_redis_sends() -> list[None]:
    """A list that grows by one for each request this process sends to Redis (a
    pipeline's commands go in one)."""
    from redis.connection import AbstractConnection

    sends: list[None] = []
    send = AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):
        sends.append(None)
        return send(self, command, check_health)

    AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]
    return sends


def run(args, *, settings, connection) -> None:
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from aduan.accounts.models import Role, User
    from aduan.accounts.services import token_create
    from aduan.agencies.models import NON_RECEIVING_KINDS, Agency
    from aduan.categories.models import Category
    from aduan.regions.models import Region, RegionLevel

    email = f"bench-submit-{uuid.uuid4().hex[:8]}@example.id"
    user = User.objects.create_user(
        email=email, password=None, full_name="Bench Submit", role=Role.CITIZEN
    )
    user.emailaddress_set.create(email=email, verified=True, primary=True)
    _token, raw = token_create(user=user, name="bench")
    agency = (
        Agency.objects.filter(is_active=True, parent__isnull=True)
        .exclude(kind__in=NON_RECEIVING_KINDS)
        .order_by("pk")
        .first()
    )
    category = Category.objects.filter(is_active=True).order_by("pk").first()
    region = Region.objects.filter(level=RegionLevel.DISTRICT).order_by("-code").first()
    payload = {
        "classification": "complaint",
        "title": "Jalan berlubang di depan pasar",
        "body": BODY,
        "incident_date": "2026-01-05",
        "region_code": region.code if region else None,
        "agency_id": agency.pk if agency else None,
        "category_id": category.pk if category else None,
    }
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.1.2.3")
    if args.web:
        client.force_login(user)

    def submit(i: int) -> None:
        body = {**payload, "title": f"Jalan berlubang di depan pasar {i}"}
        if args.web:
            form = {k: v for k, v in body.items() if v is not None}
            code = form.pop("region_code", "")
            form.update(province=code[:2], regency=code[:5], district=code)
            response = client.post("/lapor/", form)
            ok = response.status_code == 302
        else:
            response = client.post(
                "/api/v1/reports",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}",
            )
            ok = response.status_code == 201
        if not ok:
            sys.exit(f"submission {i}: {response.status_code} {response.content[:600]!r}")
        _after_commit(connection)

    for i in range(args.warmup):
        submit(-i - 1)
    sends = _count_redis_sends()
    cpu, wall, queries = [], [], []
    shapes: Counter[str] = Counter()
    # CPU time, not wall time: the machine is shared, waits on PostgreSQL are not ours.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    for i in range(args.n):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            c0, w0 = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            submit(i)
            if profiler:
                profiler.disable()
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        own = _own_statements(captured.captured_queries)
        queries.append(len(own))
        if i == args.n - 1:
            shapes.update(_shape(q["sql"]) for q in own)

    def p(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))]

    where = "web form" if args.web else "API"
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"{args.n} submissions ({where}, cache {cache}, database {connection.vendor})")
    print(f"queries per submission: median {statistics.median(queries):.0f}, max {max(queries)}")
    print(f"Redis round trips per submission: {len(sends) / args.n:.2f}")
    print(
        f"CPU ms per submission (this process, client included): median "
        f"{statistics.median(cpu):.2f}, p90 {p(cpu, 0.9):.2f}; wall ms median "
        f"{statistics.median(wall):.2f}, p90 {p(wall, 0.9):.2f}"
    )
    print("\nSQL of the last submission, grouped:")
    for sql, count in shapes.most_common():
        print(f"{count:3d}  {sql}")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
