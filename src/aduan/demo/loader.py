"""Demo data: one signed-in account per role, and a few hundred reports to look at.

Everything hangs off accounts in ``DEMO_DOMAIN``, so ``demo_delete`` removes exactly that.
Reports live their stories (``aduan.demo.stories``); then old notifications count as
history and the sweep runs once. Details: docs/demo.md.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from PIL import Image, ImageDraw

from aduan.accounts.capabilities import is_staff_member
from aduan.accounts.models import Role, User
from aduan.agencies.models import Agency, AgencyKind
from aduan.categories.models import Category
from aduan.notifications.models import Notification, NotificationChannel, NotificationState
from aduan.oversight.rollup import rollups_rebuild
from aduan.programmes.loaders import programmes_load
from aduan.programmes.models import Programme
from aduan.regions.models import Region, RegionLevel
from aduan.reports.attachments import (
    PreparedFile,
    attachments_discard,
    attachments_stored_names,
    prepare_upload,
)
from aduan.reports.models import (
    VERIFIED_STATUSES,
    Attachment,
    Channel,
    Report,
    ReportEvent,
    ReportSupport,
)
from aduan.reports.selectors import public_reports_q
from aduan.sla import services as sla
from aduan.workflow.services import report_set_programmes, report_support
from aduan.workflow.sweep import sweep_run

from . import content, stories
from .content import TOPICS, DemoAccount, Topic

logger = logging.getLogger(__name__)

DEMO_DOMAIN = "demo.aduan.test"
# Published in the README on purpose: demo accounts only (load_demo refuses production).
DEMO_PASSWORD = "aduan-demo-2025"  # noqa: S105
# The demo staff's authenticator app secret (two-factor authentication, which staff must
# use): published like the password, so a tester adds it to an app or runs
# `manage.py demo_totp <email>` for the current code. Base32, one secret for every account.
DEMO_TOTP_SECRET = "ADUANDEMOKODEDUALANGKAHUNTUKSTAF"  # noqa: S105
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
    DemoAccount("ksp", Role.PROGRAMME_OVERSIGHT, f"ksp@{D}", "Ratna Kusumawati", "ksp"),
)

# Agencies the demo needs from the directory, and the units it creates when the directory
# has none (code: parent code, name, short name, region code).
REQUIRED_AGENCIES = (
    "kemenpanrb-admin",
    "ombudsman",
    "ksp",
    "kemenkes",
    "prov-32",
    "kota-32.73",
)
# Priority programmes the national desk tags by hand (category: programme), on about half
# of the verified reports of each; the MBG topic's category implies its programme, so
# those are tagged on disposition.
DEMO_PROGRAMME_TAGS = {
    "kesehatan-faskes": "cek-kesehatan-gratis",
    "pendidikan-sarana": "sekolah-unggul-renovasi",
    "infrastruktur-air": "infrastruktur-desa",
    "bansos-pkh": "pengentasan-kemiskinan",
}
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
CHANNEL_WEIGHTS = {Channel.WEB: 55, Channel.API: 25, Channel.SMS: 8, Channel.EMAIL: 7, Channel.X: 5}
REQUESTED_SHARE = 0.35  # reporters who choose the agency themselves
JAKARTA = ZoneInfo("Asia/Jakarta")
HISTORY_AGE = dt.timedelta(days=1)  # notifications older than this count as delivered


class DemoError(Exception):
    """The demo cannot be loaded or removed; the message says why."""


@dataclass
class DemoResult:
    accounts: int = 0
    citizens: int = 0
    staff: int = 0
    reports: int = 0
    attachments: int = 0
    events: int = 0
    steps: int = 0
    overdue: int = 0
    notifications: int = 0
    templates: int = 0
    supports: int = 0
    programme_reports: int = 0
    statuses: Counter = field(default_factory=Counter)


def demo_users():
    return User.objects.filter(email__iendswith="@" + DEMO_DOMAIN)


def demo_exists() -> bool:
    return demo_users().exists()


@transaction.atomic
def demo_delete() -> int:
    """Remove every demo account with its reports (and everything that hangs off them:
    events, deadlines, notifications, followers, ratings, attachments and their files),
    tokens and the response templates demo staff wrote."""
    from aduan.workflow.models import ResponseTemplate

    users = demo_users()
    reports = Report.objects.filter(reporter__in=users)
    attachments = Attachment.every.filter(report__in=reports)
    files = attachments_stored_names(attachments)
    count = reports.count()
    try:
        # Response files point at their event (PROTECT), duplicates at the report they
        # were merged into: remove the files first, and duplicates before the rest.
        attachments.delete()
        reports.filter(merged_into__isnull=False).delete()
        reports.delete()
        ResponseTemplate.objects.filter(created_by__in=users).delete()
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
        self.by_pk = {a.pk: a for a in agencies}
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
            self.by_pk[unit.pk] = unit

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

    def desk(self, agency: Agency) -> Agency:
        """The agency a report for ``agency`` is disposed to: itself, or for a unit the
        nearest agency above it that is not a unit."""
        while agency.kind == AgencyKind.UNIT and agency.parent_id in self.by_pk:
            agency = self.by_pk[agency.parent_id]
        return agency

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


# --- people ---------------------------------------------------------------------------------


def _accounts_create(directory: _Directory, password_hash: str, joined: dt.datetime):
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
            date_joined=joined,
        )
        user.full_clean(exclude=["password"])
        user.save()
        accounts[spec.key] = user
    _emails_verify(accounts.values())
    _second_factor_enrol(
        [user for user in accounts.values() if is_staff_member(user) or user.is_staff]
    )
    return accounts


def _emails_verify(users) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users]
    )


def _second_factor_enrol(users) -> None:
    """Give demo staff the published authenticator app (as enrolment on the web would)."""
    secret = get_mfa_adapter().encrypt(DEMO_TOTP_SECRET)
    Authenticator.objects.bulk_create(
        [
            Authenticator(user=user, type=Authenticator.Type.TOTP, data={"secret": secret})
            for user in users
        ]
    )


def demo_totp_code(email: str, *, at: float | None = None) -> tuple[str, int]:
    """The code the authenticator app of demo account ``email`` shows now (or at ``at``,
    Unix seconds), and the seconds it stays valid. ``DemoError`` for any account that is not
    a demo account with the demo's authenticator app."""
    if not email.lower().endswith("@" + DEMO_DOMAIN):
        raise DemoError(f"{email} is not a demo account (@{DEMO_DOMAIN}).")
    authenticator = Authenticator.objects.filter(
        user__email__iexact=email, type=Authenticator.Type.TOTP
    ).first()
    if authenticator is None:
        raise DemoError(f"{email} has no authenticator app (staff only; is the demo loaded?).")
    secret = get_mfa_adapter().decrypt(authenticator.data["secret"])
    if secret != DEMO_TOTP_SECRET:
        raise DemoError(f"{email} has enrolled an authenticator app of their own.")
    now = time.time() if at is None else at
    period = mfa_settings.TOTP_PERIOD
    counter = int(now) // period
    return format_hotp_value(hotp_value(secret, counter)), period - int(now) % period


