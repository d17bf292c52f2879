"""A real receiver on 127.0.0.1 that checks our signatures, and the people around it."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aduan.accounts.models import User
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.models import Agency
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.integrations.signing import signature_verify


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next status in ``statuses`` (200 when empty) and
    records it, with whether its signature checked out against ``secret``."""

    url: str = ""
    secret: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            verified = signature_verify(
                secret=receiver.secret,
                body=body,
                timestamp=self.headers.get("X-Aduan-Timestamp"),
                signature=self.headers.get("X-Aduan-Signature"),
            )
            with receiver.lock:
                receiver.received.append(Received(dict(self.headers.items()), body, verified))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            if not verified:
                status = 401
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"receiver says no")

        def log_message(self, *args) -> None:
            pass

    return Handler


@pytest.fixture
def receiver(settings):
    settings.ADUAN_WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    settings.ADUAN_WEBHOOK_TIMEOUT = 2
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/aduan?src=test"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@dataclass
class People:
    province: Agency  # the agency above
    city: Agency
    unit: Agency  # a unit of the city
    other: Agency
    national_admin: User
    province_admin: User
    city_admin: User
    officer: User
    other_admin: User
    citizen: User


@pytest.fixture
def people(db) -> People:
    province = AgencyFactory(name="Pemerintah Provinsi Jawa Barat")
    city = UnitFactory(parent=province, name="Pemerintah Kota Bandung")
    unit = UnitFactory(parent=city, name="Dinas Pekerjaan Umum Kota Bandung")
    other = AgencyFactory(name="Pemerintah Kota Surabaya")
    return People(
        province=province,
        city=city,
        unit=unit,
        other=other,
        national_admin=NationalAdminFactory(),
        province_admin=AgencyAdminFactory(agency=province),
        city_admin=AgencyAdminFactory(agency=city),
        officer=UnitOfficerFactory(agency=unit),
        other_admin=AgencyAdminFactory(agency=other),
        citizen=UserFactory(
            full_name="Siti Rahmawati", email="siti@example.id", phone="+6281234567890"
        ),
    )
