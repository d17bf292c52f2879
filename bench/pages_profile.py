"""Profile the server-rendered pages where people wait, at the bench database's size.

Each page is requested ``--repeat`` times through ``django.test.Client`` as the user who
reads it (settings ``base``, DEBUG off), after one warm-up request. The staff accounts
the bench database lacks are created inside a transaction that is rolled back at the
end, so nothing is written to it. Per page: CPU ms of this process per request
(``time.process_time``, PostgreSQL's own time excluded), queries per request and their
total wall time in ms; ``--profile`` adds cProfile's top functions for each page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench \
        .venv/bin/python bench/pages_profile.py --repeat 30 [--profile] [--only queue,inbox]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time

from _setup import django_setup


class Timer:
    """A ``connection.execute_wrapper`` that counts the statements and their wall time."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


def _users():
    """The readers of each page: a citizen with many reports, the national desk, the
    busiest agency's admin and an officer of a busy unit (created, rolled back later)."""
    from django.db.models import Count

    from aduan.accounts.models import Role, User
    from aduan.agencies.models import Agency
    from aduan.reports.models import Report

    heaviest = (
        Report.objects.filter(reporter__isnull=False)
        .values("reporter_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    citizen = User.objects.get(pk=heaviest["reporter_id"])
    top = (
        Report.objects.filter(agency__parent__isnull=True, agency__isnull=False)
        .values("agency_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    unit = (
        Report.objects.filter(agency__parent__isnull=False)
        .values("agency_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    desk = User.objects.create_user(
        email="pages-desk@bench.aduan.test",
        role=Role.NATIONAL_ADMIN,
        full_name="Desk",
        agency=Agency.objects.get(pk=top["agency_id"]),
    )
    admin = User.objects.create_user(
        email="pages-admin@bench.aduan.test",
        role=Role.AGENCY_ADMIN,
        full_name="Admin",
        agency=Agency.objects.get(pk=top["agency_id"]),
    )
    officer = User.objects.create_user(
        email="pages-unit@bench.aduan.test",
        role=Role.UNIT_OFFICER,
        full_name="Officer",
        agency=Agency.objects.get(pk=unit["agency_id"]),
    )
    return citizen, desk, admin, officer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="cProfile's top functions")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--chars", type=int, default=6000, help="of each profile printed")
    parser.add_argument("--only", default="", help="comma-separated page names")
    args = parser.parse_args()
    django_setup()

    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse

    from aduan.accounts.mfa import PASSED_SESSION_KEY
    from aduan.reports.models import Report, Status

    # The test client's host; not setup_test_environment(), which instruments rendering.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    assert not settings.DEBUG, "profile with DEBUG off"
    only = {name for name in args.only.split(",") if name}

    with transaction.atomic():
        citizen, desk, admin, officer = _users()
        queued = Report.objects.filter(status=Status.SUBMITTED).order_by("due_at", "id").first()
        public = (
            Report.objects.filter(status=Status.CLOSED, confidential=False)
            .order_by("-created_at")
            .first()
        )
        pages = [
            ("queue", desk, reverse("web:staff_queue")),
            ("inbox, busiest agency", admin, reverse("web:staff_inbox")),
            ("inbox, unit", officer, reverse("web:staff_inbox")),
            ("feed page 1", None, reverse("web:feed")),
            ("feed page 50", None, reverse("web:feed") + "?page=50"),
            ("my reports", citizen, reverse("web:my_reports")),
            ("tracking page", None, reverse("web:track_detail", args=[public.tracking_id])),
            ("staff report", desk, reverse("web:staff_report", args=[queued.tracking_id])),
        ]
        print(f"{'page':<24} {'CPU ms':>8} {'queries':>8} {'SQL ms':>8} {'wall ms':>8}")
        for name, user, url in pages:
            if only and not any(o in name for o in only):
                continue
            client = Client()
            if user is not None:
                client.force_login(user)
                session = client.session  # staff have proved a second factor (accounts.mfa)
                session[PASSED_SESSION_KEY] = str(user.pk)
                session.save()
            response = client.get(url)  # warm-up: template compilation, caches
            assert response.status_code == 200, (name, response.status_code)
            timer = Timer()
            cpu, wall = [], []
            profiler = cProfile.Profile() if args.profile else None
            with connection.execute_wrapper(timer):
                for _ in range(args.repeat):
                    c0, w0 = time.process_time(), time.perf_counter()
                    if profiler:
                        profiler.enable()
                    client.get(url)
                    if profiler:
                        profiler.disable()
                    cpu.append(time.process_time() - c0)
                    wall.append(time.perf_counter() - w0)
            print(
                f"{name:<24} {statistics.median(cpu) * 1000:8.1f} "
                f"{timer.count / args.repeat:8.1f} {timer.seconds * 1000 / args.repeat:8.1f} "
                f"{statistics.median(wall) * 1000:8.1f}",
                flush=True,
            )
            if profiler:
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
                stats.print_stats(args.top)
                out2 = io.StringIO()
                pstats.Stats(profiler, stream=out2).sort_stats("tottime").print_stats(args.top)
                print(out.getvalue()[-args.chars :])
                print(out2.getvalue()[-args.chars :])
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