def _citizens_create(rng: random.Random, count: int, joined: dt.datetime) -> list[User]:
    """Reporters who only exist to have written reports (they cannot sign in)."""
    users = []
    for n in range(count):
        first, last = rng.choice(content.FIRST_NAMES), rng.choice(content.LAST_NAMES)
        user = User(
            email=f"warga.{n + 1:03d}@{DEMO_DOMAIN}",
            full_name=f"{first} {last}",
            phone=f"+62813{rng.randint(10_000_000, 99_999_999)}",
            role=Role.CITIZEN,
            date_joined=joined,
        )
        user.set_unusable_password()
        users.append(user)
    return User.objects.bulk_create(users)


class _Staff:
    """Who acts for an agency: the demo officer of a unit, else the nearest admin above
    (the demo admins, or one created for each agency that has none)."""

    def __init__(self, directory: _Directory, accounts: dict[str, User]) -> None:
        self.dir = directory
        self.admins = {
            accounts[key].agency_id: accounts[key]
            for key in ("ministry_admin", "province_admin", "city_admin")
        }
        self.officers = {
            accounts[key].agency_id: accounts[key]
            for key in ("ministry_officer", "province_officer", "city_officer")
        }

    def _admin_above(self, agency: Agency) -> User | None:
        current: Agency | None = agency
        while current is not None:
            if current.pk in self.admins:
                return self.admins[current.pk]
            current = self.dir.by_pk.get(current.parent_id)
        return None

    def create_for(self, desks: set[Agency], rng: random.Random, joined: dt.datetime) -> int:
        """One admin (no password, not reachable by e-mail) for each desk without one."""
        missing = sorted((d for d in desks if self._admin_above(d) is None), key=lambda d: d.pk)
        users = []
        for agency in missing:
            first, last = rng.choice(content.FIRST_NAMES), rng.choice(content.LAST_NAMES)
            user = User(
                email=f"staf.{agency.code}@{DEMO_DOMAIN}".lower(),
                full_name=f"{first} {last}",
                role=Role.AGENCY_ADMIN,
                agency=agency,
                date_joined=joined,
            )
            user.set_unusable_password()
            users.append(user)
        for user in User.objects.bulk_create(users):
            self.admins[user.agency_id] = user
        return len(users)

    def covered(self, agency: Agency) -> bool:
        return self._admin_above(agency) is not None

    def for_agency(self, agency: Agency, admin: bool) -> User:
        if not admin and agency.pk in self.officers:
            return self.officers[agency.pk]
        user = self._admin_above(agency)
        if user is None:
            raise DemoError(f"Nobody acts for {agency.code} in the demo.")
        return user


