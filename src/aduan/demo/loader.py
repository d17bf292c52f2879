"""Demo data: one signed-in account per role, and a few hundred reports to look at.

Everything the demo creates hangs off accounts in ``DEMO_DOMAIN``; ``demo_delete`` removes
exactly that (and the files of its attachments), nothing else. Reports are submitted
through ``report_submit`` like any other. Until the workflow services exist, the later
statuses are set directly here with one ``ReportEvent`` per step, as those services will
write them; then the timestamps are spread over the last six months.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from PIL import Image, ImageDraw

from aduan.accounts.models import Role, User
from aduan.agencies.models import Agency, AgencyKind
from aduan.categories.models import Category
from aduan.regions.models import Region, RegionLevel
from aduan.reports.attachments import PreparedFile, attachments_discard, prepare_upload
from aduan.reports.models import Attachment, Channel, Report, ReportEvent, Status
from aduan.reports.services import report_submit

from . import content
from .content import TOPICS, DemoAccount, Topic

DEMO_DOMAIN = "demo.aduan.test"
# Published in the README on purpose: demo accounts only (load_demo refuses production).
DEMO_PASSWORD = "aduan-demo-2025"  # noqa: S105
DEFAULT_REPORTS = 300
DEFAULT_SEED = 1708

D = DEMO_DOMAIN
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("citizen", Role.CITIZEN, f"warga@{D}", "Siti Rahmawati", phone="+6281234560001"),
    DemoAccount("citizen2", Role.CITIZEN, f"warga2@{D}", "Budi Santoso", phone="+6281234560002"),
    DemoAccount(
        "national_admin",
        Role.NATIONAL_ADMIN,
        f"admin.nasional@{D}",
        "Rahmat Hidayat",
        "kemenpanrb-admin",
        is_staff=True,
    ),
    DemoAccount(
        "ministry_admin",
        Role.AGENCY_ADMIN,
        f"admin.kemenkes@{D}",
        "Wulan Permana",
        "kemenkes",
        is_staff=True,
    ),
    DemoAccount(
        "ministry_officer",
        Role.UNIT_OFFICER,
        f"petugas.kemenkes@{D}",
        "Hendra Gunawan",
        "kemenkes-yankes",
    ),
    DemoAccount(
        "province_admin", Role.AGENCY_ADMIN, f"admin.jabar@{D}", "Asep Saputra", "prov-32", True
    ),
    DemoAccount(
        "province_officer",
        Role.UNIT_OFFICER,
        f"petugas.dinkes.jabar@{D}",
        "Neneng Suryani",
        "jabar-dinkes",
    ),
    DemoAccount(
        "city_admin",
        Role.AGENCY_ADMIN,
        f"admin.bandung@{D}",
        "Dedi Kurniawan",
        "kota-32.73",
        is_staff=True,
    ),
    DemoAccount(
        "city_officer",
        Role.UNIT_OFFICER,
        f"petugas.disdukcapil.bandung@{D}",
        "Intan Lestari",
        "bandung-disdukcapil",
    ),
    DemoAccount("oversight", Role.OVERSIGHT, f"ombudsman@{D}", "Yohanes Manurung", "ombudsman"),
)

# Agencies the demo needs from the directory, and the units it creates when the directory
# has none (code: parent code, name, short name, region code).
REQUIRED_AGENCIES = ("kemenpanrb-admin", "ombudsman", "kemenkes", "prov-32", "kota-32.73")
DEMO_UNITS = {
    "kemenkes-yankes": (
        "kemenkes",
        "Direktorat Jenderal Kesehatan Lanjutan",
        "Ditjen Kesehatan Lanjutan",
        None,
    ),
    "jabar-dinkes": ("prov-32", "Dinas Kesehatan Provinsi Jawa Barat", "Dinkes Jabar", "32"),
    "bandung-disdukcapil": (
        "kota-32.73",
        "Dinas Kependudukan dan Pencatatan Sipil Kota Bandung",
        "Disdukcapil Kota Bandung",
        "32.73",
    ),
}

# Reports aimed at the demo staff's own agencies, so that every inbox has something in it:
# (share of all reports, agency codes (first preferred), topic keys, regency or province).
SPOTLIGHTS = (
    (0.10, ("kemenkes-yankes", "kemenkes"), ("rsud", "puskesmas"), None),
    (0.07, ("jabar-dinkes", "prov-32"), ("rsud", "puskesmas"), "32"),
    (0.08, ("bandung-disdukcapil",), ("ktp", "kk", "akta", "usulan-layanan"), "32.73"),
)
STATUS_WEIGHTS = {
    Status.SUBMITTED: 11,
    Status.ON_HOLD: 4,
    Status.ARCHIVED: 4,
    Status.DISPOSITIONED: 17,
    Status.RETURNED: 4,
    Status.IN_PROGRESS: 22,
    Status.RESPONDED: 16,
    Status.CLOSED: 22,
}
# How old a report in each status typically is, in days (from, to).
STATUS_AGE_DAYS = {
    Status.SUBMITTED: (0.05, 6),
    Status.ON_HOLD: (1, 25),
    Status.ARCHIVED: (3, 175),
    Status.DISPOSITIONED: (0.5, 30),
    Status.RETURNED: (2, 60),
    Status.IN_PROGRESS: (3, 110),
    Status.RESPONDED: (7, 160),
    Status.CLOSED: (14, 180),
}
CHANNEL_WEIGHTS = {Channel.WEB: 55, Channel.API: 25, Channel.SMS: 8, Channel.EMAIL: 7, Channel.X: 5}
JAKARTA = ZoneInfo("Asia/Jakarta")


class DemoError(Exception):
    """The demo cannot be loaded or removed; the message says why."""


@dataclass
class DemoResult:
    accounts: int = 0
    citizens: int = 0
    reports: int = 0
    attachments: int = 0
    events: int = 0
    statuses: Counter = field(default_factory=Counter)


def demo_users():
    return User.objects.filter(email__iendswith="@" + DEMO_DOMAIN)


def demo_exists() -> bool:
    return demo_users().exists()


@transaction.atomic
def demo_delete() -> int:
    """Remove every demo account with its reports, events, tokens and stored files."""
    users = demo_users()
    reports = Report.objects.filter(reporter__in=users)
    files = list(Attachment.objects.filter(report__in=reports).values_list("file", flat=True))
    count = reports.count()
    try:
        reports.delete()
        users.delete()
    except ProtectedError as exc:
        raise DemoError(
            "Demo accounts acted on reports that are not demo reports; remove those first."
        ) from exc
    transaction.on_commit(lambda: attachments_discard(files))
    return count


# --- the directory ----------------------------------------------------------------------


class _Directory:
    """What the generator needs from the directory, read once."""

    def __init__(self) -> None:
        agencies = list(Agency.objects.filter(is_active=True))
        self.by_code = {a.code: a for a in agencies}
        missing = [code for code in REQUIRED_AGENCIES if code not in self.by_code]
        if missing:
            raise DemoError(
                "The directory is not loaded (missing agencies: "
                + ", ".join(missing)
                + "). Run `manage.py load_directory` first."
            )
        self._ensure_units()
        self.children: dict[int, list[Agency]] = {}
        for agency in self.by_code.values():
            if agency.parent_id:
                self.children.setdefault(agency.parent_id, []).append(agency)
        self.local_government = {
            a.region_id: a
            for a in self.by_code.values()
            if a.kind in (AgencyKind.PROVINCE, AgencyKind.REGENCY, AgencyKind.CITY) and a.region_id
        }
        self.receiving = [
            a
            for a in self.by_code.values()
            if a.kind not in (AgencyKind.NATIONAL_ADMIN, AgencyKind.OVERSIGHT)
        ]
        self.categories = {c.code: c for c in Category.objects.filter(is_active=True)}
        regencies = list(
            Region.objects.filter(level=RegionLevel.REGENCY).values_list("code", "name")
        )
        self.regency_names = {code: _display(name) for code, name in regencies}
        self.regencies = sorted(self.regency_names)
        self.jabar_regencies = [c for c in self.regencies if c.startswith("32.") and c != "32.73"]
        self._places: dict[str, list[tuple[str, str, str]]] = {}

    def _ensure_units(self) -> None:
        for code, (parent_code, name, short_name, region_code) in DEMO_UNITS.items():
            if code in self.by_code:
                continue
            region = region_code if Region.objects.filter(code=region_code).exists() else None
            unit = Agency(
                code=code,
                name=name,
                short_name=short_name,
                kind=AgencyKind.UNIT,
                parent=self.by_code[parent_code],
                region_id=region,
            )
            unit.save()
            self.by_code[code] = unit

    def places(self, regency: str) -> list[tuple[str, str, str]]:
        """(region code, village or district name, district name) inside ``regency``."""
        if regency not in self._places:
            rows = Region.objects.filter(code__startswith=regency + ".").values_list(
                "code", "name", "level"
            )
            districts, villages = {}, []
            for code, name, level in rows:
                if level == RegionLevel.DISTRICT:
                    districts[code] = name
                elif level == RegionLevel.VILLAGE:
                    villages.append((code, name))
            if villages:
                found = [(c, n, districts.get(c.rsplit(".", 1)[0], n)) for c, n in villages]
            else:
                found = [(c, n, n) for c, n in districts.items()]
            self._places[regency] = sorted(found) or [(regency, "", "")]
        return self._places[regency]

    def subtree(self, agency: Agency) -> list[Agency]:
        found, stack = [], [agency]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(self.children.get(current.pk, ()))
        return found


def _display(name: str) -> str:
    return Region(name=name).display_name


# --- generation ---------------------------------------------------------------------------


def _png_variants(rng: random.Random) -> list[bytes]:
    """A few small 'photos' (a scene of coloured shapes), encoded as PNG."""
    variants = []
    for sky, ground in [
        ((135, 180, 220), (90, 90, 90)),
        ((200, 200, 210), (110, 85, 60)),
        ((170, 200, 235), (70, 120, 60)),
    ]:
        image = Image.new("RGB", (160, 120), sky)
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 70, 160, 120), fill=ground)
        for _ in range(4):
            x, y = rng.randint(10, 140), rng.randint(78, 110)
            draw.ellipse((x, y, x + rng.randint(8, 20), y + rng.randint(4, 9)), fill=(40, 40, 40))
        out = io.BytesIO()
        image.save(out, format="PNG")
        variants.append(out.getvalue())
    return variants


@dataclass
class _Plan:
    topic: Topic
    regency: str | None
    agency: Agency | None


class _Generator:
    def __init__(self, directory: _Directory, rng: random.Random, now: dt.datetime):
        self.dir = directory
        self.rng = rng
        self.now = now
        self.topics = {t.key: t for t in TOPICS}

    def plan(self) -> _Plan:
        rng = self.rng
        roll = rng.random()
        for share, codes, topic_keys, area in SPOTLIGHTS:
            if roll < share:
                agencies = [self.dir.by_code[c] for c in codes if c in self.dir.by_code]
                topic = self.topics[rng.choice(topic_keys)]
                regency = self._regency_in(area)
                agency = agencies[0] if rng.random() < 0.7 else rng.choice(agencies)
                return _Plan(topic, regency, agency)
            roll -= share
        topic = rng.choices(TOPICS, weights=[t.weight for t in TOPICS])[0]
        where = rng.random()
        if where < 0.35:
            regency = self._regency_in("32.73")
        elif where < 0.55:
            regency = self._regency_in("32")
        else:
            regency = self._regency_in(None)
        return _Plan(topic, regency, self._agency_for(topic, regency))

    def _regency_in(self, area: str | None) -> str | None:
        if area == "32.73" and "32.73" in self.dir.regency_names:
            return "32.73"
        if area == "32" and self.dir.jabar_regencies:
            # Bandung itself is part of the province too.
            return self.rng.choice([*self.dir.jabar_regencies, "32.73"])
        return self.rng.choice(self.dir.regencies) if self.dir.regencies else None

    def _agency_for(self, topic: Topic, regency: str | None) -> Agency:
        rng = self.rng
        if topic.national and (topic.level == "national" or rng.random() < 0.25):
            candidates = []
            for code in topic.national:
                top = self.dir.by_code.get(code)
                if top is None:
                    continue
                # A branch office for the place, if the directory has one, answers first.
                branches = [
                    a
                    for a in self.dir.subtree(top)
                    if a is not top and a.region_id and regency and regency.startswith(a.region_id)
                ]
                candidates.extend(branches)
                if not top.region_id or (regency and regency.startswith(top.region_id)):
                    candidates.append(top)
            if candidates:
                return candidates[0] if rng.random() < 0.75 else rng.choice(candidates)
        government = None
        if regency:
            province_level = topic.level == "province" or (
                regency.startswith("32.") and rng.random() < 0.2
            )
            key = regency[:2] if province_level else regency
            government = self.dir.local_government.get(key) or self.dir.local_government.get(
                regency
            )
        if government is None:
            return rng.choice(self.dir.receiving)
        units = [
            u
            for u in self.dir.children.get(government.pk, ())
            if any(hint in u.code for hint in topic.unit_hints)
        ]
        if units and rng.random() < 0.75:
            return rng.choice(units)
        return government

    def fill(self, text: str, regency: str | None, place: tuple[str, str, str]) -> str:
        rng = self.rng
        _code, village, district = place
        wilayah = self.dir.regency_names.get(regency or "", "kota kami")
        return text.format(
            jalan=rng.choice(content.STREETS),
            desa=village or wilayah,
            kecamatan=district or wilayah,
            wilayah=wilayah,
            patokan=rng.choice(content.LANDMARKS),
            durasi=rng.choice(content.DURATIONS),
            hari=rng.choice(content.DAYS),
            angka=rng.randrange(10, 60, 5),
            angka2=rng.randint(2, 6),
            rupiah=f"{rng.choice([50, 75, 100, 150, 250, 300, 500, 750, 1500]) * 1000:,}".replace(
                ",", "."
            ),
        )


def _accounts_create(directory: _Directory, password_hash: str) -> dict[str, User]:
    accounts = {}
    for spec in DEMO_ACCOUNTS:
        user = User(
            email=spec.email,
            full_name=spec.full_name,
            phone=spec.phone,
            role=spec.role,
            agency=directory.by_code[spec.agency_code] if spec.agency_code else None,
            is_staff=spec.is_staff,
            password=password_hash,
        )
        user.full_clean(exclude=["password"])
        user.save()
        accounts[spec.key] = user
    _emails_verify(accounts.values())
    return accounts


def _emails_verify(users) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users]
    )


def _citizens_create(rng: random.Random, count: int) -> list[User]:
    """Reporters who only exist to have written reports (they cannot sign in)."""
    users = []
    for n in range(count):
        first, last = rng.choice(content.FIRST_NAMES), rng.choice(content.LAST_NAMES)
        user = User(
            email=f"warga.{n + 1:03d}@{DEMO_DOMAIN}",
            full_name=f"{first} {last}",
            phone=f"+62813{rng.randint(10_000_000, 99_999_999)}",
            role=Role.CITIZEN,
        )
        user.set_unusable_password()
        users.append(user)
    return User.objects.bulk_create(users)


def _handler(accounts: dict[str, User], agency: Agency) -> User | None:
    """The demo staff member who would act for ``agency``: its officer, else its admin."""
    for key in ("ministry_officer", "province_officer", "city_officer"):
        if accounts[key].agency_id == agency.pk:
            return accounts[key]
    for key in ("ministry_admin", "province_admin", "city_admin"):
        if agency.path.startswith(accounts[key].agency.path):
            return accounts[key]
    return None


@transaction.atomic
def demo_load(
    *, reports: int = DEFAULT_REPORTS, seed: int = DEFAULT_SEED, now: dt.datetime | None = None
) -> DemoResult:
    """Create the demo accounts and ``reports`` reports (raises ``DemoError`` if the demo
    accounts exist already or the directory is missing)."""
    if demo_exists():
        raise DemoError("The demo data is already loaded.")
    rng = random.Random(seed)
    now = now or timezone.now()
    directory = _Directory()
    accounts = _accounts_create(directory, make_password(DEMO_PASSWORD))
    pool = _citizens_create(rng, 40)
    generator = _Generator(directory, rng, now)
    pngs = _png_variants(rng)
    national_admin = accounts["national_admin"]
    result = DemoResult(accounts=len(accounts), citizens=len(pool))

    statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    channels, channel_weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
    new_events: list[tuple[ReportEvent, dt.datetime]] = []
    created: list[tuple[Report, dt.datetime, dt.datetime]] = []
    stored_files: list[str] = []
    try:
        for _ in range(reports):
            plan = generator.plan()
            topic, regency = plan.topic, plan.regency
            status = rng.choices(statuses, weights=status_weights)[0]
            place = rng.choice(directory.places(regency)) if regency else ("", "", "")
            low, high = STATUS_AGE_DAYS[status]
            created_at = now - dt.timedelta(days=rng.uniform(low, high))
            roll = rng.random()
            reporter = (
                accounts["citizen"]
                if roll < 0.10
                else accounts["citizen2"]
                if roll < 0.16
                else rng.choice(pool)
            )
            has_agency = status not in (Status.SUBMITTED, Status.ON_HOLD, Status.ARCHIVED)
            requested = has_agency and rng.random() < 0.45
            files: list[PreparedFile] = []
            if rng.random() < (0.3 if topic.photo else 0.04):
                files.append(
                    prepare_upload(
                        name=f"foto-{topic.key}.png", chunks=[rng.choice(pngs)], declared_size=None
                    )
                )
            latitude = longitude = None
            if regency == "32.73" and rng.random() < 0.4:
                latitude = Decimal("-6.914744") + Decimal(rng.randint(-400, 400)) / 10_000
                longitude = Decimal("107.609810") + Decimal(rng.randint(-500, 500)) / 10_000
            category = directory.categories.get(topic.category)
            local_created = created_at.astimezone(JAKARTA)
            # Written at the moment it happens in the story, so every timestamp (and the
            # audit chain that covers them) is right from the start.
            with time_machine.travel(created_at, tick=False):
                report = report_submit(
                    reporter=reporter,
                    channel=rng.choices(channels, weights=channel_weights)[0],
                    classification=topic.classification,
                    title=generator.fill(rng.choice(topic.titles), regency, place)[:150],
                    body=generator.fill(rng.choice(topic.bodies), regency, place),
                    incident_date=(
                        local_created.date() - dt.timedelta(days=rng.randint(0, 10))
                        if rng.random() < 0.5
                        else None
                    ),
                    region_code=place[0] or None,
                    latitude=latitude,
                    longitude=longitude,
                    agency_id=plan.agency.pk if requested and plan.agency else None,
                    category_id=category.pk if category else None,
                    anonymous=rng.random() < 0.12,
                    confidential=rng.random() < max(topic.confidential_rate, 0.03),
                    files=files,
                )
            if files:
                stored_files.extend(a.file.name for a in report.attachments.all())
            result.attachments += len(files)

            steps = _steps(report, status, plan.agency, requested, topic, rng)
            moments = _moments(created_at, len(steps), now, rng)
            for (action, to_status, agency_after, note, public), when in zip(
                steps, moments, strict=True
            ):
                actor = _actor_for(action, accounts, national_admin, report, plan.agency)
                new_events.append(
                    (
                        ReportEvent(
                            created_at=when,
                            report=report,
                            actor=actor,
                            actor_role=(
                                actor.role
                                if actor
                                else Role.UNIT_OFFICER
                                if action in ("accepted", "responded", "returned")
                                else ""
                            ),
                            actor_agency=(
                                actor.agency
                                if actor and actor.agency_id
                                else plan.agency
                                if action in ("accepted", "responded", "returned")
                                else None
                            ),
                            action=action,
                            from_status=report.status,
                            to_status=to_status,
                            note=note,
                            is_public=public,
                        ),
                        when,
                    )
                )
                if to_status:
                    report.status = to_status
                report.agency = agency_after
            updated_at = moments[-1] if moments else created_at
            created.append((report, created_at, updated_at))
            result.statuses[report.status] += 1
    except BaseException:
        attachments_discard(stored_files)
        raise

    _timestamps_write(created, new_events)
    result.reports = len(created)
    result.events = ReportEvent.objects.filter(report__reporter__in=demo_users()).count()
    return result


def _steps(report, status, agency, requested, topic, rng):
    """(action, new status, handling agency afterwards, note, public) for each step that
    brings a just-submitted report to ``status``."""
    label = agency.label if agency else ""
    steps = []
    if status == Status.ON_HOLD:
        return [("held", Status.ON_HOLD, None, rng.choice(content.HELD_NOTES), True)]
    if status == Status.ARCHIVED:
        if rng.random() < 0.3:
            steps.append(("held", Status.ON_HOLD, None, rng.choice(content.HELD_NOTES), True))
        steps.append(("archived", Status.ARCHIVED, None, rng.choice(content.ARCHIVED_NOTES), True))
        return steps
    if status == Status.SUBMITTED:
        return steps
    if not requested:
        note = rng.choice(content.DISPOSITION_NOTES).format(instansi=label)
        steps.append(("dispositioned", Status.DISPOSITIONED, agency, note, True))
        if rng.random() < 0.15:
            steps.append(("note", "", agency, rng.choice(content.INTERNAL_NOTES), False))
    if status == Status.DISPOSITIONED:
        return steps
    if status == Status.RETURNED:
        note = rng.choice(content.RETURNED_NOTES).format(instansi=label)
        steps.append(("returned", Status.RETURNED, None, note, True))
        return steps
    note = rng.choice(content.ACCEPTED_NOTES).format(instansi=label)
    steps.append(("accepted", Status.IN_PROGRESS, agency, note, True))
    if rng.random() < 0.2:
        steps.append(("note", "", agency, rng.choice(content.INTERNAL_NOTES), False))
    if status == Status.IN_PROGRESS:
        return steps
    steps.append(("responded", Status.RESPONDED, agency, rng.choice(topic.responses), True))
    if status == Status.RESPONDED:
        return steps
    steps.append(("closed", Status.CLOSED, agency, rng.choice(content.CLOSED_NOTES), True))
    return steps


def _actor_for(action, accounts, national_admin, report, agency):
    if action in ("dispositioned", "held", "archived"):
        return national_admin
    if action == "closed":
        return None  # closed by the reporter's confirmation or the sweep
    return _handler(accounts, agency) if agency else None


def _moments(start: dt.datetime, count: int, now: dt.datetime, rng) -> list[dt.datetime]:
    """``count`` increasing times after ``start``, hours to days apart, never in the future."""
    if not count:
        return []
    gaps = [dt.timedelta(hours=rng.uniform(1, 96)) for _ in range(count)]
    available = (now - dt.timedelta(minutes=5)) - start
    total = sum(gaps, dt.timedelta())
    if total > available:
        gaps = [gap * (available / total) for gap in gaps]
    moments, current = [], start
    for gap in gaps:
        current += gap
        moments.append(current)
    return moments


def _timestamps_write(created, new_events) -> None:
    """Move everything written 'now' back to when it happened in the story."""
    reports = []
    for report, _created_at, updated_at in created:
        report.updated_at = updated_at
        reports.append(report)
    Report.objects.bulk_update(reports, ["status", "agency", "updated_at"], batch_size=500)

    # Events are chained one by one (bulk_create would skip the audit chain).
    for event, _when in new_events:
        event.save()
