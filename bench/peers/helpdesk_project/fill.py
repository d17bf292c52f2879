"""Migrate the helpdesk database, create the bench staff user and fill N tickets.

Run by `bench/peers/helpdesk.py` with the helpdesk virtualenv's Python. Idempotent: the
migrations, queues, agents and the staff user are get-or-create; tickets that earlier
runs created through the API (ids above N) are deleted; the tickets are written with
COPY only when fewer than N exist (the table is emptied first, so a half-done fill is
redone rather than topped up). Prints one JSON line: the token, the staff user's
password state and the ticket ids the scenarios use.

Tickets look like a complaints desk's: created over three years (denser lately), the
status following the age (recent ones open, old ones closed), a ~600-character
description, 70% assigned to one of 20 agents, one "Ticket Opened" follow-up each and a
second one for resolved and closed tickets, as helpdesk itself writes them.
"""

import argparse
import json
import os
import random
import sys
import time
import uuid
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.models import Queue, Ticket  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

QUEUES = [
    ("Infrastruktur", "infrastruktur"),
    ("Layanan Kesehatan", "kesehatan"),
    ("Pendidikan", "pendidikan"),
    ("Kependudukan", "kependudukan"),
    ("Bantuan Sosial", "bansos"),
]
AGENTS = 20
STAFF_USERNAME = "benchstaff"

SUBJECTS = [
    "Jalan rusak",
    "Lampu jalan mati",
    "Sampah menumpuk",
    "Air PDAM tidak mengalir",
    "Antrean BPJS panjang",
    "Guru jarang hadir",
    "KTP elektronik belum jadi",
    "Bantuan sosial tidak tepat sasaran",
    "Saluran air tersumbat",
    "Pungutan liar",
    "Listrik sering padam",
    "Puskesmas tutup lebih awal",
    "Jembatan retak",
    "Data kependudukan salah",
    "Banjir di permukiman",
]
PLACES = [
    "Kelurahan Sukamaju",
    "Desa Mekarsari",
    "Kecamatan Cibeunying",
    "Jalan Merdeka",
    "Pasar Baru",
    "Kampung Melayu",
    "Perumahan Griya Asri",
    "Desa Sumberejo",
]
SENTENCES = [
    "Sudah lebih dari dua minggu kondisi ini dibiarkan tanpa penanganan.",
    "Warga sudah melapor ke kantor kelurahan tetapi belum ada tindak lanjut.",
    "Kami mohon petugas segera datang untuk memeriksa lokasi.",
    "Kondisi ini membahayakan pengendara dan anak-anak yang berangkat sekolah.",
    "Setiap hujan turun keadaan menjadi lebih parah dan air masuk ke rumah warga.",
    "Petugas di loket meminta biaya tambahan yang tidak ada dasarnya.",
    "Kami sudah menunggu sejak pagi dan pelayanan baru dibuka siang hari.",
    "Mohon informasi kapan perbaikan akan dilaksanakan.",
    "Banyak lansia yang kesulitan karena harus datang berkali-kali.",
    "Foto kondisi di lapangan dapat kami kirimkan bila diperlukan.",
    "Kami berharap pemerintah daerah memberi perhatian pada masalah ini.",
    "Terima kasih atas perhatian dan tindak lanjutnya.",
]
YEARS = 3


def ensure_schema_and_users(password: str) -> tuple[str, list[int], int]:
    """Migrate; create the staff user (with its token), the agents and the queues."""
    call_command("migrate", interactive=False, verbosity=0)
    user_model = get_user_model()
    staff, _ = user_model.objects.get_or_create(
        username=STAFF_USERNAME,
        defaults={"email": "staff@bench.helpdesk.test", "is_staff": True},
    )
    staff.is_staff = True
    staff.set_password(password)
    staff.save()
    token, _ = Token.objects.get_or_create(user=staff)
    agents = []
    for n in range(1, AGENTS + 1):
        agent, _ = user_model.objects.get_or_create(
            username=f"agent{n}",
            defaults={"email": f"agent{n}@bench.helpdesk.test", "is_staff": True},
        )
        agents.append(agent.pk)
    queue_ids = []
    for title, slug in QUEUES:
        queue, _ = Queue.objects.get_or_create(
            slug=slug,
            defaults={"title": title, "email_address": f"{slug}@bench.helpdesk.test"},
        )
        queue_ids.append(queue.pk)
    return token.key, agents, queue_ids