# --- files ----------------------------------------------------------------------------------


def _response_files(rng: random.Random) -> dict[str, PreparedFile]:
    """A photo of the work done, and a one-page letter as PDF, for responses."""
    photo = Image.new("RGB", (160, 120), (150, 190, 225))
    draw = ImageDraw.Draw(photo)
    draw.rectangle((0, 70, 160, 120), fill=(60, 60, 60))
    draw.rectangle((20, 88, 140, 96), fill=(240, 240, 240))
    png = io.BytesIO()
    photo.save(png, format="PNG")
    letter = Image.new("RGB", (210, 297), "white")
    draw = ImageDraw.Draw(letter)
    draw.rectangle((20, 20, 190, 36), fill=(30, 60, 120))
    for line in range(8):
        width = rng.randint(110, 170)
        draw.rectangle((20, 60 + line * 14, 20 + width, 64 + line * 14), fill=(90, 90, 90))
    pdf = io.BytesIO()
    letter.save(pdf, format="PDF")
    return {
        "png": prepare_upload(name="foto-tindak-lanjut.png", chunks=[png.getvalue()]),
        "pdf": prepare_upload(name="surat-tanggapan.pdf", chunks=[pdf.getvalue()]),
    }


# --- the stories ----------------------------------------------------------------------------


def _targets(rng: random.Random, count: int) -> list[str]:
    """What each report's story is about: every kind at least once, then by weight."""
    kinds, weights = list(stories.TARGET_WEIGHTS), list(stories.TARGET_WEIGHTS.values())
    chosen = kinds[:count] + rng.choices(kinds, weights=weights, k=max(0, count - len(kinds)))
    rng.shuffle(chosen)
    return chosen


