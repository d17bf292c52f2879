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
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("evaluate_router", "--train", tmp_path / "none.jsonl", "--test", train)
