"""The SMS command parser: examples, then properties over arbitrary text."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aduan.channels.sms import gsm
from aduan.channels.sms.parser import (
    CANONICAL,
    KEYWORDS,
    SUBMITTING,
    TITLE_CHARS,
    Kind,
    clean,
    derive_title,
    parse,
)
from aduan.core.tracking import ALPHABET, LENGTH
from aduan.reports.models import BODY_MIN, TITLE_MAX, TITLE_MIN

BODY = "Jalan rusak di depan pasar Cibinong sudah tiga bulan"


@pytest.mark.parametrize(
    ("keyword", "kind"),
    [
        ("LAPOR", Kind.REPORT),
        ("report", Kind.REPORT),
        ("Aspirasi", Kind.ASPIRATION),
        ("ASPIRATION", Kind.ASPIRATION),
        ("info", Kind.INFORMATION),
        ("INFORMASI", Kind.INFORMATION),
    ],
)
def test_the_submitting_keywords_and_their_english_aliases(keyword, kind):
    command = parse(f"  {keyword}   {BODY}  ")
    assert (command.kind, command.text, command.keyword) == (kind, BODY, keyword.upper())
    assert command.classification is not None


@pytest.mark.parametrize(
    "text", ["LAPOR: " + BODY, "lapor#" + BODY, "LAPOR\n\n" + BODY, "Lapor.  " + BODY]
)
def test_separators_and_line_breaks_after_the_keyword(text):
    assert parse(text).text == BODY


def test_whitespace_inside_the_text_becomes_single_spaces():
    assert parse("LAPOR jalan\n\nrusak   parah\t sekali").text == "jalan rusak parah sekali"


@pytest.mark.parametrize(
    "text", ["CEK AB23CD45EF", "cek ab23-cd45ef", "STATUS ab23 cd45 ef", "check: AB23CD45EF"]
)
def test_status_with_the_tracking_number_as_people_type_it(text):
    command = parse(text)
    assert (command.kind, command.tracking_id) == (Kind.STATUS, "AB23CD45EF")


def test_an_unreadable_tracking_number_is_kept_for_the_answer():
    command = parse("CEK 12345")
    assert (command.kind, command.tracking_id, command.raw_id) == (Kind.STATUS, None, "12345")
    assert parse("CEK").raw_id == ""


def test_reply_takes_the_number_then_the_text():
    command = parse("balas ab23cd45ef   terima kasih,\nsudah diperbaiki")
    assert (command.kind, command.tracking_id, command.text) == (
        Kind.REPLY,
        "AB23CD45EF",
        "terima kasih, sudah diperbaiki",
    )


def test_reply_with_the_number_typed_in_two_halves():
    command = parse("REPLY AB23C D45EF ok thanks")
    assert (command.tracking_id, command.text) == ("AB23CD45EF", "ok thanks")


def test_reply_without_a_readable_number():
    command = parse("BALAS nomor saya hilang")
    assert (command.tracking_id, command.raw_id, command.text) == (None, "nomor", "saya hilang")


@pytest.mark.parametrize("text", ["BANTUAN", "help", "Help me please"])
def test_help(text):
    assert parse(text).kind is Kind.HELP


@pytest.mark.parametrize("text", ["", "   ", "halo", "LAPORjalan rusak", "123 LAPOR", "ℒAPOR x"])
def test_anything_else_is_unknown(text):
    command = parse(text)
    assert command.kind is Kind.UNKNOWN
    assert command.text == clean(text)


def test_title_is_the_first_words_at_a_word_boundary():
    body = "Jalan rusak di depan pasar Cibinong sudah tiga bulan tidak diperbaiki oleh dinas"
    title = derive_title(body)
    assert title == "Jalan rusak di depan pasar Cibinong sudah tiga bulan tidak…"
    assert len(title) <= TITLE_CHARS + 1


def test_a_short_text_is_its_own_title():
    assert (
        derive_title("Lampu jalan mati di depan SDN 3 Bogor")
        == "Lampu jalan mati di depan SDN 3 Bogor"
    )


def test_a_long_first_word_is_cut_inside():
    body = "https://contoh.go.id/" + "a" * 80 + " rusak"
    title = derive_title(body)
    assert title == body[:TITLE_CHARS] + "…"


def test_a_short_first_word_before_a_long_one_does_not_make_a_short_title():
    body = "Jalan " + "x" * 70
    assert len(derive_title(body)) >= TITLE_MIN


# --- Properties -------------------------------------------------------------------------

_words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=300)


@given(_words)
def test_parse_never_crashes_and_always_decides(text):
    command = parse(text)
    assert command.kind in set(Kind)
    assert "\n" not in command.text
    assert "  " not in command.text
    if command.tracking_id is not None:
        assert len(command.tracking_id) == LENGTH


_spaces = st.text(alphabet=" \n\t\r", min_size=1, max_size=4)
# Words start with a letter or digit: punctuation right after the keyword is a separator
# ("LAPOR: …", "CEK#…").
_body_words = st.lists(
    st.builds(
        str.__add__,
        st.sampled_from(string.ascii_letters + string.digits),
        st.text(alphabet=string.ascii_letters + string.digits + ".,?!'", max_size=11),
    ),
    min_size=1,
    max_size=40,
)
_tracking_ids = st.text(alphabet=ALPHABET, min_size=LENGTH, max_size=LENGTH)


def _random_case(draw, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.lower() if flip else c for c, flip in zip(word, flips, strict=True))


@given(st.data())
def test_commands_round_trip_whatever_the_case_and_spacing(data):
    keyword = data.draw(st.sampled_from(sorted(KEYWORDS)))
    kind = KEYWORDS[keyword]
    words = data.draw(_body_words)
    tracking_id = data.draw(_tracking_ids)
    pieces = [_random_case(data.draw, keyword)]
    if kind in (Kind.STATUS, Kind.REPLY):
        pieces.append(tracking_id.lower() if data.draw(st.booleans()) else tracking_id)
    if kind in SUBMITTING or kind is Kind.REPLY:
        pieces.extend(words)
    text = data.draw(_spaces).join(pieces)
    text = (
        data.draw(st.sampled_from(["", " ", "\n"])) + text + data.draw(st.sampled_from(["", " \n"]))
    )

    command = parse(text)
    assert command.kind is kind
    if kind in SUBMITTING:
        assert command.text == " ".join(words)
    if kind in (Kind.STATUS, Kind.REPLY):
        assert command.tracking_id == tracking_id
    if kind is Kind.REPLY:
        assert command.text == " ".join(words)
    # And the canonical form reads back the same.
    canonical = " ".join(p for p in (CANONICAL[kind], command.tracking_id, command.text) if p)
    again = parse(canonical)
    assert (again.kind, again.tracking_id, again.text) == (kind, command.tracking_id, command.text)
    assert CANONICAL[kind] in KEYWORDS


@given(st.text(min_size=BODY_MIN, max_size=4000))
def test_every_acceptable_body_gives_an_acceptable_title(raw):
    body = clean(raw)
    if len(body) < BODY_MIN:
        return
    title = derive_title(body)
    assert TITLE_MIN <= len(title) <= TITLE_MAX
    assert body.startswith(title.removesuffix("…"))


@given(st.text(max_size=600), st.text(max_size=600), st.text(max_size=200), st.integers(1, 3))
def test_fit_always_fits_and_is_gsm(head, excerpt, tail, parts):
    text = gsm.fit(head, excerpt, tail, parts=parts)
    assert gsm.is_gsm(text)
    assert gsm.septets(text) <= gsm.budget(parts)


def test_fit_shortens_the_excerpt_and_keeps_the_rest():
    text = gsm.fit(
        "Laporan AB23CD45EF: Ditanggapi.", "kata " * 100, "Balas: BALAS AB23CD45EF <pesan>"
    )
    assert text.startswith("Laporan AB23CD45EF: Ditanggapi. kata kata")
    assert text.endswith("... Balas: BALAS AB23CD45EF <pesan>")
    assert gsm.septets(text) <= 160


def test_characters_outside_gsm_are_replaced_rather_than_turning_the_sms_into_ucs2():
    assert gsm.to_gsm("“Jalan” – rusak… ā 😀 é") == '"Jalan" - rusak... a ? é'
    assert gsm.septets("€[x]") == 7
