"""Triage learns from the desk's own dispositions and returns, keeps each model as a
version in the storage, assesses the reports that wait, and writes down what the desk
chose."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from aduan.reports.models import Status
from aduan.triage import store
from aduan.triage.features import agency_label, report_signals
from aduan.triage.models import Assessment, RouterModel
from aduan.triage.services import assessments_open, router_train
from aduan.triage.training import history_examples
from aduan.workflow import services as wf

from .history import build_history, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    return build_history()


def by_title(examples, title):
    return next(e for e in examples if e.title == title)


def test_each_disposition_is_an_example_and_each_return_a_negative(history):
    examples = list(history_examples(limit=1000))
    roads, health, transport = (history.agencies[k].pk for k in ("roads", "health", "transport"))
    assert len(examples) == 3 * 3 * 3 + 2
    assert by_title(examples, "trayek bus dihapus 1").agency == agency_label(transport)
    redisposed = by_title(examples, history.returned.title)
    assert redisposed.agency == agency_label(roads)
    assert redisposed.not_agencies == (agency_label(health),)
    # Back in the queue: no agency holds it yet, the one that returned it is a negative.
    waiting = by_title(examples, history.waiting.title)
    assert (waiting.agency, waiting.not_agencies) == (None, (agency_label(transport),))
    assert by_title(examples, "tarif angkot naik 0").classification == "complaint"
    assert by_title(examples, "tarif angkot naik 2").classification == "information_request"


def test_the_newest_reports_are_taken_first(history):
    examples = list(history_examples(limit=2))
    assert {e.title for e in examples} == {history.returned.title, history.waiting.title}


def test_signals_name_the_channel_the_region_and_the_reporters_choice(history):
    report = history.returned
    report.region_id, report.requested_agency_id = "32.73.01", history.agencies["roads"].pk
    signals = report_signals(report)
    assert signals == (
        "channel_web",
        "region_32",
        "region_3273",
        f"chose_{history.agencies['roads'].pk}",
    )


def test_a_trained_router_is_stored_as_a_version_and_loaded_once(
    history, django_assert_num_queries
):
    assert store.router_current() is None
    row = router_train(limit=1000)
    assert (row.examples, row.agencies) == (29, 3)
    assert default_storage.exists(row.file.name)
    assert set(row.metrics) >= {"n", "top1", "top3", "classification_macro_f1"}
    router = store.router_current()
    assert router.version == row.version
    # Loaded once: the next look finds the same version and reads no file.
    with django_assert_num_queries(1):
        assert store.router_current() is router
    newer = router_train(limit=1000)
    assert store.router_current().version == newer.version != row.version


def test_old_versions_keep_their_row_but_not_their_file(history):
    rows = [router_train(limit=1000) for _ in range(store.KEEP_FILES + 1)]
    oldest = RouterModel.objects.get(pk=rows[0].pk)
    assert oldest.file.name == ""
    assert not default_storage.exists(rows[0].file.name)
    assert default_storage.exists(rows[-1].file.name)


def test_too_little_history_trains_nothing(db):
    assert router_train(limit=1000) is None
    assert not RouterModel.objects.exists()


def test_the_retrain_command_shows_progress_and_the_figures(history):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:  # the bar is drawn on a terminal only
            return True

    out, err = io.StringIO(), Terminal()
    call_command("triage_retrain", stdout=out, stderr=err)
    row = RouterModel.objects.get()
    assert f"Router {row.version}: 29 reports, 3 agencies." in out.getvalue()
    assert '"top1"' in out.getvalue()
    assert "step" in err.getvalue()  # the progress bar


def test_a_new_report_is_assessed_with_the_models_suggestions(history):
    router_train(limit=1000)
    citizen = history.returned.reporter
    report = submit(citizen, "jalan rusak parah dan berlubang di kampung")
    assessment = assessments_open([report])[report.pk]
    assert assessment.model_version == store.router_current().version
    assert assessment.agency_ids[0] == history.agencies["roads"].pk
    assert len(assessment.agencies) == 3
    assert 0 < assessment.agencies[0][1] <= 1
    assert assessment.classification == "complaint"
    # It keeps what it was shown with: a newer model does not change it.
    router_train(limit=1000)
    again = assessments_open([report])[report.pk]
    assert again.pk == assessment.pk
    assert again.model_version == assessment.model_version


def test_a_returned_report_is_not_offered_to_the_agency_that_returned_it(history):
    router_train(limit=1000)
    waiting = history.waiting
    assert waiting.status == Status.RETURNED
    assessment = assessments_open([waiting])[waiting.pk]
    assert history.agencies["transport"].pk not in assessment.agency_ids
    assert assessment.agency_ids[0] == history.agencies["roads"].pk


def test_the_disposition_records_the_choice_and_its_rank(history):
    router_train(limit=1000)
    citizen = history.returned.reporter
    first = submit(citizen, "aspal jalan rusak di gang")
    second = submit(citizen, "jalan berlubang dekat sekolah")
    shown = assessments_open([first, second])
    wf.report_dispose(report=first, actor=history.admin, agency_id=history.agencies["roads"].pk)
    wf.report_dispose(
        report=second, actor=history.admin, agency_id=history.agencies["transport"].pk
    )
    first_round = Assessment.objects.get(pk=shown[first.pk].pk)
    assert first_round.chosen_agency == history.agencies["roads"]
    assert first_round.chosen_rank == 1
    assert first_round.decided_at is not None
    expected = shown[second.pk].agency_ids.index(history.agencies["transport"].pk) + 1
    assert Assessment.objects.get(pk=shown[second.pk].pk).chosen_rank == expected > 1


def test_without_a_model_the_round_still_records_the_choice(history):
    citizen = history.returned.reporter
    report = submit(citizen, "jalan rusak")
    assessment = assessments_open([report])[report.pk]
    assert (assessment.model_version, assessment.agencies) == ("", [])
    wf.report_dispose(report=report, actor=history.admin, agency_id=history.agencies["roads"].pk)
    assessment.refresh_from_db()
    assert (assessment.chosen_agency, assessment.chosen_rank) == (history.agencies["roads"], None)


def test_a_return_opens_a_new_round(history):
    router_train(limit=1000)
    citizen = history.returned.reporter
    report = submit(citizen, "jalan berlubang lagi")
    first = assessments_open([report])[report.pk]
    wf.report_dispose(report=report, actor=history.admin, agency_id=history.agencies["health"].pk)
    wf.report_return(
        report=report, actor=history.staff["health"], reason="Bukan kewenangan kami di sini."
    )
    report.refresh_from_db()
    second = assessments_open([report])[report.pk]
    assert second.pk != first.pk
    assert second.decided_at is None
    assert history.agencies["health"].pk not in second.agency_ids


def test_a_round_opened_before_any_model_gets_the_first_models_suggestions(history):
    citizen = history.returned.reporter
    report = submit(citizen, "aspal jalan rusak di depan sekolah")
    before = assessments_open([report])[report.pk]
    assert (before.model_version, before.agencies) == ("", [])
    model = router_train(limit=1000)
    after = assessments_open([report])[report.pk]
    assert after.pk == before.pk
    assert after.model_version == model.version
    assert after.agency_ids[0] == history.agencies["roads"].pk
    assert Assessment.objects.get(pk=before.pk).agencies == after.agencies  # saved
