"""Indonesian text as the search index and the queries see it: case and accent folded,
informal spellings expanded, words stemmed (Sastrawi, the Nazief-Adriani rules), so
that "jalanan", "perbaikan" and "pengobatan" meet "jalan", "diperbaiki" and "obat".

The index keeps every word (stemmed); a query drops the stop words unless nothing else
is left, so "jalan yang rusak" asks for "jalan rusak" and "di" alone still asks for "di".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from aduan.core.tracking import normalise_tracking_id
from aduan.reports.pii import pii_kinds

MAX_QUERY_WORDS = 8
MAX_WORD_LENGTH = 50

# Informal spellings common in complaints, by SMS above all.
SLANG = {
    "yg": "yang",
    "tdk": "tidak",
    "tak": "tidak",
    "gak": "tidak",
    "ga": "tidak",
    "gk": "tidak",
    "nggak": "tidak",
    "enggak": "tidak",
    "sdh": "sudah",
    "udah": "sudah",
    "udh": "sudah",
    "blm": "belum",
    "dgn": "dengan",
    "dg": "dengan",
    "krn": "karena",
    "karna": "karena",
    "utk": "untuk",
    "dr": "dari",
    "dlm": "dalam",
    "pd": "pada",
    "tp": "tapi",
    "jln": "jalan",
    "jl": "jalan",
    "sy": "saya",
    "skrg": "sekarang",
    "sampe": "sampai",
    "bbrp": "beberapa",
    "kmrn": "kemarin",
    "hrs": "harus",
    "lg": "lagi",
    "org": "orang",
    "pemda": "pemerintah daerah",
    "pemkot": "pemerintah kota",
    "pemkab": "pemerintah kabupaten",
}

# Function words only: Sastrawi's own list (809 words) also drops "kerja", "masalah",
# "baik" or "belum", which carry meaning in a complaint.
_STOP_WORDS = """
    yang dan di ke dari pada untuk dengan atau ini itu ada adalah akan sudah telah sedang
    juga saja pun lah kah tah nya oleh bagi karena agar supaya sehingga namun tetapi tapi
    serta dalam atas bawah antara sejak hingga sampai kepada terhadap tentang seperti
    bahwa jika kalau maka lagi masih sangat sekali hanya para sang si pak bu bapak ibu
    saya kami kita aku anda mereka dia ia beliau kamu kalian tersebut mohon tolong harap
    apa siapa mana kapan bagaimana mengapa kenapa berapa apakah the a of
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

_WORD = re.compile(r"[a-z0-9]+")
# A word a visitor may not search by, because it could be a piece of personal data the
# public text masks: anything with "@", four digits in a row, or a group of three or more
# digits and separators alone ("345-678"). A visitor still finds "RT 03", "No. 12" or a
# place by name; a year or a postcode is not a search term for them.
_PERSONAL_FRAGMENT = re.compile(r"@|\d{4,}|^[\d().,/+-]*\d[\d().,/+-]*\d[\d().,/+-]*\d")


def fold(text: str) -> str:
    """Lower case without accents or ligatures: "Désa" and "DESA" are "desa"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.cache
def _stemmer():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@functools.lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The word's root; words with digits and short words stay as they are."""
    if len(word) <= 3 or not word.isalpha():
        return word
    return _stemmer().stem(word) or word


def words(text: str) -> Iterator[str]:
    """The folded words of ``text``, informal spellings expanded."""
    for word in _WORD.findall(fold(text)):
        yield from SLANG.get(word, word).split()


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, stem)`` of each word of ``text`` as written (for highlighting)."""
    for match in re.finditer(r"\w+", text):
        for word in words(match.group()):
            yield match.start(), match.end(), stem(word)


def index_text(text: str) -> str:
    """``text`` as the index stores it: stems separated by spaces, stop words kept."""
    return " ".join(stem(word) for word in words(text))


def searchable_in_public(raw_word: str) -> bool:
    return not (pii_kinds(raw_word) or _PERSONAL_FRAGMENT.search(raw_word))


def _query_stems(raw_words: list[str]) -> tuple[str, ...]:
    all_words = [word for raw in raw_words for word in words(raw)]
    content = [word for word in all_words if word not in STOP_WORDS] or all_words
    return tuple(dict.fromkeys(stem(word) for word in content))


@dataclass(frozen=True)
class Query:
    """A search as typed, parsed once.

    ``terms``: the stems every match must hold, for readers of the original text;
    ``public_terms``: the same without the words that may be personal data (an NIK, a
    phone number, an address), which never match the public text; ``tracking_id``: the
    query is a report's tracking id."""

    terms: tuple[str, ...]
    public_terms: tuple[str, ...]
    tracking_id: str | None = None

    def __bool__(self) -> bool:
        return bool(self.terms or self.tracking_id)


def parse_query(q: str | None) -> Query:
    raw_words = [word[:MAX_WORD_LENGTH] for word in (q or "").split()[:MAX_QUERY_WORDS]]
    tracking_id = normalise_tracking_id(raw_words[0]) if len(raw_words) == 1 else None
    return Query(
        terms=_query_stems(raw_words),
        public_terms=_query_stems([raw for raw in raw_words if searchable_in_public(raw)]),
        tracking_id=tracking_id,
    )


def significant_stems(text: str, limit: int = 12) -> tuple[str, ...]:
    """The first ``limit`` distinct content stems of ``text`` (a draft report), for
    "similar reports": words, not personal data."""
    raw_words = [raw for raw in text.split() if searchable_in_public(raw)]
    stems = [stem(w) for raw in raw_words for w in words(raw) if w not in STOP_WORDS]
    return tuple(dict.fromkeys(s for s in stems if len(s) > 2))[:limit]
