"""Relevance (inflections and derivations, rank, typos) and visibility of search, on
whichever database the suite runs on."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory, UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.reports.models import Status
from aduan.reports.selectors import FeedFilters, report_list
from aduan.reports.tests.factories import ReportFactory
from aduan.search.selectors import search_highlight, search_reports, similar_open_reports
from aduan.workflow import services as wf

pytestmark = pytest.mark.django_db

BODY = "Mohon ditindaklanjuti oleh instansi yang berwenang secepatnya, terima kasih banyak."
NIK = "3273012345678901"
PHONE = "081234567890"


def titles(reports):
    return [report.title for report in reports]


def found(q, user=None, **kwargs):
    return titles(search_reports(user=user, q=q, **kwargs))


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("Jalanan di kampung kami berlubang", "jalan"),
        ("Jalan di kampung kami berlubang", "jalanan"),
        ("Perbaikan gorong-gorong tidak selesai", "diperbaiki"),
        ("Gorong-gorong belum diperbaiki juga", "perbaikan"),
        ("Obat di puskesmas sering habis", "pengobatan"),
        ("Pengobatan gratis tidak berjalan", "obat"),
        ("Pelayanan kantor kecamatan lambat", "dilayani"),
        ("Warga tidak dilayani di kecamatan", "pelayanan"),
    ],
)
def test_inflections_and_derivations_find_each_other(written, typed):
    ReportFactory(verified=True, title=written, body=BODY)
    ReportFactory(verified=True, title="Sampah menumpuk di pasar induk", body=BODY)
    assert found(typed) == [written]


def test_the_issue_example_perbaikan_jalan_finds_jalanan_belum_diperbaiki():
    ReportFactory(
        verified=True,
        title="Kerusakan parah di kampung",
        body="Jalanan di kampung kami belum pernah diperbaiki sejak tahun lalu, mohon dicek.",
    )
    assert found("perbaikan jalan") == ["Kerusakan parah di kampung"]


def test_every_word_must_match_and_stop_words_do_not_count():
    ReportFactory(verified=True, title="Lampu jalan padam", body=BODY)
    ReportFactory(verified=True, title="Lampu taman padam", body=BODY)
    assert found("lampu yang padam di jalan") == ["Lampu jalan padam"]
    assert found("lampu gempa") == []


def test_a_title_match_ranks_above_a_body_match():
    in_body = ReportFactory(
        verified=True,
        title="Keluhan warga kompleks perumahan",
        body="Saluran air tersumbat sampah sehingga banjir setiap hujan turun deras.",
    )
    in_title = ReportFactory(verified=True, title="Banjir di kompleks perumahan", body=BODY)
    results = list(search_reports(user=None, q="banjir"))
    assert results == [in_title, in_body]
    assert results[0].search_rank > results[1].search_rank


def test_newest_order_and_the_callers_order():
    older = ReportFactory(verified=True, title="Banjir di kompleks perumahan", body=BODY)
    newer = ReportFactory(
        verified=True, title="Keluhan warga", body="Banjir setiap hujan deras di kompleks kami."
    )
    assert list(search_reports(user=None, q="banjir", order="newest")) == [newer, older]


def test_a_small_typo_is_forgiven_on_postgresql_only():
    """pg_trgm forgives "puskesmaz"; FTS5 has no trigram index, so SQLite finds nothing
    (ADR 0004). Both databases run this test, each against its own promise."""
    ReportFactory(verified=True, title="Puskesmas kekurangan dokter", body=BODY)
    forgiven = ["Puskesmas kekurangan dokter"] if connection.vendor == "postgresql" else []
    assert found("puskesmaz") == forgiven
    assert found("puskesmas") == ["Puskesmas kekurangan dokter"]


def test_case_accents_and_slang():
    ReportFactory(verified=True, title="Jalan desa belum diaspal", body=BODY)
    assert found("JALAN DÉSA") == ["Jalan desa belum diaspal"]
    assert found("jln desa") == ["Jalan desa belum diaspal"]


@pytest.mark.parametrize(
    "hidden",
    [
        {"confidential": True},
        {"status": Status.SUBMITTED, "verified": False},
        {"status": Status.ON_HOLD, "verified": False},
        {"status": Status.ARCHIVED, "verified": False},
    ],
)
def test_a_visitor_never_finds_a_confidential_or_unverified_report(hidden):
    kwargs = {"verified": True, **hidden}
    ReportFactory(title="Pungutan liar di kelurahan", body=BODY, **kwargs)
    for visitor in (None, AnonymousUser(), UserFactory()):
        assert found("pungutan", visitor) == []
        assert found("pungutan", visitor, within=report_list(user=visitor)) == []
    assert found("pungutan", NationalAdminFactory()) == ["Pungutan liar di kelurahan"]


def test_search_sees_what_the_caller_may_see_and_no_more():
    agency, other = AgencyFactory(), AgencyFactory()
    ReportFactory(verified=True, agency=agency, confidential=True, title="Rahasia di dinas kami")
    ReportFactory(verified=True, agency=other, confidential=True, title="Rahasia di dinas lain")
    staff = AgencyAdminFactory(agency=agency)
    assert found("rahasia", staff) == ["Rahasia di dinas kami"]
    assert sorted(found("rahasia", NationalAdminFactory())) == [
        "Rahasia di dinas kami",
        "Rahasia di dinas lain",
    ]


@pytest.fixture
def redacted(db):
    report = ReportFactory(
        verified=True,
        title=f"Pungli KTP oleh petugas, NIK saya {NIK}",
        body=f"Petugas kelurahan meminta uang untuk KTP. Hubungi saya di {PHONE} kapan saja.",
    )
    wf.report_redact(
        report=report,
        actor=NationalAdminFactory(),
        public_title="Pungutan liar saat membuat KTP",
        public_body="Petugas kelurahan meminta uang untuk KTP.",
    )
    return report


@pytest.mark.parametrize("term", [NIK, PHONE, "hubungi", "pungli", "3273"])
def test_a_redacted_reports_personal_data_never_matches_for_a_visitor(redacted, term):
    assert found(term) == []
    assert found(term, UserFactory()) == []


def test_the_reporter_finds_their_own_report_by_anything_they_wrote(redacted):
    assert found(NIK, redacted.reporter) == [redacted.title]
    assert found("hubungi", redacted.reporter) == [redacted.title]
    assert found(NIK, NationalAdminFactory()) == [redacted.title]


def test_snippets_come_from_the_text_the_caller_may_read(redacted):
    [hit] = search_highlight(
        user=None, q="pungutan ktp", reports=search_reports(user=None, q="ktp")
    )
    shown = hit.search_title + hit.search_snippet
    assert "<mark>Pungutan</mark> liar saat membuat <mark>KTP</mark>" in hit.search_title
    for secret in (NIK, PHONE, "Hubungi"):
        assert secret not in shown
    [own] = search_highlight(
        user=redacted.reporter, q="hubungi", reports=search_reports(user=redacted.reporter, q="ktp")
    )
    assert "<mark>Hubungi</mark>" in own.search_snippet


def test_personal_data_the_desk_missed_is_masked_in_the_index_and_the_snippet():
    report = ReportFactory(
        verified=True, title="Air PDAM mati seminggu", body=f"Air mati. Hubungi saya {PHONE}."
    )
    assert found(PHONE) == []
    [hit] = search_highlight(user=None, q="air", reports=search_reports(user=None, q="air"))
    assert PHONE not in hit.search_snippet
    assert found(PHONE, report.reporter) == [report.title]


def test_snippets_are_escaped_and_cut_around_the_first_match():
    body = "<b>Awal</b> " + "kata " * 80 + "drainase tersumbat di ujung gang " + "lagi " * 80
    ReportFactory(verified=True, title="Keluhan warga gang buntu", body=body)
    [hit] = search_highlight(
        user=None, q="drainase", reports=search_reports(user=None, q="drainase")
    )
    assert "<mark>drainase</mark> tersumbat" in hit.search_snippet
    assert hit.search_snippet.startswith("… ")
    assert hit.search_snippet.endswith(" …")
    assert "<b>" not in hit.search_snippet
    assert len(hit.search_snippet) < 300


def test_search_combines_with_the_feeds_filters():
    agency = AgencyFactory()
    unit = AgencyFactory(parent=agency)
    ReportFactory(verified=True, agency=unit, title="Banjir di unit", body=BODY)
    ReportFactory(verified=True, title="Banjir di tempat lain", body=BODY)
    within = report_list(user=None, filters=FeedFilters(agency_id=agency.pk))
    assert found("banjir", within=within) == ["Banjir di unit"]


def test_a_tracking_id_finds_its_report():
    report = ReportFactory(verified=True, title="Banjir di unit", body=BODY)
    assert found(report.tracking_id.lower()) == ["Banjir di unit"]


def test_a_query_of_nothing_searchable_finds_nothing():
    ReportFactory(verified=True, title="Banjir di unit", body=BODY)
    assert found("!!!") == []
    assert found(NIK) == []


def test_the_index_follows_the_text():
    report = ReportFactory(verified=True, title="Banjir di kompleks", body=BODY)
    report.title = "Longsor di kompleks"
    report.save()
    assert found("banjir") == []
    assert found("longsor") == ["Longsor di kompleks"]
    report.delete()
    assert found("longsor") == []


def test_similar_open_reports():
    agency = AgencyFactory()
    open_one = ReportFactory(
        verified=True,
        agency=agency,
        title="Jalanan rusak di depan SD Negeri 3",
        body="Jalan berlubang besar membahayakan anak sekolah setiap pagi dan sore hari.",
    )
    ReportFactory(
        verified=True,
        agency=agency,
        status=Status.CLOSED,
        title="Jalan rusak di depan pasar",
        body=BODY,
    )
    ReportFactory(verified=True, agency=agency, confidential=True, title="Jalan rusak rahasia")
    ReportFactory(title="Jalan rusak belum diverifikasi", body=BODY)
    ReportFactory(verified=True, title="Jalan rusak di tempat lain", body=BODY)
    similar = similar_open_reports(
        "Perbaikan jalan depan sekolah", "Jalannya rusak parah", agency_id=agency.pk
    )
    assert similar == [open_one]
    assert "<mark>" in similar[0].search_snippet
    assert similar_open_reports("!!!", "") == []
    anywhere = similar_open_reports("jalan rusak", "", limit=10)
    assert open_one in anywhere
    assert len(anywhere) == 2


def test_by_rank_the_newest_matches_are_ranked_and_older_ids_are_read_when_needed(
    settings, monkeypatch
):
    """Ranked, a search lists the newest ``ADUAN_SEARCH_RANK_WINDOW`` matches, looking at
    the latest ids first and widening the look until it has found that many."""
    from aduan.search import selectors

    settings.ADUAN_SEARCH_RANK_WINDOW = 1  # the newest match, and one to tell "more"
    monkeypatch.setattr(selectors, "WINDOW_SPAN", 1)  # the first look: the latest id
    monkeypatch.setattr(selectors, "WINDOW_GROWTH", 2)
    oldest = ReportFactory(verified=True, title="Banjir di kompleks perumahan", body=BODY)
    older = ReportFactory(
        verified=True, title="Keluhan warga", body="Banjir setiap hujan deras di kompleks kami."
    )
    for n in range(5):  # later ids, none about a flood
        ReportFactory(verified=True, title=f"Sampah menumpuk di pasar {n}", body=BODY)
    newer = ReportFactory(verified=True, title="Banjir lagi di kompleks", body=BODY)
    # The looks widen past the five later reports to the second flood report.
    ranked = list(search_reports(user=None, q="banjir"))
    assert set(ranked) == {older, newer}
    assert ranked[0] == newer  # in the title: ranked above a match in the text
    # By newest, every match.
    assert list(search_reports(user=None, q="banjir", order="newest")) == [newer, older, oldest]
    # A filter narrows before the window is cut: the oldest is found when it is the only one.
    within = report_list(user=None, filters=FeedFilters()).filter(pk=oldest.pk)
    assert list(search_reports(user=None, q="banjir", within=within)) == [oldest]
