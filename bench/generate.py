#!/usr/bin/env python
"""Fill a PostgreSQL database with N realistic reports for benchmarks, fast.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench \\
        .venv/bin/python bench/generate.py --reports 1000000

Run it after ``manage.py migrate`` and ``manage.py load_directory``. It writes ~100k
citizens, N reports, their ``submitted`` events and the open deadlines of the open reports
with psycopg 3 ``COPY``, in one transaction: the secondary indexes and foreign keys of the
report, event and deadline tables are dropped first and re-created at the end (building an
index once is far quicker than updating it a million times), so a failure leaves the
database as it was. Then VACUUM (ANALYZE).

The workflow's columns are filled as the services would leave them: the agency a report
was disposed to, when it was responded to and closed, how many events its timeline would
have, and for open reports the deadlines their status runs on (verification; response and
completion; automatic closing), with ``due_at`` and ``is_overdue`` copied to the row as
the services do (about 8% of open reports overdue). The events are not chained (one
unchained ``submitted`` event per report): ``manage.py verify_audit`` does not apply to
data written by COPY.

Distributions: agencies weighted toward the regency/city governments and the big national
bodies (BPJS, PLN, Polri, ministries of social affairs, education, health…); the place is
a village (or district) inside the handling local government, anywhere for national
bodies; created_at over three years, denser lately, ids in submission order; the status
follows the age; ~5% confidential, ~15% anonymous; a few citizens write many reports,
most write one or two.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import string
import sys
import time
from array import array
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup

BENCH_DOMAIN = "bench.aduan.test"
CHUNK = 20_000  # rows per COPY write
_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"
JAKARTA = ZoneInfo("Asia/Jakarta")


def esc(value: str) -> str:
    return value.translate(_ESCAPE)


def ts(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(sep=" ")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000, help="default 1,000,000")
    parser.add_argument("--citizens", type=int, default=100_000, help="default 100,000")
    parser.add_argument("--years", type=float, default=3.0, help="span of created_at")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--truncate",
        action="store_true",
        help="Empty the report tables and remove earlier bench citizens first.",
    )
    args = parser.parse_args()
    if not 1 <= args.reports <= 50_000_000:
        parser.error("--reports must be between 1 and 50,000,000")
    if not 1 <= args.citizens <= 10_000_000:
        parser.error("--citizens must be between 1 and 10,000,000")
    if not 0.1 <= args.years <= 20:
        parser.error("--years must be between 0.1 and 20")
    return args


# --- what is in the directory -------------------------------------------------------------


class Directory:
    BIG_NATIONAL = (
        "bpjs-kesehatan", "pln", "polri", "kemensos", "kemendikdasmen", "kemenkes",
        "kemendagri", "atr-bpn", "kemenpu", "kemenhub", "bpjs-ketenagakerjaan", "kemenkeu",
        "kemenag", "kemnaker", "bgn", "kemenimipas",
    )  # fmt: skip

    def __init__(self, rng: random.Random) -> None:
        from aduan.agencies.models import Agency, AgencyKind
        from aduan.categories.models import Category
        from aduan.regions.models import Region, RegionLevel

        agencies = list(
            Agency.objects.filter(is_active=True).values(
                "id", "code", "kind", "region_id", "parent_id", "path", "timezone"
            )
        )
        if not any(a["kind"] in (AgencyKind.REGENCY, AgencyKind.CITY) for a in agencies):
            sys.exit("The directory is not loaded: run `manage.py load_directory` first.")
        self.categories = dict(Category.objects.filter(is_active=True).values_list("code", "id"))

        # Places: villages if loaded, else districts, grouped by regency and province.
        rows = list(
            Region.objects.filter(level__in=(RegionLevel.DISTRICT, RegionLevel.VILLAGE))
            .values_list("code", "level", "name")
            .iterator(chunk_size=20_000)
        )
        deepest = RegionLevel.VILLAGE if any(r[1] == RegionLevel.VILLAGE for r in rows) else 3
        self.places = [code for code, level, _ in rows if level == deepest]
        self.place_names = [name for _, level, name in rows if level == deepest][:5000]
        by_prefix: dict[str, list[str]] = defaultdict(list)
        for code in self.places:
            by_prefix[code[:5]].append(code)
            by_prefix[code[:2]].append(code)
        self.places_in = dict(by_prefix)

        # Agencies that receive reports, with weights.
        receiving = [
            a
            for a in agencies
            if a["kind"] not in (AgencyKind.NATIONAL_ADMIN, AgencyKind.OVERSIGHT)
        ]
        by_id = {a["id"]: a for a in agencies}
        self.timezone = {a["id"]: a["timezone"] for a in agencies}
        # The agency a report for a unit is disposed to: the nearest one above that is not
        # a unit (the services' ``disposed_agency``).
        self.desk: dict[int, int] = {}
        for agency in agencies:
            desk = agency
            while desk["kind"] == AgencyKind.UNIT and desk["parent_id"] in by_id:
                desk = by_id[desk["parent_id"]]
            self.desk[agency["id"]] = desk["id"]
        big_paths = [a["path"] for a in agencies if a["code"] in self.BIG_NATIONAL]
        local_kinds = (AgencyKind.PROVINCE, AgencyKind.REGENCY, AgencyKind.CITY)

        def root(agency):
            while agency["parent_id"] and agency["kind"] == AgencyKind.UNIT:
                agency = by_id[agency["parent_id"]]
            return agency

        groups: dict[str, list[dict]] = defaultdict(list)
        for agency in receiving:
            top = root(agency)
            if agency["kind"] in (AgencyKind.REGENCY, AgencyKind.CITY):
                groups["local"].append(agency)
            elif agency["kind"] == AgencyKind.PROVINCE:
                groups["province"].append(agency)
            elif top["kind"] in local_kinds:
                groups["local_unit"].append(agency)
            elif any(agency["path"].startswith(p) for p in big_paths):
                groups["big"].append(agency)
            else:
                groups["national"].append(agency)
        shares = {
            "local": 0.50,
            "province": 0.09,
            "local_unit": 0.04,
            "big": 0.30,
            "national": 0.07,
        }
        self.agency_ids: list[int] = []
        weights: list[float] = []
        for group, members in groups.items():
            # Within a group, a few agencies get most reports (a log-normal spread).
            raw = [rng.lognormvariate(0, 1.0) for _ in members]
            total = sum(raw)
            for agency, weight in zip(members, raw, strict=True):
                self.agency_ids.append(agency["id"])
                weights.append(shares[group] * weight / total)
        self.agency_cum = list(_accumulate(weights))
        # Where a report to this agency happens: inside its region, or anywhere.
        self.agency_places: dict[int, list[str]] = {}
        for agency in receiving:
            region = agency["region_id"] or (by_id[root(agency)["id"]]["region_id"])
            if root(agency)["kind"] in local_kinds and region:
                self.agency_places[agency["id"]] = self.places_in.get(
                    region[:5]
                ) or self.places_in.get(region[:2], self.places)


def _accumulate(values):
    total = 0.0
    for value in values:
        total += value
        yield total


# --- the workflow's columns -----------------------------------------------------------------

DAY = 86400.0
OVERDUE_SHARE = 0.10  # of the open reports whose deadlines are the agency's (~8% of all open)
KINDS = ("verification", "response", "completion", "autoclose")
AGENCY_KINDS = frozenset({"verification", "response", "completion"})
# Roughly how long each clock runs, in calendar days (to place its start).
SPAN_DAYS = {"verification": 4.2, "response": 7.0, "completion": 60.0, "autoclose": 14.0}
EVENTS = {
    "submitted": (1, 1), "on_hold": (2, 3), "archived": (2, 3), "dispositioned": (2, 3),
    "returned": (3, 4), "in_progress": (3, 6), "responded": (4, 7), "closed": (6, 10),
}  # fmt: skip


class Workflow:
    """What the services would have left on a report by now: its deadlines and dates."""

    def __init__(self, rng: random.Random, now: float, directory: Directory) -> None:
        from aduan.sla.policy import deadline_rule
        from aduan.sla.services import NATIONAL_TIMEZONE, calendar_current

        self.rng = rng
        self.now = now
        self.dir = directory
        self.calendar = calendar_current()
        self.rule = deadline_rule
        self.national_tz = NATIONAL_TIMEZONE
        self._due: dict[tuple, float] = {}
        # Collected for the deadline COPY after the reports: compact columns.
        self.report = array("q")
        self.kind = array("b")
        self.agency = array("q")
        self.start = array("d")
        self.due = array("d")
        self.classification = array("b")
        self.classifications: list[str] = []

    def due_at(self, kind: str, start: float, tz: str, classification: str) -> float:
        from aduan.sla.services import deadline_due

        day = dt.datetime.fromtimestamp(start, ZoneInfo(tz)).date()
        key = (kind, day, tz, classification)
        if key not in self._due:
            working, calendar = self.rule(kind, classification)
            self._due[key] = deadline_due(
                start=dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(tz)),
                working_days=working,
                calendar_days=calendar,
                tz=tz,
                calendar=self.calendar,
            ).timestamp()
        return self._due[key]

    def clock_start(self, created: float, kind: str, late: bool) -> float:
        """When the clock of ``kind`` started: recently enough to run still, or long
        enough ago to have run out (``late``, when the report is old enough for that)."""
        span = SPAN_DAYS[kind] * DAY
        latest_late = self.now - span - DAY / 2
        if late and created < latest_late:
            return self.rng.uniform(max(created, latest_late - 60 * DAY), latest_late)
        return max(created, self.now - self.rng.uniform(0, 0.9 * span))

    def columns(
        self, report_id: int, status: str, created: float, agency: int, requested: bool, cls: str
    ) -> tuple:
        """(disposed agency, due_at, is_overdue, responded_at, closed_at, event count,
        updated_at) for the row; the open deadlines are remembered for their own COPY."""
        rng, now = self.rng, self.now
        desk = self.dir.desk.get(agency, agency)
        disposed = NULL if status in ("submitted", "on_hold", "archived") else desk
        responded_at = closed_at = None
        starts: list[tuple[str, int, float]] = []  # (kind, agency or 0, start)
        late = rng.random() < OVERDUE_SHARE
        if status in ("submitted", "returned"):
            starts.append(("verification", 0, self.clock_start(created, "verification", late)))
        elif status in ("dispositioned", "in_progress"):
            start = self.clock_start(created, "response", late)
            starts += [("response", agency, start), ("completion", agency, start)]
        elif status == "responded":
            responded_at = max(created + 3600, now - rng.uniform(0, 13 * DAY))
            starts.append(("autoclose", agency, responded_at))
        elif status == "closed":
            responded_at = min(now - 7200, created + rng.uniform(1, 25) * DAY)
            closed_at = min(now - 3600, responded_at + rng.uniform(0.1, 14) * DAY)
        elif status == "archived":
            closed_at = min(now - 3600, created + rng.uniform(0.05, 15) * DAY)
        due_at, overdue = None, False
        for kind, deadline_agency, start in starts:
            tz = self.dir.timezone[deadline_agency] if deadline_agency else self.national_tz
            due = self.due_at(kind, start, tz, cls)
            self.report.append(report_id)
            self.kind.append(KINDS.index(kind))
            self.agency.append(deadline_agency)
            self.start.append(start)
            self.due.append(due)
            if cls not in self.classifications:
                self.classifications.append(cls)
            self.classification.append(self.classifications.index(cls))
            due_at = due if due_at is None else min(due_at, due)
            overdue = overdue or (kind in AGENCY_KINDS and due < now)
        low, high = EVENTS[status]
        events = 1 if status == "dispositioned" and requested else rng.randint(low, high)
        updated = max([created, responded_at or 0, closed_at or 0] + [s for *_, s in starts])
        return (
            disposed,
            NULL if due_at is None else ts(due_at),
            "t" if overdue else "f",
            NULL if responded_at is None else ts(responded_at),
            NULL if closed_at is None else ts(closed_at),
            events,
            ts(updated),
        )

    def deadline_lines(self, first_id: int, suffix: str):
        from aduan.sla.models import timezone_abbreviation

        # Indonesia's zones have no daylight saving: a fixed offset gives the local date.
        offsets: dict[str, float] = {}
        rules: dict[tuple, str] = {}
        for n in range(len(self.report)):
            kind, agency, start, due = (
                KINDS[self.kind[n]],
                self.agency[n],
                self.start[n],
                self.due[n],
            )
            tz = self.dir.timezone[agency] if agency else self.national_tz
            if tz not in offsets:
                offsets[tz] = dt.datetime.now(ZoneInfo(tz)).utcoffset().total_seconds()
            cls = self.classifications[self.classification[n]]
            key = (kind, tz, int((start + offsets[tz]) // DAY), cls)
            if key not in rules:
                working, calendar = self.rule(kind, cls)
                count, unit = (working, "hari kerja") if working else (calendar, "hari kalender")
                day = dt.date.fromordinal(dt.date(1970, 1, 1).toordinal() + key[2]).isoformat()
                rules[key] = (
                    f"{tz}\t{count} {unit} setelah {day} ({timezone_abbreviation(tz)})\t"
                    f"{working or NULL}\t{calendar or NULL}"
                )
            overdue_at = ts(due + 300) if kind in AGENCY_KINDS and due < self.now else NULL
            started = ts(start)
            yield (
                f"{first_id + n}\t{self.report[n]}\t{kind}\t{agency or NULL}\t{started}\t"
                f"{ts(due)}\t{rules[key]}\topen\t{overdue_at}\t{started}{suffix}\n"
            )


# --- texts --------------------------------------------------------------------------------


def text_pool(rng: random.Random, directory: Directory, size: int = 4000):
    """(title, body, category id, classification), escaped for COPY, from the demo topics."""
    from aduan.demo import content

    names = directory.place_names or ["Sukamaju"]
    topics = content.TOPICS
    weights = [t.weight for t in topics]
    pool = []
    for _ in range(size):
        topic = rng.choices(topics, weights=weights)[0]
        values = {
            "jalan": rng.choice(content.STREETS),
            "desa": rng.choice(names),
            "kecamatan": rng.choice(names),
            "wilayah": "Kabupaten " + rng.choice(names),
            "patokan": rng.choice(content.LANDMARKS),
            "durasi": rng.choice(content.DURATIONS),
            "hari": rng.choice(content.DAYS),
            "angka": rng.randrange(10, 60, 5),
            "angka2": rng.randint(2, 6),
            "rupiah": f"{rng.choice([50, 100, 250, 500]) * 1000:,}".replace(",", "."),
        }
        title = rng.choice(topic.titles).format(**values)[:150]
        body = rng.choice(topic.bodies).format(**values)
        category = directory.categories.get(topic.category)
        pool.append((esc(title), esc(body), category, topic.classification))
    return pool


# --- writing ------------------------------------------------------------------------------


class Table:
    """The columns COPY writes for a model: ours, plus any column another app added later,
    filled with its default (or NULL)."""

    def __init__(self, model, ours: list[str]):
        self.model = model
        self.name = model._meta.db_table
        fields = {f.column: f for f in model._meta.concrete_fields}
        missing = [c for c in ours if c not in fields]
        if missing:
            sys.exit(f"{self.name} has no column(s) {missing}: update bench/generate.py.")
        self.columns = list(ours)
        extra = []
        for column, field in fields.items():
            if column in ours:
                continue
            if field.has_default() and not field.unique:
                value = field.get_default()
                extra.append(
                    NULL
                    if value is None
                    else ("t" if value is True else "f" if value is False else esc(str(value)))
                )
            elif field.null:
                extra.append(NULL)
            elif field.empty_strings_allowed and field.get_default() == "":
                extra.append("")  # a text column without a default: Django writes ""
            else:
                sys.exit(
                    f"{self.name}.{column} is NOT NULL without a default: "
                    "bench/generate.py must be taught to fill it."
                )
            self.columns.append(column)
        self.suffix = ("\t" + "\t".join(extra)) if extra else ""

    def copy_sql(self) -> str:
        return f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN"


def copy_lines(cursor, table: Table, lines, total: int, label: str) -> None:
    from tqdm import tqdm

    with cursor.copy(table.copy_sql()) as copy, tqdm(total=total, unit=" rows", desc=label) as bar:
        buffer = io.StringIO()
        pending = 0
        for line in lines:
            buffer.write(line)
            pending += 1
            if pending == CHUNK:
                copy.write(buffer.getvalue().encode())
                buffer = io.StringIO()
                bar.update(pending)
                pending = 0
        if pending:
            copy.write(buffer.getvalue().encode())
            bar.update(pending)


def secondary_ddl(cursor, table: str) -> tuple[list[str], list[str]]:
    """Drop the table's indexes and constraints except the primary key and CHECKs; return
    the statements that re-create them (unique ones first, foreign keys last)."""
    cursor.execute(
        """
        SELECT conname, contype, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('u', 'f')
        """,
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [table],
    )
    indexes = cursor.fetchall()
    create_unique, create_index, create_fk = [], [], []
    for name, kind, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        statement = f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        (create_unique if kind == "u" else create_fk).append(statement)
    for name, definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
        create_index.append(definition)
    return create_unique + create_index, create_fk


def main() -> None:
    args = parse_args()
    django_setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from aduan.accounts.models import User
    from aduan.core.tracking import ALPHABET, LENGTH
    from aduan.demo import content
    from aduan.reports.models import Report, ReportEvent
    from aduan.sla.models import Deadline

    rng = random.Random(args.seed)
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = now - since
        return now

    directory = Directory(rng)
    pool = text_pool(rng, directory)
    t = lap("read directory, texts", started)

    report_table = Table(
        Report,
        [
            "id", "tracking_id", "classification", "title", "body", "incident_date",
            "region_id", "latitude", "longitude", "requested_agency_id", "agency_id",
            "category_id", "anonymous", "confidential", "channel", "reporter_id", "status",
            "created_at", "updated_at", "disposed_agency_id", "due_at", "is_overdue",
            "responded_at", "closed_at", "event_count", "audit_head",
        ],
    )  # fmt: skip
    event_table = Table(
        ReportEvent,
        [
            "id", "report_id", "actor_id", "actor_role", "actor_agency_id", "action",
            "from_status", "to_status", "note", "is_public", "ip_address", "created_at",
            "seq", "prev_hash", "hash",
        ],
    )  # fmt: skip
    deadline_table = Table(
        Deadline,
        [
            "id", "report_id", "kind", "agency_id", "starts_at", "due_at", "timezone", "rule",
            "working_days", "calendar_days", "state", "overdue_at", "created_at",
        ],
    )  # fmt: skip
    user_table = Table(
        User,
        [
            "id", "password", "last_login", "is_superuser", "email", "full_name", "phone",
            "nik", "language", "role", "agency_id", "is_staff", "is_active", "date_joined",
        ],
    )  # fmt: skip

    now = timezone.now().timestamp()
    span = args.years * 365.25 * 86400
    category_ids = list(directory.categories.values())

    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg 3 cursor, for COPY
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        # Check foreign keys as rows are written, not at commit: ALTER TABLE is refused on
        # a table with pending (deferred) trigger events, and the report tables' keys are
        # dropped and re-added below while they point at accounts_user.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        existing = Report.objects.exists()
        if existing and not args.truncate:
            sys.exit("There are reports already: pass --truncate to replace them.")
        if args.truncate:
            # CASCADE empties what hangs off the reports too (deadlines, notifications,
            # followers, ratings, attachments).
            cursor.execute(
                f"TRUNCATE {event_table.name}, {report_table.name} RESTART IDENTITY CASCADE"
            )
            # bench/sweep.py's staff have verified e-mail addresses (allauth's table).
            cursor.execute(
                "DELETE FROM account_emailaddress WHERE user_id IN "
                f"(SELECT id FROM {user_table.name} WHERE email LIKE %s)",
                ["%@" + BENCH_DOMAIN],
            )
            cursor.execute(
                f"DELETE FROM {user_table.name} WHERE email LIKE %s", ["%@" + BENCH_DOMAIN]
            )
            t = lap("truncate", t)

        # Drop what would be updated a million times; it is rebuilt once at the end.
        indexes, foreign_keys = [], []
        for table in (report_table.name, event_table.name, deadline_table.name):
            created_indexes, created_fks = secondary_ddl(cursor, table)
            indexes += created_indexes
            foreign_keys += created_fks

        # Citizens.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {user_table.name}")
        first_user = cursor.fetchone()[0] + 1
        hexdigits = string.hexdigits[:16]

        def user_lines():
            for n in range(args.citizens):
                joined = now - span - rng.uniform(0, 86400 * 90)
                name = f"{rng.choice(content.FIRST_NAMES)} {rng.choice(content.LAST_NAMES)}"
                phone = f"+628{rng.randint(11, 59)}{rng.randint(10_000_000, 99_999_999)}"
                unusable = "!" + "".join(rng.choices(hexdigits, k=40))
                yield (
                    f"{first_user + n}\t{unusable}\t{NULL}\tf\tbench{n}@{BENCH_DOMAIN}\t"
                    f"{name}\t{phone}\t\tid\tcitizen\t{NULL}\tf\tt\t{ts(joined)}"
                    f"{user_table.suffix}\n"
                )

        copy_lines(cursor, user_table, user_lines(), args.citizens, "citizens")
        t = lap("copy citizens", t)

        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {report_table.name}")
        first_report = cursor.fetchone()[0] + 1

        # Remember what the events need, compactly.
        reporters = array("q")
        created = array("d")
        dispositioned = bytearray()
        seen_ids: set[str] = set()

        def status_for(age_days: float) -> str:
            roll = rng.random()
            if age_days < 3:
                table = (
                    (0.35, "submitted"),
                    (0.75, "dispositioned"),
                    (0.95, "in_progress"),
                    (1, "on_hold"),
                )
            elif age_days < 30:
                table = (
                    (0.05, "submitted"), (0.30, "dispositioned"), (0.70, "in_progress"),
                    (0.90, "responded"), (0.94, "on_hold"), (0.97, "returned"), (1, "archived"),
                )  # fmt: skip
            elif age_days < 180:
                table = (
                    (0.05, "dispositioned"), (0.25, "in_progress"), (0.50, "responded"),
                    (0.90, "closed"), (0.96, "archived"), (0.98, "returned"), (1, "on_hold"),
                )  # fmt: skip
            else:
                table = (
                    (0.80, "closed"),
                    (0.92, "archived"),
                    (0.97, "responded"),
                    (1, "in_progress"),
                )
            for bound, status in table:
                if roll < bound:
                    return status
            return table[-1][1]

        no_agency = {"submitted", "on_hold", "archived", "returned"}
        workflow = Workflow(rng, now, directory)
        open_statuses = {
            "submitted", "on_hold", "dispositioned", "returned", "in_progress", "responded",
        }  # fmt: skip
        open_reports = overdue_reports = 0
        channels = (
            ["web"] * 50 + ["api"] * 30 + ["sms"] * 8 + ["email"] * 6 + ["x"] * 5 + ["open311"]
        )

        def report_lines():
            nonlocal open_reports, overdue_reports
            agency_ids, agency_cum = directory.agency_ids, directory.agency_cum
            # Ids grow with submission, as the database assigns them: oldest first.
            ages = sorted((span * rng.random() ** 1.6 for _ in range(args.reports)), reverse=True)
            for n in range(args.reports):
                report_id = first_report + n
                tracking = "".join(rng.choices(ALPHABET, k=LENGTH))
                while tracking in seen_ids:
                    tracking = "".join(rng.choices(ALPHABET, k=LENGTH))
                seen_ids.add(tracking)
                age = ages[n]  # denser lately
                created_at = now - age
                status = status_for(age / 86400)
                agency = rng.choices(agency_ids, cum_weights=agency_cum)[0]
                places = directory.agency_places.get(agency, directory.places)
                region = rng.choice(places) if rng.random() < 0.93 else NULL
                handling = NULL if status in no_agency else agency
                requested = agency if status != "submitted" and rng.random() < 0.4 else NULL
                if status in ("submitted", "on_hold", "archived"):
                    requested = NULL
                title, body, category, classification = rng.choice(pool)
                if rng.random() < 0.25 and category_ids:
                    category = rng.choice(category_ids)
                reporter = first_user + int(args.citizens * rng.random() ** 2.2)
                if rng.random() < 0.2:
                    lat = f"{rng.uniform(-8.5, 5.5):.6f}"
                    lon = f"{rng.uniform(95.5, 140.5):.6f}"
                else:
                    lat = lon = NULL
                incident = (
                    dt.datetime.fromtimestamp(created_at - rng.randint(0, 14) * 86400, JAKARTA)
                    .date()
                    .isoformat()
                    if rng.random() < 0.4
                    else NULL
                )
                disposed, due_at, overdue, responded_at, closed_at, events, updated_at = (
                    workflow.columns(
                        report_id, status, created_at, agency, requested != NULL, classification
                    )
                )
                open_reports += status in open_statuses
                overdue_reports += overdue == "t"
                reporters.append(reporter)
                created.append(created_at)
                dispositioned.append(requested != NULL)
                yield (
                    f"{report_id}\t{tracking}\t{classification}\t{title}\t{body}\t{incident}\t"
                    f"{region}\t{lat}\t{lon}\t{requested}\t{handling}\t"
                    f"{NULL if category is None else category}\t"
                    f"{'t' if rng.random() < 0.15 else 'f'}\t{'t' if rng.random() < 0.05 else 'f'}\t"
                    f"{rng.choice(channels)}\t{reporter}\t{status}\t{ts(created_at)}\t{updated_at}\t"
                    f"{disposed}\t{due_at}\t{overdue}\t{responded_at}\t{closed_at}\t{events}\t"
                    f"{report_table.suffix}\n"
                )

        copy_lines(cursor, report_table, report_lines(), args.reports, "reports")
        seen_ids.clear()
        t = lap("copy reports", t)

        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {event_table.name}")
        first_event = cursor.fetchone()[0] + 1

        def event_lines():
            for n in range(args.reports):
                to_status = "dispositioned" if dispositioned[n] else "submitted"
                yield (
                    f"{first_event + n}\t{first_report + n}\t{reporters[n]}\tcitizen\t{NULL}\t"
                    f"submitted\t\t{to_status}\t\tt\t{NULL}\t{ts(created[n])}\t1\t\t"
                    f"{event_table.suffix}\n"
                )

        copy_lines(cursor, event_table, event_lines(), args.reports, "events")
        t = lap("copy events", t)

        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {deadline_table.name}")
        first_deadline = cursor.fetchone()[0] + 1
        deadlines = len(workflow.report)
        copy_lines(
            cursor,
            deadline_table,
            workflow.deadline_lines(first_deadline, deadline_table.suffix),
            deadlines,
            "deadlines",
        )
        t = lap("copy deadlines", t)

        from tqdm import tqdm

        for statement in tqdm(indexes, desc="indexes", unit=" idx"):
            cursor.execute(statement)
        t = lap("create indexes", t)
        for statement in tqdm(foreign_keys, desc="foreign keys", unit=" fk"):
            cursor.execute(statement)
        t = lap("add foreign keys", t)
        for table in (user_table.name, report_table.name, event_table.name, deadline_table.name):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
    t = lap("commit", t)
    # VACUUM as well: it sets the visibility map, as autovacuum would have on a live
    # database, so the plans (index-only scans) are the ones production would get.
    with connection.cursor() as cursor:
        for table in (user_table.name, report_table.name, event_table.name, deadline_table.name):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        # The directory was just loaded too: without statistics the planner takes the
        # 90,000 regions for a few hundred and hash-joins all of them into staff lists.
        for table in ("regions_region", "agencies_agency", "categories_category"):
            cursor.execute(f"ANALYZE {table}")
    t = lap("vacuum analyze", t)

    total = time.perf_counter() - started
    print(
        f"\n{args.reports:,} reports ({open_reports:,} open, {overdue_reports:,} of them "
        f"overdue), {args.reports:,} events, {deadlines:,} open deadlines, "
        f"{args.citizens:,} citizens"
    )
    for name, seconds in timings.items():
        print(f"  {name:<22} {seconds:8.1f} s")
    print(f"  {'total':<22} {total:8.1f} s")


if __name__ == "__main__":
    main()
