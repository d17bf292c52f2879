"""A small history of the national desk's work: reports of three topics, each disposed
to its agency, one first sent to the wrong agency and returned."""

from __future__ import annotations

from dataclasses import dataclass

from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory, UserFactory
from aduan.agencies.models import Agency
from aduan.agencies.tests.factories import AgencyFactory
from aduan.reports.models import Report
from aduan.workflow import services as wf

TOPICS = {
    "roads": ["jalan berlubang rusak parah", "aspal jalan rusak", "jembatan kayu rapuh"],
    "health": ["puskesmas kekurangan obat", "dokter puskesmas tidak datang", "antrean pasien"],
    "transport": ["angkot ngetem di terminal", "trayek bus dihapus", "tarif angkot naik"],
}
BODY = "Sudah dua minggu tidak ada perbaikan, warga sangat kecewa. {title} di dekat rumah kami."
QUESTION = "Mohon informasinya, bagaimana cara dan apa syaratnya? Soal {title}."


@dataclass
class History:
    admin: object
    agencies: dict[str, Agency]
    staff: dict[str, object]
    returned: Report  # roads, first sent to health and returned, then to roads
    waiting: Report  # roads, sent to transport and returned: back in the queue


def submit(reporter, title: str, *, asking: bool = False, **extra) -> Report:
    """A complaint about ``title``, or with ``asking`` an information request."""
    return wf.report_submit(
        reporter=reporter,
        channel="web",
        classification="information_request" if asking else "complaint",
        title=title,
        body=(QUESTION if asking else BODY).format(title=title),
        **extra,
    )


def build_history(times: int = 3) -> History:
    admin = NationalAdminFactory()
    citizen = UserFactory()
    agencies = {
        "roads": AgencyFactory(name="Dinas Pekerjaan Umum"),
        "health": AgencyFactory(name="Dinas Kesehatan"),
        "transport": AgencyFactory(name="Dinas Perhubungan"),
    }
    staff = {key: AgencyAdminFactory(agency=agency) for key, agency in agencies.items()}
    for topic, titles in TOPICS.items():
        for n in range(times):
            for title in titles:
                report = submit(citizen, f"{title} {n}", asking=n == times - 1)
                wf.report_dispose(report=report, actor=admin, agency_id=agencies[topic].pk)
    returned = submit(citizen, "jalan berlubang di depan pasar")
    wf.report_dispose(report=returned, actor=admin, agency_id=agencies["health"].pk)
    wf.report_return(
        report=returned, actor=staff["health"], reason="Bukan kewenangan dinas kesehatan."
    )
    wf.report_dispose(report=returned, actor=admin, agency_id=agencies["roads"].pk)
    waiting = submit(citizen, "aspal jalan rusak lagi")
    wf.report_dispose(report=waiting, actor=admin, agency_id=agencies["transport"].pk)
    wf.report_return(
        report=waiting, actor=staff["transport"], reason="Bukan kewenangan dinas perhubungan."
    )
    for report in (returned, waiting):
        report.refresh_from_db()
    return History(admin, agencies, staff, returned, waiting)
