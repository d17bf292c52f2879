"""The router learns agencies and kinds from examples and ranks its suggestions."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from aduan.triage import text
from aduan.triage.router import Example, Router

pytestmark = pytest.mark.django_db

TOPICS = {
    "Dinas Pekerjaan Umum": ["jalan berlubang rusak parah", "aspal jalan rusak", "jembatan ambruk"],
    "BPJS Kesehatan": ["kartu bpjs ditolak rumah sakit", "iuran bpjs naik", "klaim bpjs lama"],
    "Direktorat Jenderal Imigrasi": ["paspor lama jadi", "antrian paspor imigrasi", "visa kerja"],
}
KINDS = {
    "complaint": "sudah dua minggu tidak ada perbaikan, sangat mengecewakan",
    "information_request": "bagaimana cara dan syaratnya, mohon informasinya",
    "aspiration": "usul agar dibangun taman kota untuk warga",
}


def examples(times: int = 4) -> list[Example]:
    found = []
    for agency, titles in TOPICS.items():
        for n in range(times):
            for title in titles:
                for kind, body in KINDS.items():
                    found.append(Example(f"{title} {n}", f"{title}. {body}", agency, kind))
    return found


@pytest.fixture(autouse=True)
def _no_places():
    text.place_names.cache_clear()
    yield
    text.place_names.cache_clear()


def test_the_router_ranks_the_right_agency_first_with_a_confidence():
    router = Router(version="t1").fit(examples())
    suggestion = router.suggest("Paspor saya belum jadi", "Sudah sebulan paspor belum selesai")
    names = [name for name, _c in suggestion.agencies]
    assert names[0] == "Direktorat Jenderal Imigrasi"
    assert len(names) == 3
    confidences = [c for _n, c in suggestion.agencies]
    assert confidences == sorted(confidences, reverse=True)
    assert 0 < sum(confidences) <= 1.0001
    assert suggestion.version == "t1"
    kind = router.suggest("Usul taman", "usul agar dibangun taman kota").classification
    assert kind[0] == "aspiration"


def test_an_untrained_router_suggests_nothing():
    suggestion = Router().fit([Example("a", "b", None, None)]).suggest("jalan", "rusak")
    assert (suggestion.agencies, suggestion.classification) == ([], None)


def _jsonl(path, rows):
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return path


def test_evaluate_router_trains_on_one_file_and_scores_the_other(tmp_path):
    rows = [
        {"title": e.title, "body": e.body, "agency": e.agency, "classification": e.classification}
        for e in examples()
    ]
    train = _jsonl(tmp_path / "train.jsonl", rows)
    test = _jsonl(
        tmp_path / "test.jsonl",
        [
            {
                "title": "Jalan rusak",
                "body": "jalan berlubang parah, sudah dua minggu tidak ada perbaikan",
                "agency": "Dinas Pekerjaan Umum",
                "classification": "complaint",
            },
            {
                "title": "Paspor",
                "body": "antrian paspor lama",
                "agency": "Direktorat Jenderal Imigrasi",
                "classification": None,
            },
            # Too few training examples: not scored for routing.
            {"title": "Lampu", "body": "lampu padam", "agency": "PLN", "classification": None},
            {
                "title": "Syarat",
                "body": "bagaimana cara dan syaratnya, mohon informasinya",
                "agency": None,
                "classification": "information_request",
            },
        ],
    )
    out = io.StringIO()
    call_command(
        "evaluate_router", "--train", train, "--test", test, stdout=out, stderr=io.StringIO()
    )
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result == {
        "n": 2,
        "agencies": 2,
        "top1": 1.0,
        "top3": 1.0,
        "classification_accuracy": 1.0,
        "classification_macro_f1": 1.0,
    }


def test_evaluate_router_names_a_bad_line(tmp_path):
    train = tmp_path / "train.jsonl"
    train.write_text('{"title": "a", "body": "b"}\nnot json\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"train.jsonl:2"):
        call_command("evaluate_router", "--train", train, "--test", train)
    train.write_text('{"title": "a", "body": "b", "signals": "channel_sms"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"train.jsonl:1: signals must be a list"):
        call_command("evaluate_router", "--train", train, "--test", train)
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("evaluate_router", "--train", tmp_path / "none.jsonl", "--test", train)


def _names(suggestion):
    return [name for name, _c in suggestion.agencies]


def _share(suggestion, agency):
    return dict(suggestion.agencies).get(agency, 0.0)


PAVEMENT = [Example(f"trotoar rusak {n}", "trotoar rusak dan berlubang", "Dinas Pekerjaan Umum") for n in range(3)]  # fmt: skip


def test_a_return_lowers_that_agency_for_similar_text():
    returned = [
        Example(f"trotoar rusak {n}", "trotoar rusak berlubang", not_agencies=("Dinas Pekerjaan Umum",))
        for n in range(6)
    ]  # fmt: skip
    before = Router().fit(examples(2) + PAVEMENT).suggest("Trotoar rusak", "trotoar berlubang")
    after = (
        Router()
        .fit(examples(2) + PAVEMENT + returned)
        .suggest("Trotoar rusak", "trotoar berlubang")
    )
    assert _names(before)[0] == "Dinas Pekerjaan Umum"
    assert _share(after, "Dinas Pekerjaan Umum") < _share(before, "Dinas Pekerjaan Umum")
    # Other texts keep their agency.
    road = Router().fit(examples(2) + PAVEMENT + returned).suggest("Jalan", "aspal jalan rusak")
    assert _names(road)[0] == "Dinas Pekerjaan Umum"


def test_returns_alone_train_an_agency_that_has_reports_elsewhere():
    router = Router().fit(
        [
            *[Example(f"kartu bpjs ditolak {n}", "bpjs ditolak", "BPJS Kesehatan") for n in range(4)],
            *[Example(f"paspor hilang {n}", "paspor", not_agencies=("BPJS Kesehatan",)) for n in range(4)],
        ]
    )  # fmt: skip
    assert router.agency_labels == frozenset({"BPJS Kesehatan"})
    assert _names(router.suggest("bpjs ditolak", "kartu bpjs")) == ["BPJS Kesehatan"]


def test_excluded_agencies_are_never_suggested():
    router = Router().fit(examples(2))
    title, body = "Paspor saya belum jadi", "antrian paspor imigrasi lama"
    assert _names(router.suggest(title, body))[0] == "Direktorat Jenderal Imigrasi"
    suggestion = router.suggest(title, body, exclude={"Direktorat Jenderal Imigrasi", "PLN"})
    assert "Direktorat Jenderal Imigrasi" not in _names(suggestion)
    assert len(suggestion.agencies) == 2
    assert abs(sum(c for _n, c in suggestion.agencies) - 1) < 1e-6
    many = router.suggest_many(
        [(title, body, ()), (title, body, ())], exclude=[(), ["Direktorat Jenderal Imigrasi"]]
    )
    assert [_names(s)[0] == "Direktorat Jenderal Imigrasi" for s in many] == [True, False]
    with pytest.raises(ValueError, match="one collection per report"):
        router.suggest_many([(title, body, ())], exclude=[(), ()])


def test_the_router_suggests_a_category_and_a_programme_or_none():
    cases = [
        ("beras bansos rastra tidak sampai", "Bantuan sosial", "BPNT"),
        ("kartu bpjs ditolak rumah sakit", "Kesehatan", "JKN"),
        ("jalan berlubang rusak parah", "Infrastruktur", ""),
    ]
    found = [
        Example(f"{body} {n}", body, category=category, programme=programme)
        for n in range(4)
        for body, category, programme in cases
    ]
    router = Router().fit(found)
    rice = router.suggest("Rastra", "beras bansos rastra belum sampai")
    assert rice.category[0] == "Bantuan sosial"
    assert rice.programme[0] == "BPNT"
    assert 0 < rice.programme[1] <= 1
    road = router.suggest("Jalan", "jalan berlubang parah")
    assert road.category[0] == "Infrastruktur"
    assert road.programme is None  # the best guess is "no programme"
    assert (road.agencies, road.classification) == ([], None)


CITIES = {"region_3374": "Dinas Perhubungan Kota Semarang", "region_3273": "Dinas Perhubungan Kota Bandung"}  # fmt: skip


def test_signals_are_features_the_same_text_goes_to_each_city():
    lights = ["lampu lalu lintas mati", "traffic light rusak", "lampu merah tidak menyala"]
    found = examples(1) + [
        Example(f"{text_} {n}", text_, agency, signals=("channel_web", region))
        for region, agency in CITIES.items()
        for text_ in lights
        for n in range(3)
    ]
    router = Router().fit(found)
    for region, agency in CITIES.items():
        suggestion = router.suggest("Lampu lalu lintas", "lampu mati", ("channel_web", region))
        assert _names(suggestion)[0] == agency
    # The reporter's choice is a signal too, names with spaces included.
    chose = [
        Example(f"jalan rusak {n}", "aspal jalan", agency, signals=(f"chose_{agency}",))
        for n in range(3)
        for agency in CITIES.values()
    ]
    router = Router().fit(examples(1) + chose)
    for agency in CITIES.values():
        assert _names(router.suggest("Jalan rusak", "aspal", (f"chose_{agency}",)))[0] == agency


def test_an_agency_in_another_place_than_the_report_loses_ground(monkeypatch):
    from aduan.regions.tests.factories import ProvinceFactory, RegencyFactory
    from aduan.triage import router as router_module

    RegencyFactory(parent=ProvinceFactory(code="33", name="JAWA TENGAH"), code="33.74", name="KOTA SEMARANG")  # fmt: skip
    RegencyFactory(parent=ProvinceFactory(code="32", name="JAWA BARAT"), code="32.73", name="KOTA BANDUNG")  # fmt: skip
    text.place_names.cache_clear()
    found = examples(1) + [
        Example(f"jalan rusak {n}", "aspal jalan rusak berlubang", f"Dinas Pekerjaan Umum {city}")
        for city, times in (("Kota Semarang", 5), ("Kota Bandung", 4))
        for n in range(times)
    ]
    report = ("Jalan rusak", "aspal jalan rusak berlubang di Kota Bandung")
    router = Router().fit(found)
    assert _names(router.suggest(*report))[0] == "Dinas Pekerjaan Umum Kota Bandung"
    # The same region as a signal, and no penalty without a place.
    assert _names(router.suggest("Jalan rusak", "aspal jalan", ("region_3273",)))[0] == (
        "Dinas Pekerjaan Umum Kota Bandung"
    )
    monkeypatch.setattr(router_module, "PLACE_CONFLICT", 0.0)
    assert _names(router.suggest(*report))[0] == "Dinas Pekerjaan Umum Kota Semarang"


def test_a_dumped_router_suggests_the_same_and_garbage_is_refused():
    steps = []
    router = Router(version="v7").fit(examples(2), progress=steps.append)
    assert steps == ["agencies", "classification"]
    data = router.dumps()
    assert isinstance(data, bytes)
    again = Router.loads(data)
    assert again.version == "v7"
    assert again.agency_labels == router.agency_labels == frozenset(TOPICS)
    reports = [("Paspor", "antrian paspor", ()), ("Jalan", "usul agar jalan diperbaiki", ())]
    assert again.suggest_many(reports) == router.suggest_many(reports)
    for bad in (b"", b"not a router", data[:20]):
        with pytest.raises(ValueError, match="not a dumped router"):
            Router.loads(bad)


def test_evaluate_router_reads_signals_and_returns(tmp_path):
    from aduan.triage.management.commands.evaluate_router import read_examples

    path = _jsonl(
        tmp_path / "rows.jsonl",
        [{"title": "a", "body": "b", "signals": ["channel_sms"], "not_agencies": ["PLN"]}],
    )
    [example] = read_examples(path)
    assert (example.signals, example.not_agencies, example.agency) == (
        ("channel_sms",),
        ("PLN",),
        None,
    )


def test_a_head_with_many_labels_keeps_only_its_largest_weights():
    """Many agencies: a fifth of the weights, sparse; each agency's own words still win."""
    import scipy.sparse as sp

    from aduan.triage import router as module

    words = [f"topik{n} masalah{n} keluhan{n}" for n in range(module.PRUNE_FROM_LABELS)]
    found = [
        Example(f"{text} nomor {k}", f"{text} sudah lama {k}", f"Dinas {n}", "complaint")
        for n, text in enumerate(words)
        for k in range(3)
    ]
    router = Router().fit(found)
    weights = router._heads["agencies"].weights
    assert sp.issparse(weights)
    assert weights.nnz <= module.KEPT_WEIGHTS * weights.shape[0] * weights.shape[1] + 1
    for n in (0, 7, module.PRUNE_FROM_LABELS - 1):
        assert router.suggest(words[n], "").agencies[0][0] == f"Dinas {n}"
    # Three agencies are few labels: dense, nothing dropped.
    assert not sp.issparse(Router().fit(examples())._heads["agencies"].weights)
