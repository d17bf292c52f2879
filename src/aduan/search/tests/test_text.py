import pytest

from aduan.search.text import (
    fold,
    index_text,
    parse_query,
    searchable_in_public,
    significant_stems,
    stem,
)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("jalan", "jalanan"),
        ("perbaikan", "diperbaiki"),
        ("obat", "pengobatan"),
        ("pelayanan", "dilayani"),
        ("rumah", "perumahan"),
    ],
)
def test_inflections_and_derivations_share_a_stem(one, other):
    assert stem(one) == stem(other)


def test_case_and_accents_fold():
    assert fold("DÉSA Café") == "desa cafe"
    assert index_text("JALANAN Rusak") == index_text("jalanan rusak") == "jalan rusak"


def test_slang_is_expanded_before_stemming():
    assert index_text("jln blm diperbaiki krn dana") == "jalan belum baik karena dana"
    assert index_text("gak ada yg datang") == "tidak ada yang datang"


def test_the_index_keeps_stop_words_and_the_query_drops_them():
    assert index_text("jalan yang rusak") == "jalan yang rusak"
    assert parse_query("jalan yang rusak di desa").terms == ("jalan", "rusak", "desa")
    # Nothing but stop words: they are the search.
    assert parse_query("di").terms == ("di",)


def test_a_query_holds_at_most_eight_words_and_no_duplicate():
    query = parse_query("jalan jalanan " + " ".join(f"kata{i}" for i in range(20)))
    assert query.terms[0] == "jalan"
    assert len(query.terms) == 7  # 8 words, "jalan" twice


@pytest.mark.parametrize(
    "raw", ["3273012345678901", "nama@contoh.id", "081234567890", "0812-3456", "3273"]
)
def test_personal_data_is_no_public_term(raw):
    assert not searchable_in_public(raw)
    query = parse_query(f"pungli {raw}")
    assert query.public_terms == ("pungli",)
    assert len(query.terms) > 1  # the reporter and the desks still search by it


def test_words_a_visitor_searches_by():
    assert all(searchable_in_public(w) for w in ("RT", "03", "No.12", "kelurahan"))


def test_a_tracking_id_is_recognised():
    assert parse_query("abcd-efgh-jk").tracking_id == "ABCDEFGHJK"
    assert parse_query("jalan rusak").tracking_id is None


def test_an_empty_query_is_false():
    assert not parse_query("")
    assert not parse_query("   ")
    assert not parse_query("!!! ---")


def test_significant_stems_of_a_draft():
    stems = significant_stems(
        "Jalanan di depan sekolah belum pernah diperbaiki, hubungi 081234567890"
    )
    assert stems[:3] == ("jalan", "depan", "sekolah")
    assert "081234567890" not in stems