class _Stories:
    """Draws each report: who writes it, where, about what, to whom, and what follows."""

    def __init__(self, directory, generator, accounts, pool, photos, rng, now) -> None:
        self.dir = directory
        self.generator = generator
        self.accounts = accounts
        self.pool = pool
        self.photos = photos
        self.rng = rng
        self.now = now

    def reporter(self) -> User:
        roll = self.rng.random()
        if roll < 0.10:
            return self.accounts["citizen"]
        if roll < 0.16:
            return self.accounts["citizen2"]
        return self.rng.choice(self.pool)

    def story(self, index: int, target: str) -> stories.Story:
        rng, directory = self.rng, self.dir
        plan = self.generator.plan()
        topic, regency = plan.topic, plan.regency
        place = rng.choice(directory.places(regency)) if regency else ("", "", "")
        may_request = target not in (
            stories.SUBMITTED,
            stories.ON_HOLD,
            stories.ARCHIVED,
            stories.DUPLICATE,
        )
        requested = plan.agency if may_request and rng.random() < REQUESTED_SHARE else None
        category = directory.categories.get(topic.category)
        category_later = None
        if category is not None and requested is None and rng.random() < 0.12:
            # Left empty by the reporter; the national admin sets it when disposing.
            category_later, category = category.pk, None
        files = []
        if rng.random() < (0.3 if topic.photo else 0.04):
            files.append(rng.choice(self.photos))
        latitude = longitude = None
        if regency == "32.73" and rng.random() < 0.4:
            latitude = Decimal("-6.914744") + Decimal(rng.randint(-400, 400)) / 10_000
            longitude = Decimal("107.609810") + Decimal(rng.randint(-500, 500)) / 10_000
        title = self.generator.fill(rng.choice(topic.titles), regency, place)[:150]
        submit_kwargs = {
            "channel": rng.choices(list(CHANNEL_WEIGHTS), weights=CHANNEL_WEIGHTS.values())[0],
            "classification": topic.classification,
            "title": title,
            "body": self.generator.fill(rng.choice(topic.bodies), regency, place),
            "incident_date": None,
            "region_code": place[0] or None,
            "latitude": latitude,
            "longitude": longitude,
            "agency_id": requested.pk if requested else None,
            "category_id": category.pk if category else None,
            "anonymous": rng.random() < 0.12,
            "confidential": rng.random() < max(topic.confidential_rate, 0.03),
            "files": files,
        }
        return stories.Story(
            index=index,
            target=target,
            reporter=self.reporter(),
            topic=topic,
            submit_kwargs=submit_kwargs,
            requested=requested,
            responsible=plan.agency,
            category_later=category_later,
        )

    def duplicate(self, index: int, original: stories.Story) -> stories.Story:
        """Another citizen's report on the same problem a little later."""
        rng = self.rng
        kwargs = dict(original.submit_kwargs)
        kwargs.update(
            agency_id=None,
            channel=rng.choice(list(CHANNEL_WEIGHTS)),
            title=("Masih: " + original.submit_kwargs["title"])[:150],
            files=[],
        )
        reporter = self.reporter()
        while reporter.pk == original.reporter.pk:
            reporter = rng.choice(self.pool)
        return stories.Story(
            index=index,
            target=stories.DUPLICATE,
            reporter=reporter,
            topic=original.topic,
            submit_kwargs=kwargs,
            requested=None,
            responsible=original.responsible,
        )


def _incident_dates(story: stories.Story, rng: random.Random) -> None:
    """The incident happened on or a few days before the submission (local date)."""
    if rng.random() < 0.5:
        day = story.created_at.astimezone(JAKARTA).date()
        story.submit_kwargs["incident_date"] = day - dt.timedelta(days=rng.randint(0, 10))