def _status_for_age(rng: random.Random, age_days: float) -> int:
    roll = rng.random()
    if age_days < 30:
        return 1 if roll < 0.80 else 2 if roll < 0.85 else 3
    if age_days < 180:
        return 1 if roll < 0.10 else 3 if roll < 0.30 else 4
    return 4 if roll < 0.95 else 5


def _text(rng: random.Random) -> str:
    parts = [f"{rng.choice(SUBJECTS)} di {rng.choice(PLACES)}."]
    while sum(len(p) + 1 for p in parts) < 560:
        parts.append(rng.choice(SENTENCES))
    return " ".join(parts)


def fill_tickets(count: int, agents: list[int], queue_ids: list[int]) -> float:
    """Write `count` tickets and their follow-ups with COPY; returns the seconds spent."""
    started = time.monotonic()
    rng = random.Random(13)
    now = timezone.now()
    span = timedelta(days=365 * YEARS)
    priorities = [1, 2, 3, 3, 3, 3, 4, 4, 5]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE helpdesk_ticket, helpdesk_followup, helpdesk_ticketchange,"
            " helpdesk_followupattachment, helpdesk_ticketcc,"
            " helpdesk_ticketcustomfieldvalue, helpdesk_ticketdependency,"
            " helpdesk_checklist RESTART IDENTITY CASCADE"
        )
        tickets = []
        for ticket_id in range(1, count + 1):
            created = now - span * rng.random() ** 1.5
            age_days = (now - created).total_seconds() / 86400
            status = _status_for_age(rng, age_days)
            modified = min(now, created + timedelta(days=rng.uniform(0, 20)))
            tickets.append((ticket_id, created, modified, status))
        tickets.sort(key=lambda row: row[1])  # ids grow with time, as in a live desk
        with cursor.copy(
            "COPY helpdesk_ticket (id, title, created, modified, submitter_email,"
            " status, on_hold, description, resolution, priority, assigned_to_id,"
            " queue_id, secret_key) FROM STDIN"
        ) as copy:
            for ticket_id, (_, created, modified, status) in enumerate(tickets, 1):
                closed = status in (3, 4, 5)
                copy.write_row(
                    (
                        ticket_id,
                        f"{rng.choice(SUBJECTS)} di {rng.choice(PLACES)}",
                        created,
                        modified,
                        f"citizen{rng.randrange(count)}@bench.helpdesk.test",
                        status,
                        False,
                        _text(rng),
                        "Sudah ditindaklanjuti oleh petugas." if closed else None,
                        rng.choice(priorities),
                        rng.choice(agents) if rng.random() < 0.7 else None,
                        rng.choice(queue_ids),
                        str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    )
                )
        with cursor.copy(
            "COPY helpdesk_followup (date, title, comment, public, new_status,"
            " ticket_id, email_recipients) FROM STDIN"
        ) as copy:
            for ticket_id, (_, created, modified, status) in enumerate(tickets, 1):
                copy.write_row((created, "Ticket Opened", None, True, None, ticket_id, "[]"))
                if status in (3, 4, 5):
                    copy.write_row(
                        (
                            modified,
                            "Resolved" if status == 3 else "Closed",
                            "Sudah ditindaklanjuti oleh petugas.",
                            True,
                            status,
                            ticket_id,
                            "[]",
                        )
                    )
        for table in ("helpdesk_ticket", "helpdesk_followup"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE helpdesk_ticket")
        cursor.execute("VACUUM ANALYZE helpdesk_followup")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    password = os.environ["HELPDESK_BENCH_PASSWORD"]
    token, agents, queue_ids = ensure_schema_and_users(password)
    # Tickets the API created in earlier runs go, so that every run starts from N.
    Ticket.objects.filter(id__gt=args.tickets).delete()
    seconds = None
    if Ticket.objects.count() < args.tickets:
        seconds = fill_tickets(args.tickets, agents, queue_ids)
    open_ticket = (
        Ticket.objects.filter(status=Ticket.OPEN_STATUS, id__lte=args.tickets)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    json.dump(
        {
            "token": token,
            "username": STAFF_USERNAME,
            "queue_id": queue_ids[0],
            "ticket_id": open_ticket,
            "tickets": Ticket.objects.count(),
            "fill_seconds": seconds,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
