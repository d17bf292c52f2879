"""Complaint text as the router reads it: folded, the slang and abbreviations of
complaints written out, the greetings and closing formulas dropped, stemmed (the search's
stemmer), and the names of places turned into location signals instead of topic words."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from aduan.search.text import SLANG, STOP_WORDS, fold, stem

# Beyond the search's list: what complaints abbreviate most (LAPOR! 2017, SMS above all).
MORE_SLANG = {
    "tlg": "tolong",
    "bpk": "bapak",
    "ibu2": "ibu",
    "mhn": "mohon",
    "trm": "terima",
    "trims": "terima kasih",
    "makasih": "terima kasih",
    "dpt": "dapat",
    "sm": "sama",
    "jg": "juga",
    "bs": "bisa",
    "bsa": "bisa",
    "spt": "seperti",
    "sblm": "sebelum",
    "stlh": "setelah",
    "thn": "tahun",
    "bln": "bulan",
    "kel": "kelurahan",
    "kec": "kecamatan",
    "kab": "kabupaten",
    "prov": "provinsi",
    "dll": "dan lain lain",
    "dsb": "dan sebagainya",
    "ttg": "tentang",
    "msh": "masih",
    "bgt": "banget",
    "gmn": "bagaimana",
    "knp": "kenapa",
    "sbg": "sebagai",
    "krj": "kerja",
}
ABBREVIATIONS = {**SLANG, **MORE_SLANG}

# Greetings, salutations and closing formulas: every report has some, none says where
# it belongs ("mohon informasinya", "mohon dipertimbangkan" stay: they say its kind). Matched on the folded text, whole words, longest first.
BOILERPLATE = sorted(
    [
        "kepada yang terhormat",
        "kepada yth",
        "kpd yth",
        "yth",
        "dengan hormat",
        "mohon ditindaklanjuti",
        "mohon segera ditindaklanjuti",
        "mohon tindak lanjut",
        "mohon tindak lanjutnya",
        "mohon bantuannya",
        "atas perhatiannya",
        "atas perhatian",
        "terima kasih",
        "terimakasih",
        "selamat pagi",
        "selamat siang",
        "selamat sore",
        "selamat malam",
        "assalamualaikum",
        "assalamu alaikum",
        "wassalamualaikum",
        "wassalam",
        "salam",
        "bapak ibu",
        "bapak/ibu",
    ],
    key=len,
    reverse=True,
)
_BOILERPLATE = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in BOILERPLATE) + r")\b")
# The search's stop words but the question and request words: they tell an information
# request ("bagaimana", "apakah") from a complaint.
KIND_WORDS = frozenset(
    [
        "apa",
        "siapa",
        "mana",
        "kapan",
        "bagaimana",
        "mengapa",
        "kenapa",
        "berapa",
        "apakah",
        "mohon",
        "tolong",
        "harap",
    ]
)
ROUTER_STOP_WORDS = STOP_WORDS - KIND_WORDS
_WORD = re.compile(r"[a-z0-9]+")
_MASK = re.compile(r"\[\*+\]")  # personal data masked by the source or by Aduan


def expand(text: str) -> str:
    """Folded, masks and boilerplate gone, abbreviations written out."""
    folded = _MASK.sub(" ", fold(text))
    words = " ".join(ABBREVIATIONS.get(w, w) for w in _WORD.findall(folded))
    return _BOILERPLATE.sub(" ", words)


def tokens(text: str, places: dict[str, str] | None = None) -> list[str]:
    """The stems of ``text`` without stop words; each place name in ``places`` (folded
    name → code) becomes one ``loc_<code>`` token in place of its words."""
    words = expand(text).split()
    found: list[str] = []
    i = 0
    while i < len(words):
        if places:
            hit = _place_at(words, i, places)
            if hit is not None:
                code, width = hit
                found.append(f"loc_{code}")
                i += width
                continue
        word = words[i]
        if word not in ROUTER_STOP_WORDS and len(word) > 1:
            found.append(stem(word))
        i += 1
    return found


def _place_at(words: list[str], i: int, places: dict[str, str]) -> tuple[str, int] | None:
    for width in (3, 2, 1):
        name = " ".join(words[i : i + width])
        if len(name) >= 4 and name in places:
            return places[name], width
    return None


@functools.cache
def place_names() -> dict[str, str]:
    """Province and regency/city names (folded, without "Kota"/"Kabupaten"/"Provinsi")
    → their code; a bare name shared by a city and a regency maps to their province."""
    from aduan.regions.models import Region

    names: dict[str, str] = {}
    for code, name in Region.objects.filter(level__in=(1, 2)).values_list("code", "name"):
        bare = re.sub(r"^(kota|kabupaten|kab|provinsi|daerah istimewa|dki)\s+", "", fold(name))
        bare = " ".join(_WORD.findall(bare))
        for key in {" ".join(_WORD.findall(fold(name))), bare}:
            if key in names and names[key] != code:
                names[key] = code[:2]  # two places share the name: their province
            else:
                names[key] = code
    return names


_NOT_SIGNAL = re.compile(r"[^a-z0-9_.]+")


def signal(token: str) -> str:
    """A signal as one token: folded, each run of other characters an underscore
    ("chose_Dinas PU Kota Semarang" → "chose_dinas_pu_kota_semarang")."""
    return _NOT_SIGNAL.sub("_", fold(token)).strip("_")


def document(title: str, body: str, extra: Iterable[str] = ()) -> str:
    """The router's input for one report: title and text tokens (the title twice, as it
    says what the report is about), and any extra signal tokens."""
    places = place_names()
    title_tokens = tokens(title, places)
    signals = [s for s in map(signal, extra) if s]
    return " ".join([*title_tokens, *title_tokens, *tokens(body, places), *signals])
