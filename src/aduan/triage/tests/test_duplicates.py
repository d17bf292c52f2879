"""Near-duplicates: a repost with edits is found through the stored bands, an unrelated
report of the same agency is not, and closed or merged reports are never an original."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory
from aduan.regions.tests.factories import DistrictFactory, ProvinceFactory, RegencyFactory
from aduan.reports.models import Status
from aduan.reports.tests.factories import ReportFactory
from aduan.triage import duplicates
from aduan.triage.models import Fingerprint, Signature
from aduan.workflow import services as wf

from .samples import ORIGINAL, REPOST, UNRELATED

pytestmark = pytest.mark.django_db


def report(text: tuple[str, str], **fields):
    title, body = text
    made = ReportFactory(title=title, body=body, **fields)
    duplicates.fingerprints_write([made])
    return made


def ids(candidates) -> list[int]:
    return [c.report_id for c in candidates]


def test_a_repost_with_edits_is_found_and_an_unrelated_report_of_the_agency_is_not():
    agency = AgencyFactory()
    original = report(ORIGINAL, requested_agency=agency)
    unrelated = report(UNRELATED, requested_agency=agency)
    found = duplicates.duplicate_candidates(title=REPOST[0], body=REPOST[1], agency_id=agency.pk)
    assert ids(found) == [original.pk]
    assert found[0].tracking_id == original.tracking_id
    assert found[0].score >= duplicates.THRESHOLD
    assert ids(duplicates.duplicate_candidates(title=UNRELATED[0], body=UNRELATED[1])) == [
        unrelated.pk
    ]
    assert duplicates.duplicate_candidates(title="Izin usaha", body="Pengurusan izin lama.") == []


def test_the_signature_estimates_the_jaccard_similarity_of_the_shingles():
    a, b = "\n".join(ORIGINAL), "\n".join(REPOST)
    exact = len(duplicates.shingles(a) & duplicates.shingles(b)) / len(
        duplicates.shingles(a) | duplicates.shingles(b)
    )
    estimate = duplicates.estimated_jaccard(duplicates.signature(a), duplicates.signature(b))
    assert abs(estimate - exact) < 0.12
    assert (
        duplicates.estimated_jaccard(
            duplicates.signature(a), duplicates.signature("\n".join(UNRELATED))
        )
        < 0.1
    )
    assert duplicates.signature("yth dengan hormat") is None  # nothing but boilerplate
    assert duplicates.band_keys(None) == []


def test_the_rows_are_one_a_band_and_the_signature():
    made = report(ORIGINAL)
    bands = Fingerprint.objects.filter(report=made)
    assert sorted(bands.values_list("band", flat=True)) == list(range(duplicates.BANDS))
    keys = duplicates.band_keys(duplicates.signature("\n".join(ORIGINAL)))
    assert sorted(bands.values_list("bucket", flat=True)) == sorted(keys)
    stored = bytes(Signature.objects.get(report=made).minhash)
    assert len(stored) == duplicates.PERMUTATIONS * 4


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.CLOSED},
        {"status": Status.ARCHIVED},
    ],
)
def test_closed_and_archived_reports_are_not_offered(fields):
    report(ORIGINAL, **fields)
    assert not Fingerprint.objects.exists()
    assert duplicates.duplicate_candidates(title=REPOST[0], body=REPOST[1]) == []


def test_a_report_closed_or_merged_after_its_fingerprint_is_not_offered():
    """The bands stay until the listener drops them; the lookup checks the status too."""
    first, second = report(ORIGINAL), report(ORIGINAL)
    assert set(ids(duplicates.duplicate_candidates(title=REPOST[0], body=REPOST[1]))) == {
        first.pk,
        second.pk,
    }
    type(first).objects.filter(pk=first.pk).update(status=Status.CLOSED)
    type(second).objects.filter(pk=second.pk).update(merged_into=first)
    assert duplicates.duplicate_candidates(title=REPOST[0], body=REPOST[1]) == []


def test_merging_drops_the_fingerprint_and_submitting_writes_it_after_commit(
    django_capture_on_commit_callbacks,
):
    reporter, admin = UserFactory(), NationalAdminFactory()
    with django_capture_on_commit_callbacks(execute=True):
        original = wf.report_submit(
            reporter=reporter, channel="web", classification="complaint",
            title=ORIGINAL[0], body=ORIGINAL[1],
        )  # fmt: skip
        repost = wf.report_submit(
            reporter=reporter, channel="web", classification="complaint",
            title=REPOST[0], body=REPOST[1],
        )  # fmt: skip
    assert Fingerprint.objects.filter(report=original).count() == duplicates.BANDS
    assert Signature.objects.filter(report=repost).exists()
    (best,) = duplicates.likely_originals([repost]).values()
    assert best.report_id == original.pk
    assert duplicates.likely_originals([original]) == {}  # the first is nobody's repost

    wf.report_merge(report=repost, actor=admin, into=original.tracking_id)
    assert not Fingerprint.objects.filter(report=repost).exists()
    assert not Signature.objects.filter(report=repost).exists()
    assert Fingerprint.objects.filter(report=original).exists()


def test_the_context_lowers_the_score():
    close = duplicates.duplicate_score(0.5, same_region=True, same_agency=True, days_apart=1)
    elsewhere = duplicates.duplicate_score(0.5, same_region=False, same_agency=True, days_apart=1)
    other_agency = duplicates.duplicate_score(
        0.5, same_region=None, same_agency=False, days_apart=1
    )
    months = duplicates.duplicate_score(0.5, same_region=True, same_agency=True, days_apart=200)
    assert close > other_agency > elsewhere
    assert close > months == pytest.approx(0.5 * duplicates.TIME_APART)


def test_another_province_lowers_the_score_of_the_same_text():
    west, east = ProvinceFactory(code="32"), ProvinceFactory(code="35")
    original = report(ORIGINAL, region=RegencyFactory(code="32.73", parent=west))
    (near,) = duplicates.duplicate_candidates(
        title=REPOST[0], body=REPOST[1], region_code="32", threshold=0
    )
    (far,) = duplicates.duplicate_candidates(
        title=REPOST[0], body=REPOST[1], region_code=east.code, threshold=0
    )
    assert near.report_id == far.report_id == original.pk
    assert far.score == pytest.approx(near.score * duplicates.REGION_APART)


def test_the_desk_is_offered_no_original_in_another_known_place():
    """A form letter or one complaint in two towns: alike for the citizen's list, but the
    desk's one-click merge needs the same place (or one of them unknown)."""
    city = RegencyFactory(code="32.73", parent=ProvinceFactory(code="32"))
    other = RegencyFactory(code="32.71", parent=city.parent)
    original = report(ORIGINAL, region=city)
    elsewhere = report(REPOST, region=other)
    here = report(REPOST, region=DistrictFactory(code="32.73.01", parent=city))
    for repost in (elsewhere, here):
        type(repost).objects.filter(pk=repost.pk).update(
            created_at=original.created_at + dt.timedelta(hours=1)
        )
        repost.refresh_from_db()
    found = duplicates.likely_originals([elsewhere, here])
    assert {pk: c.report_id for pk, c in found.items()} == {here.pk: original.pk}
    assert ids(duplicates.duplicate_candidates(report=elsewhere)) == [original.pk]