def _plan(
    *, count: int, drawer: _Stories, directory: _Directory, staff: _Staff, rng, now, clock
) -> list[stories.Story]:
    duplicates = min(count // 2, max(1, round(count * stories.DUPLICATE_SHARE))) if count else 0
    planned = [
        drawer.story(index, target)
        for index, target in enumerate(_targets(rng, count - duplicates))
    ]
    desks = {directory.desk(s.responsible) for s in planned}
    staff.create_for(desks, rng, now - dt.timedelta(days=stories.HISTORY_DAYS + 30))
    writer = stories.StoryWriter(rng, sorted(desks, key=lambda d: d.pk), directory.desk)
    placer = stories.Placer(clock, rng, now)
    for story in planned:
        story.steps = writer.steps(story)
        placer.place(story)
    # Duplicates of reports that were still open a while later.
    candidates = [
        s
        for s in planned
        if s.target not in (stories.ARCHIVED, stories.ON_HOLD)
        and s.created_at < now - dt.timedelta(days=5)
    ]
    for number in range(duplicates if candidates else 0):
        original = rng.choice(candidates)
        story = drawer.duplicate(len(planned), original)
        story.steps = writer.steps(story)
        story.steps[1].data["into"] = original.index
        start = original.created_at + dt.timedelta(hours=rng.uniform(3, 96))
        placer.forward(story, min(start, now - dt.timedelta(hours=3 + number)))
        planned.append(story)
    for story in planned:
        _incident_dates(story, rng)
    return planned


# --- after the stories ----------------------------------------------------------------------


def _history_delivered(reports, now: dt.datetime) -> int:
    """Notifications of the demo's past count as delivered: e-mail older than a day sent
    (at the moment it was written), in-app read. The last day's e-mail stays in the
    outbox for the worker, due from now, so that the sweep below leaves it to the
    delivery tasks instead of printing it to the console while the demo loads."""
    written = Notification.objects.filter(report__in=reports)
    old = written.filter(created_at__lt=now - HISTORY_AGE)
    sent = (
        old.filter(state=NotificationState.PENDING)
        .exclude(channel=NotificationChannel.IN_APP)
        .update(
            state=NotificationState.SENT, sent_at=F("created_at"), next_attempt_at=F("created_at")
        )
    )
    old.filter(channel=NotificationChannel.IN_APP, read_at__isnull=True).update(
        read_at=F("created_at")
    )
    written.filter(state=NotificationState.PENDING).update(next_attempt_at=now)
    return sent


# How many citizens support a public demo report: most none or a few, some many (a feed
# sorted by support has a head and a long tail).
SUPPORT_DRAWS = ((0, 0), (1, 3), (4, 12), (13, 30))
SUPPORT_WEIGHTS = (45, 30, 17, 8)


def _supports_create(reports, citizen: User, others: list[User], rng: random.Random) -> int:
    """Citizens support public demo reports through the service (the counts stay exact,
    supporters follow). The demo ``citizen`` supports every tenth, so that signing in
    as them shows it."""
    public = list(reports.filter(public_reports_q()).order_by("pk"))
    for index, report in enumerate(public):
        low, high = rng.choices(SUPPORT_DRAWS, weights=SUPPORT_WEIGHTS)[0]
        candidates = [u for u in others if u.pk != report.reporter_id]
        chosen = rng.sample(candidates, min(len(candidates), rng.randint(low, high)))
        if index % 10 == 0 and report.reporter_id != citizen.pk:
            chosen.append(citizen)
        for user in chosen:
            report_support(report=report, actor=user)
    return ReportSupport.objects.filter(report__in=reports).count()


def _templates_create(directory: _Directory, accounts: dict[str, User]) -> int:
    """A few response templates, for everyone and for the demo agencies."""
    from aduan.workflow.models import ResponseTemplate

    authors = {
        None: accounts["national_admin"],
        "kemenkes": accounts["ministry_admin"],
        "kota-32.73": accounts["city_admin"],
    }
    count = 0
    for agency_code, category_code, title, body in content.RESPONSE_TEMPLATES:
        agency = directory.by_code.get(agency_code) if agency_code else None
        if agency_code and agency is None:
            continue
        template = ResponseTemplate(
            agency=agency,
            category=directory.categories.get(category_code) if category_code else None,
            title=title,
            body=body,
            created_by=authors.get(agency_code, accounts["national_admin"]),
        )
        template.full_clean()
        template.save()
        count += 1
    return count


# --- loading --------------------------------------------------------------------------------


@transaction.atomic
def _programmes_tag(reports, *, desk: User, rng: random.Random) -> None:
    """The national desk tags some verified reports with a priority programme (through the
    audited action), so that the KSP overseer's inbox has something in it."""
    programmes = dict(
        Programme.objects.filter(code__in=DEMO_PROGRAMME_TAGS.values()).values_list("code", "pk")
    )
    candidates = (
        reports.filter(
            category__code__in=list(DEMO_PROGRAMME_TAGS), status__in=sorted(VERIFIED_STATUSES)
        )
        .select_related("category")
        .order_by("pk")
    )
    for report in candidates:
        programme = programmes.get(DEMO_PROGRAMME_TAGS[report.category.code])
        if programme is None or rng.random() < 0.5:
            continue
        current = list(report.programme_tags.values_list("programme_id", flat=True))
        report_set_programmes(
            report=report, actor=desk, programme_ids=sorted({*current, programme})
        )


def demo_load(
    *, reports: int = DEFAULT_REPORTS, seed: int = DEFAULT_SEED, now: dt.datetime | None = None
) -> DemoResult:
    """Create the demo accounts and ``reports`` reports with their stories (raises
    ``DemoError`` if the demo accounts exist already or the directory is missing)."""
    if demo_exists():
        raise DemoError("The demo data is already loaded.")
    rng = random.Random(seed)
    now = now or timezone.now()
    joined = now - dt.timedelta(days=stories.HISTORY_DAYS + 30)
    directory = _Directory()
    programmes_load()  # new programmes only: the national admin's edits stay
    accounts = _accounts_create(directory, make_password(DEMO_PASSWORD), joined)
    pool = _citizens_create(rng, 40, joined)
    photos = [
        prepare_upload(name=f"foto-{n}.png", chunks=[data])
        for n, data in enumerate(_png_variants(rng))
    ]
    generator = _Generator(directory, rng, now)
    staff = _Staff(directory, accounts)
    drawer = _Stories(directory, generator, accounts, pool, photos, rng, now)
    # Office hours and the texts chosen while running draw from their own generators, so
    # that what happens in each story depends on the seed only, not on today's weekday.
    clock = stories.Clock(sla.calendar_current(), random.Random(seed + 1))
    planned = _plan(
        count=reports,
        drawer=drawer,
        directory=directory,
        staff=staff,
        rng=rng,
        now=now,
        clock=clock,
    )
    runner = stories.StoryRunner(
        stories=planned,
        national_admin=accounts["national_admin"],
        staff_for=staff.for_agency,
        files=_response_files(rng),
        rng=random.Random(seed + 2),
        fill=lambda text: generator.fill(text, None, ("", "", "")),
        now=now,
    )
    try:
        runner.run()
    except BaseException:
        # The rows are rolled back with the transaction; the stored files are not.
        attachments_discard(runner.stored_files)
        raise

    demo_reports = Report.objects.filter(reporter__in=demo_users())
    _programmes_tag(demo_reports, desk=accounts["national_admin"], rng=random.Random(seed + 3))
    result = DemoResult(
        accounts=len(accounts),
        citizens=len(pool),
        staff=User.objects.filter(email__istartswith="staf.", email__iendswith=DEMO_DOMAIN).count(),
        steps=runner.steps_taken,
    )
    result.notifications = _history_delivered(demo_reports, now)
    # Time has passed since each step: the sweep marks what is overdue today (with its
    # event, notifications and escalation) and sends today's reminders.
    sweep_run(now=now)
    result.templates = _templates_create(directory, accounts)
    # Supporters follow from today on: the stories' past notifications are not theirs.
    result.supports = _supports_create(
        demo_reports, accounts["citizen"], [accounts["citizen2"], *pool], random.Random(seed + 3)
    )
    result.programme_reports = demo_reports.filter(programme_tags__isnull=False).distinct().count()
    # The stories date their events in the past after the fact: the figures are counted
    # afresh from the timelines, as `manage.py oversight_rebuild` does.
    rollups_rebuild()
    result.reports = demo_reports.count()
    result.statuses = Counter(demo_reports.values_list("status", flat=True))
    result.overdue = demo_reports.filter(is_overdue=True).count()
    result.attachments = Attachment.objects.filter(report__in=demo_reports).count()
    result.events = ReportEvent.objects.filter(report__in=demo_reports).count()
    return result