def test_only_earlier_reports_are_originals():
    first = report(ORIGINAL)
    later = report(REPOST)
    type(later).objects.filter(pk=later.pk).update(created_at=first.created_at + dt.timedelta(1))
    later.refresh_from_db()
    assert ids(duplicates.candidates_for({1: duplicates.Subject.of_report(later)})[1]) == [first.pk]
    assert duplicates.candidates_for({1: duplicates.Subject.of_report(first)})[1] == []


def test_the_backfill_writes_open_reports_and_drops_the_rest():
    open_report = ReportFactory(title=ORIGINAL[0], body=ORIGINAL[1])
    closed = report(ORIGINAL)
    type(closed).objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    out = io.StringIO()
    call_command("triage_fingerprint", stdout=out, stderr=io.StringIO())
    assert "Fingerprinted 1 open reports" in out.getvalue()
    assert set(Fingerprint.objects.values_list("report_id", flat=True)) == {open_report.pk}
    assert set(Signature.objects.values_list("report_id", flat=True)) == {open_report.pk}


def test_closing_drops_the_fingerprint_and_reopening_writes_it_again(
    django_capture_on_commit_callbacks,
):
    reporter, admin = UserFactory(), NationalAdminFactory()
    agency_admin = AgencyAdminFactory()
    with django_capture_on_commit_callbacks(execute=True):
        made = wf.report_submit(
            reporter=reporter, channel="web", classification="complaint",
            title=ORIGINAL[0], body=ORIGINAL[1],
        )  # fmt: skip
    made = wf.report_dispose(report=made, actor=admin, agency_id=agency_admin.agency_id)
    made = wf.report_respond(
        report=made, actor=agency_admin, body="Lubang sudah kami tambal hari ini, terima kasih."
    )
    assert Fingerprint.objects.filter(report=made).count() == duplicates.BANDS
    made = wf.report_close(report=made, actor=reporter)
    assert not Fingerprint.objects.filter(report=made).exists()
    assert not Signature.objects.filter(report=made).exists()
    with django_capture_on_commit_callbacks(execute=True):
        wf.report_reopen(report=made, actor=reporter, reason="Lubangnya muncul lagi setelah hujan.")
    assert Fingerprint.objects.filter(report=made).count() == duplicates.BANDS
    assert Signature.objects.filter(report=made).exists()
