"""Which report needs a human first: priority flags read from a report's text by rules
(danger, violence, extortion, a named official, abuse, spam; the desk archives the last
two in one click). Phrases and nearby words on the normalised text, never one ambiguous
word ("sakit hati dengan pelayanan" is no danger); affixes in the patterns instead of
the stemmer, which would make "dipukul" and "pukul 10" one word."""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from aduan.reports.pii import PHONE, pii_kinds
from aduan.search.text import STOP_WORDS

from .text import expand


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


DANGER, VIOLENCE, EXTORTION, OFFICIAL, ABUSE, SPAM = (
    "danger",
    "violence",
    "extortion",
    "official",
    "abuse",
    "spam",
)
FLAGS = (DANGER, VIOLENCE, EXTORTION, OFFICIAL, ABUSE, SPAM)
ARCHIVABLE = frozenset({ABUSE, SPAM})  # the desk may archive these with one click
FLAG_LABELS = {
    DANGER: _("Danger to life or health"),
    VIOLENCE: _("Violence"),
    EXTORTION: _("Extortion, bribery or corruption"),
    OFFICIAL: _("Names an official"),
    ABUSE: _("Abusive language"),
    SPAM: _("Spam?"),
}
TONE = "alert"  # every priority flag stands out in the queue


def flag_display(key: str) -> tuple[str, str]:
    """The label the desk reads and the tone (a CSS modifier) of one flag key."""
    return str(FLAG_LABELS[key]), TONE


def priority_flags(title: str, body: str) -> list[str]:
    """The priority flags of a report, in the order of ``FLAGS``."""
    raw = f"{title}\n{body}"
    tokens = expand(raw).split()
    words = frozenset(tokens)
    found = []
    if _danger(tokens, words):
        found.append(DANGER)
    if _VIOLENCE.found(tokens, words):
        found.append(VIOLENCE)
    if _extortion(tokens, words, raw):
        found.append(EXTORTION)
    if _names_official(raw):
        found.append(OFFICIAL)
    if _abusive(raw):
        found.append(ABUSE)
    if _spam(raw, tokens, words):
        found.append(SPAM)
    return found


# --- Phrases on the expanded text ---------------------------------------------------------

_W = r"[a-z0-9]+"


Rule = tuple[str, frozenset[str]]  # a pattern and the words one of which it needs


# Words in most reports: a phrase's other word decides whether its rule runs.
_COMMON = frozenset({"rumah", "jalan", "tidak", "ada", "uang", "kantor", "orang", "anak"})


def _split(alternatives: str) -> list[str]:
    """The top-level alternatives of a pattern ("a|b (?:c|d)" → "a", "b (?:c|d)")."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(alternatives):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(alternatives[start:i])
            start = i + 1
    return [*parts, alternatives[start:]]


def _needed(alternatives: str) -> frozenset[str]:
    """For each alternative, a word every match of it holds (the longest outside groups):
    a text with none of them cannot match, and the regex is not even run."""
    needed = set()
    for alternative in _split(alternatives):
        outside = alternative
        while "(" in outside:
            outside = re.sub(r"\([^()]*\)\??", " ", outside)
        words = re.findall(r"[a-z0-9]+", outside)
        if not words or re.search(r"\\[a-zA-Z]", outside):
            raise ValueError(f"no plain word in {alternative!r}")
        rare = [w for w in words if w not in _COMMON] or words
        needed.add(max(rare, key=len))
    return frozenset(needed)


def _bounded(alternatives: str) -> str:
    return rf"\b(?:{alternatives})\b"


def _words(alternatives: str) -> Rule:
    return _bounded(alternatives), _needed(alternatives)


def _near(a: str, b: str, gap: int) -> Rule:
    """``a`` and ``b`` (either order) with at most ``gap`` words between them; ``a`` is
    the rarer side (its words decide whether the regex runs)."""
    between = rf"(?: {_W}){{0,{gap}}} "
    pattern = rf"{_bounded(a)}{between}{_bounded(b)}|{_bounded(b)}{between}{_bounded(a)}"
    return pattern, _needed(a)


# A match holds one of its rule's needed words and is at most this many words long: the
# patterns run on the words around each needed word, not over the whole text.
_SPAN = 16


@dataclass(frozen=True)
class _Rules:
    pattern: re.Pattern[str]
    needed: frozenset[str]

    def found(self, tokens: list[str], words: frozenset[str]) -> bool:
        """Whether the words around a needed word hold a match (any such match is one
        of the whole text: a stretch starts and ends between words)."""
        if self.needed.isdisjoint(words):
            return False
        stretches: list[list[int]] = []  # [start, end) in words, overlapping ones merged
        for i, token in enumerate(tokens):
            if token in self.needed:
                if stretches and i - _SPAN <= stretches[-1][1]:
                    stretches[-1][1] = i + _SPAN + 1
                else:
                    stretches.append([max(0, i - _SPAN), i + _SPAN + 1])
        return any(self.pattern.search(" ".join(tokens[a:b])) for a, b in stretches)


def _compile(*rules: Rule) -> _Rules:
    return _Rules(
        re.compile("|".join(f"(?:{pattern})" for pattern, _ in rules)),
        frozenset().union(*(needed for _, needed in rules)),
    )


_CARE = (
    r"rumah sakit|rs|rsu|rsud|rsup|rsia|igd|ugd|gawat darurat|puskesmas|klinik|dokter|"
    r"bidan|perawat|ambulans|ambulan|ambulance"
)
_REFUSED = (
    r"ditolak|menolak|tolak|penolakan|ditelantarkan|menelantarkan|telantar|terlantar|"
    r"disuruh pulang|diusir|dipulangkan|tidak (?:mau |bisa |dapat )?(?:menerima|diterima|"
    r"dilayani|melayani|ditangani|menangani|dirawat|merawat)|tidak ada (?:kamar|dokter)|"
    r"kamar (?:penuh|habis)"
)
_VICTIM = r"pasien|bayi|balita|ibu hamil|korban|penumpang|pengendara|pejalan kaki"
_DEATH = r"meninggal|meninggal dunia|tewas|wafat|kritis|sekarat|koma|nyawa"
_COLLAPSE = (
    r"ambruk|roboh|rubuh|runtuh|amblas|ambles|jebol|putus|patah|hanyut|retak|miring|"
    r"lapuk|keropos|berlubang|hampir (?:putus|roboh|ambruk|runtuh)|nyaris (?:putus|roboh|ambruk)"
)
_DANGER = _compile(
    _near(_CARE, _REFUSED, 6),  # (the care side: "tidak" is in every report)
    _near(_DEATH, _VICTIM, 4),
    _near(r"jembatan|tanggul|bendungan|tebing|atap|gedung|plafon|tembok|dinding", _COLLAPSE, 3),
    _near(r"amblas|ambles|ambruk|putus|longsor|runtuh|hanyut", r"jalan|jalanan", 2),
    _words(r"ambruk|roboh|rubuh|runtuh|amblas|ambles|jebol|tumbang"),
    _words(
        r"banjir|kebanjiran|longsor|tanah longsor|kebakaran|terbakar|gempa|tsunami|"
        r"erupsi|puting beliung|meledak|ledakan|kebocoran gas|gas bocor"
    ),
    _near(
        r"kabel|tiang listrik|tiang pln|trafo|gardu",
        r"jatuh|putus|menjuntai|terjuntai|menjulur|kendor|kendur|terlalu rendah|"
        r"rendah sekali|terkelupas|terbuka|melintang|korslet|konslet|percikan|"
        r"bunga api|terbakar|meledak|miring|roboh|patah|tumbang|tersangkut",
        4,
    ),
    _words(r"tersengat listrik|kesetrum|tersetrum|korsleting|konsleting|korslet|konslet"),
    _words(
        r"gizi buruk|busung lapar|keracunan|diracun|wabah|kejadian luar biasa|rabies|"
        r"tewas|korban jiwa|bunuh diri|gawat darurat|keadaan darurat|kondisi darurat|"
        r"taruhan nyawa|mempertaruhkan nyawa|kehilangan nyawa|merenggut nyawa"
    ),
    _near(r"membahayakan|mengancam|terancam|ancam", r"nyawa|jiwa", 0),
    _near(r"digigit|menggigit|gigitan|gigit", r"anjing|ular|monyet|buaya|anjing liar", 3),
    _near(
        r"kedaluwarsa|kadaluarsa|kadaluwarsa|palsu|berformalin|boraks|formalin|beracun",
        r"obat|vaksin|makanan|susu|jajanan|jamu",
        6,
    ),
    _near(
        r"kecelakaan",
        r"korban|meninggal|tewas|luka|terluka|sering|banyak|beberapa kali|berulang",
        3,
    ),
)
# What turns a danger word into something else: "tanggap darurat" plans, a fire *drill*.
_NOT_DANGER = frozenset({"simulasi", "pelatihan", "sosialisasi", "asuransi"})
# Names, services and plans, not events: the Banjir Kanal (a canal), the fire brigade,
# "solusi banjir" (a suggestion).
_DANGER_NAMES = _compile(
    _words(
        r"kanal banjir|banjir kanal|pemadam kebakaran|damkar|pensiun tewas|peil banjir|"
        r"solusi banjir|penanggulangan banjir|pencegahan banjir|antisipasi banjir|"
        r"pengendalian banjir|bebas banjir|rawan banjir|potensi banjir"
    )
)


def _danger(tokens: list[str], words: frozenset[str]) -> bool:
    """A danger phrase that is not a name ("Banjir Kanal") nor a drill's one mention."""
    if not _DANGER.found(tokens, words):
        return False
    if not _DANGER_NAMES.needed.isdisjoint(words):
        tokens = _DANGER_NAMES.pattern.sub(" ", " ".join(tokens)).split()
        words = frozenset(tokens)
    if _NOT_DANGER.isdisjoint(words):
        return _DANGER.found(tokens, words)
    return len(_DANGER.pattern.findall(" ".join(tokens))) > 1  # one mention: in a drill


_VIOLENCE = _compile(
    _words(
        r"kekerasan|kekerasan fisik|kekerasan seksual|dipukul|dipukuli|memukul|memukuli|"
        r"pemukulan|dianiaya|menganiaya|penganiayaan|aniaya|diperkosa|memperkosa|"
        r"pemerkosaan|perkosaan|rudapaksa|dicabuli|mencabuli|pencabulan|cabul|dilecehkan|"
        r"pelecehan seksual|dilecehkan secara seksual|kdrt|bully|bullying|dibully|dibuli|"
        r"perundungan|dirundung|merundung|dibunuh|membunuh|pembunuhan|dikeroyok|"
        r"mengeroyok|pengeroyokan|ditampar|menampar|ditendang|menendang|disiksa|menyiksa|"
        r"penyiksaan|dibacok|membacok|pembacokan|ditusuk|menusuk|penusukan|diculik|"
        r"menculik|penculikan|tawuran|dibegal|begal|pembegalan|senjata tajam|senjata api|"
        r"ditembak|penembakan|dijambak|dicekik|diintimidasi|mengintimidasi|intimidasi|"
        r"persekusi|main hakim sendiri|hukuman fisik|dihajar|menghajar"
    ),
    _near(
        r"diancam|mengancam|ancaman|mengancam akan",
        r"dibunuh|membunuh|pembunuhan|bunuh|dipukul|memukul|dibacok|membacok|dihabisi|"
        r"menghabisi|celaka|mencelakai|senjata|golok|parang|pisau|pistol|ditembak|"
        r"kekerasan|fisik",
        3,
    ),
    _near(
        r"pelecehan|melecehkan|leceh",
        r"seksual|cabul|siswi|murid|perempuan|wanita|mahasiswi|pasien|anak",
        3,
    ),
)

_EXTORTION = _compile(
    _words(
        r"pungli|pungutan liar|pungutan tidak resmi|pungutan ilegal|punglinya|suap|disuap|"
        r"menyuap|penyuapan|suap menyuap|sogok|disogok|menyogok|sogokan|penyogokan|"
        r"pelicin|uang pelicin|gratifikasi|pemerasan|diperas|memeras|peras|korupsi|"
        r"dikorupsi|korup|koruptor|calo|percaloan|uang damai|uang rokok|uang kopi|"
        r"uang bensin|uang lelah|uang capek|uang administrasi tidak resmi|"
        r"biaya siluman"
    ),
    _words(r"dipungut|memungut|pungutan|dipungli|pungut"),
    _near(
        r"penyelewengan|penyalahgunaan|menyelewengkan|diselewengkan|digelapkan|"
        r"menggelapkan|penggelapan|disunat|sunat",
        r"dana|anggaran|uang|bantuan|bansos|gaji|honor|insentif",
        2,
    ),
    _near(
        r"tanpa kuitansi|tanpa kwitansi|tanpa bukti pembayaran|tanpa bukti bayar|"
        r"tanpa tanda terima|tanpa nota|tidak resmi|tidak ada kuitansi|tidak ada kwitansi|"
        r"tidak diberi kuitansi|di luar ketentuan|diluar ketentuan|tidak sesuai ketentuan",
        r"uang|bayar|membayar|dibayar|biaya|rp|rupiah|ribu|juta|dimintai|diminta|meminta",
        5,
    ),
    _near(
        r"padahal (?:gratis|tidak dipungut|tanpa biaya|seharusnya gratis|tidak berbayar)|"
        r"(?:harusnya|seharusnya|mestinya|katanya) gratis",
        r"bayar|membayar|biaya|uang|upah|rp|dimintai|dimintain|diminta|meminta",
        8,
    ),
    (  # asked for money "agar" (so that) something is done
        (
            rf"(?:{_near(r'uang|imbalan|duit|bayaran|rp', r'dimintai|diminta|meminta|minta', 2)[0]})"
            r"(?= (?:agar|supaya|biar|untuk mempercepat|mempercepat|kalau mau|jika ingin|damai))"
        ),
        _needed(r"dimintai|diminta|meminta|minta"),
    ),
)
# "Pemungutan suara" is a vote, "memeras keringat" hard work, taxes are levied lawfully.
_NOT_EXTORTION = _compile(
    _words(
        r"pemungutan suara|memeras (?:keringat|otak|tenaga|pikiran)|pungutan pajak|"
        r"dipungut pajak|memungut pajak|memungut sampah|pungut sampah"
    )
)

_THANK_YOU_MONEY = re.compile(r"\buang\s+terima\s*kasih\b", re.IGNORECASE)


def _extortion(tokens: list[str], words: frozenset[str], raw: str) -> bool:
    if "kasih" in raw.lower() and _THANK_YOU_MONEY.search(raw):  # boilerplate to ``expand``
        return True
    if not _EXTORTION.found(tokens, words):
        return False
    if _NOT_EXTORTION.needed.isdisjoint(words):
        return True
    tokens = _NOT_EXTORTION.pattern.sub(" ", " ".join(tokens)).split()
    return _EXTORTION.found(tokens, frozenset(tokens))


# --- A named official: the text as written ------------------------------------------------

_ROLES = (
    r"kepala|kadis|kades|kapolsek|kapolres|kapolda|kanit|kasat\w*|camat|lurah|sekdes|"
    r"sekcam|sekda|bupati|walikota|wali kota|gubernur|kepsek|direktur|dirut|kabid|kasi|"
    r"kasie|kasubag|kasubbag|kabag|kasubdit|ketua|pejabat|petugas|pegawai|staf|staff|"
    r"karyawan|guru|dosen|rektor|dekan|dokter|dr|bidan|perawat|polisi|polantas|"
    r"anggota|satpam|sopir|kolektor|bendahara|operator|penyuluh|pendamping|mantri|"
    r"danramil|babinsa|bhabinkamtibmas|pns|asn|honorer|aparat|perangkat desa|cs|teller|"
    r"kasir|panitia|kelurahan|kecamatan|dinas|kantor|puskesmas"
)
# Roles a person's name follows directly ("Camat Budi Santoso", "Lurah Sutrisno").
# (Not "Kasubag", "Direktur": a unit follows those, "Kasubag Kepegawaian".)
_TITLE_ROLES = (
    r"kades|kepala desa|kapolsek|kapolres|kapolda|camat|lurah|sekdes|bupati|walikota|"
    r"wali kota|gubernur|kepsek|kepala sekolah|danramil|babinsa|bhabinkamtibmas"
)
_HONORIFIC = r"pak|bu|bapak|ibu|bpk|sdr|sdri|saudara|saudari|mas|mbak"
# Lower-case patterns on the lower-cased text (``re.IGNORECASE`` costs four times as
# much); a name is then read, capitals and all, at the same place of the text as written.
# "Budi", or a name typed in capitals ("RIKI"; not "KDH", "RSHS": abbreviations).
_CAP = r"(?:[A-Z][a-z]+|(?=[A-Z]*[AIUEO])[A-Z]{4,}(?![a-z]))"
_NAME = re.compile(rf"{_CAP}(?:[ ]+{_CAP}){{0,2}}")
_DEGREE = re.compile(
    r",? ?(?:S\.? ?(?:Pd|H|E|Sos|Kom|T|Kep|Ag|IP|Si|Ked)|M\.? ?(?:Si|M|Pd|H|Kes|Ag|T)|SE|SH|MM)\b"
)
# "Oknum" (a rogue member of some body) followed by an official or a public body, in
# words or as an acronym ("oknum petugas", "oknum-oknum BPN"); not "oknum copet".
_OKNUM = re.compile(r"\boknum\b")
_OKNUM_OF = re.compile(
    rf"^(?:[\W_]+(?:oknum|yang|yg|dari|di|para|\(?[a-z]+\)?)){{0,2}}?[\W_]+(?:{_ROLES}|aparat\w*|"
    r"penegak|tni|satpol|instansi|pemerintah|pemda|pemkot|pemkab|kementerian|berkuasa|"
    r"kelurahan|kecamatan|desa|dinas)\b"
)
_ACRONYM_NEXT = re.compile(r"^[\W_]+(?:[a-z]+[\W_]+){0,1}[A-Z]{3,}\b")
_ROLE_BEFORE = re.compile(rf"\b(?:{_ROLES})\b(?:[ ,]+\S+){{0,5}}[ ,]*$")
_ROLE_AFTER = re.compile(
    rf"[ ,]+(?:(?:sebagai|selaku|dari|yang merupakan|yang adalah|adalah|seorang|salah "
    rf"satu|sang)[ ]+){{0,2}}(?:{_ROLES})\b"
)
# "bernama X", "berinisial AB": a role must stand in the words before.
_MARKER_NAME = re.compile(
    rf"\b(?:bernama|berinisial|inisial)\b[ :]+(?:(?:{_HONORIFIC})\.?[ ]+)?"
    r"(?:[a-z]{3,}|[a-z]{2,4}\b|[a-z]\.[a-z])"
)
# "Pak Budi", "atas nama Budi", "yaitu Ibu Sri": a role must stand next to the name.
_HONORIFIC_BEFORE_NAME = re.compile(
    rf"\b(?:(?:{_HONORIFIC})\.?|atas nama|yaitu|yakni)[ ]+(?:(?:{_HONORIFIC})\.?[ ]+)?"
)
_ROLE_BEFORE_NAME = re.compile(rf"\b(?:{_TITLE_ROLES})[ ]+")
# What a capitalised word after a role may be besides a name: a unit, a place, a role.
_NOT_NAME = _set(
    """
    dinas badan kantor kota kabupaten kab provinsi prov desa kelurahan kecamatan kec
    bidang seksi bagian sekolah sd smp sma smk sdn smpn sman smkn mi mts ma negeri
    swasta puskesmas rumah sakit rsud rs upt uptd unit cabang wilayah daerah pusat umum
    utama dki jakarta jawa barat timur tengah utara selatan sumatera sumatra kalimantan
    sulawesi bali papua nusa tenggara kepulauan yth yang dan atau di ke dari untuk pak
    bu bapak ibu sdr rt rw kdh tk lurah camat kepala kades bupati walikota wali gubernur
    direktur petugas pegawai pelayanan perhubungan pendidikan kesehatan sosial pekerjaan
    kependudukan pencatatan sipil pertanian perikanan lingkungan hidup kebersihan
    pertamanan tata ruang pajak bpjs pln pdam polres polsek polda samsat satpol pp
    kemenag kementerian agama perusahaan pt cv tbk ketenagakerjaan persero mohon tolong
    segera saya kami kita beliau dia ini itu tersebut terhormat salam hormat presiden
    menteri mentri ri indonesia nasional wakil dprd dpr dengan sudah telah tidak belum
    ada agar supaya kenapa mengapa bagaimana apakah terima kasih selamat pagi siang sore
    malam
    """
)
# Writing *to* an official ("Yth. Pak Walikota Hendi", "Salam hormat Pak Gubernur") is
# not a report *about* one: no name counts within a few words of a salutation.
_SALUTATION = re.compile(
    r"\b(?:yth|kepada|kpd|hormat|lapor|halo|hallo|dear|assalamualaikum|selamat "
    r"(?:pagi|siang|sore|malam))\b[^!?\n]{0,80}$"
)


def _fold(text: str) -> str:
    """``search.text.fold`` in a fraction of the time: ASCII only lower-cased, the rest
    without the combining accents (the marks of the Latin script)."""
    if text.isascii():
        return text.lower()
    return _ACCENTS.sub("", unicodedata.normalize("NFKD", text)).casefold()


_ACCENTS = re.compile("[\u0300-\u036f]")


@functools.cache
def _places() -> frozenset[str]:
    """Folded names of provinces, regencies, districts and villages: "Camat Sukajadi" and
    "Lurah Ancol" name a place, not a person. Read once from the regions' own files."""
    folder = Path(__file__).resolve().parent.parent / "regions" / "data"
    names = set()
    for file in ("provinces.csv", "regencies.csv", "districts.csv", "villages.csv"):
        with (folder / file).open(encoding="utf-8", newline="") as handle:
            rows = csv.reader(handle)
            column = next(rows).index("name")
            names.update(_fold(row[column]) for row in rows)
    # One space between words, no punctuation, no "Kota"/"Kabupaten" in front.
    text = _PLACE_PREFIX.sub("", _NOT_WORD.sub(" ", "\n".join(names)))
    return frozenset(" ".join(line.split()) for line in text.splitlines())


_NOT_WORD = re.compile(r"[^a-z0-9\n]+")
_PLACE_PREFIX = re.compile(r"^ *(?:kota|kabupaten|provinsi) ", re.MULTILINE)


def _is_name(words: str) -> bool:
    parts = _fold(words).split()
    if not parts or any(p in _NOT_NAME for p in parts):
        return False
    return all(" ".join(parts[:n]) not in _places() for n in range(1, len(parts) + 1))


def _before(raw: str, start: int) -> str:
    return raw[max(0, start - 80) : start]


def _names_official(raw: str) -> bool:
    """An "oknum" of a public body, or a person's name next to their role (not a place,
    a unit or the official a salutation addresses)."""
    lower = raw.lower()
    if len(lower) != len(raw):  # a letter whose lower case is longer: no capitals to read
        raw = lower
    if "oknum" in lower:
        for match in _OKNUM.finditer(lower):
            end = match.end()
            if _OKNUM_OF.match(lower[end : end + 60]) or _ACRONYM_NEXT.match(raw[end : end + 40]):
                return True
    for match in _MARKER_NAME.finditer(lower):
        if _ROLE_BEFORE.search(_before(lower, match.start())):
            return True
    for match in _HONORIFIC_BEFORE_NAME.finditer(lower):
        name = _NAME.match(raw, match.end())
        if name is None or _SALUTATION.search(_before(lower, match.start())):
            continue
        if name.group().split()[0].lower() in _NOT_NAME:  # "Pak Lurah", "Ibu Kepala"
            continue
        if _ROLE_BEFORE.search(_before(lower, match.start())) or _ROLE_AFTER.match(
            lower, name.end(), name.end() + 60
        ):
            return True
    for match in _ROLE_BEFORE_NAME.finditer(lower):
        name = _NAME.match(raw, match.end())
        if name is None or _SALUTATION.search(_before(lower, match.start())):
            continue
        if _DEGREE.match(raw, name.end()) or _is_name(name.group()):
            return True
    return False


# --- Abuse: words as written, disguises undone --------------------------------------------

# Insults and profanity in Indonesian, Javanese, Sundanese, Minang, Medan Malay…
_SWEAR_WORDS = _set(
    """
    bangsat bajingan keparat goblok goblog gblk gblg tolol bego begok idiot dungu
    brengsek kontol kntl memek mmk ngentot ngewe entot jancuk jancok jancik dancuk
    dancok jembut taik lonte perek bacot matamu ndasmu cangkemmu cocot pantek pukimak
    puki kimak cibai kanjut koplok bgst bngst anjg ajg jnck asw kampret sialan bedebah
    kunyuk bangke laknat ngehe
    """
)
# Words that are also animals or plain nouns: an insult only outside such a context.
_AMBIGUOUS = frozenset({"anjing", "babi", "monyet", "asu", "tai"})
# Words that are an insult only when said at someone: "dasar setan", "kalian kafir".
_AT_SOMEONE_ONLY = frozenset({"setan", "iblis", "kafir"})
_LITERAL = _set(
    """
    gigit menggigit digigit gigitan liar peliharaan piara pelihara memelihara dipelihara
    ternak peternakan beternak kandang daging hutan rabies vaksin vaksinasi kotoran
    menggonggong gonggongan berkeliaran ekor hewan binatang kucing ayam sapi kambing flu
    virus penyakit potong pemotongan jual dijual menjual penjual pedagang pasar bau
    tinja kawanan mati bangkai ditabrak diracun satwa populasi lalat dimangsa gila
    pawang kebun ladang sawah tanaman merusak hama ternaknya rantai dirantai diikat kera
    topeng sirkus
    """
)
_AT_SOMEONE = frozenset({"dasar", "kamu", "kau", "lu", "lo", "loe", "elo", "kalian", "mereka"})
_ALL_SWEARS = _SWEAR_WORDS | _AMBIGUOUS | _AT_SOMEONE_ONLY
# Letters written twice or more are read once ("anjiiing", "goblokkk"), context words too.
_DOUBLE = re.compile(r"([a-z])\1+")
_LITERAL_SQUEEZED = frozenset(_DOUBLE.sub(r"\1", w) for w in _LITERAL)
# A word with digits or symbols among its letters ("anj1ng", "k0nt0l", "b*ngsat").
_DISGUISED = re.compile(r"[a-z]+[0-9@$*][a-z0-9@$*]*|[0-9@$*]+[a-z][a-z0-9@$*]*")
_LEET = str.maketrans(
    {
        "4": "a",
        "@": "a",
        "1": "i",
        "0": "o",
        "3": "e",
        "5": "s",
        "$": "s",
        "7": "t",
        "9": "g",
        "8": "b",
        "6": "g",
    }
)
# Letters spelled out one by one: "a n j i n g", "k.o.n.t.o.l", "b-a-b-i".
_SPELLED = re.compile(r"(?<![a-z0-9])(?:[a-z0-9@$*][ .\-_]){3,}[a-z0-9@$*](?![a-z0-9])")
_TOKEN = re.compile(r"[a-z0-9]+")


def _squeeze(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)  # any character: "b**ngsat" as "b*ngsat"


def _unmasked(token: str) -> bool:
    """Whether ``token`` is a swear word written with digits or symbols for letters."""
    plain = _squeeze(token.translate(_LEET))
    if "*" not in plain:
        return plain in _ALL_SWEARS
    if plain[0] == "*" or sum(c.isalpha() for c in plain) < 2:
        return False
    masked = re.compile(re.escape(plain).replace(r"\*", "[a-z]+?"))
    return any(word[0] == plain[0] and masked.fullmatch(word) for word in _ALL_SWEARS)


def _abusive(raw: str) -> bool:
    """A swear word, disguised or not; an animal's name only when said at someone or
    outside talk of animals."""
    folded = _fold(raw)
    mixed = [t for t in folded.split() if not t.isalpha() and not t.isdigit()]
    if any(_unmasked(t) for chunk in mixed for t in _DISGUISED.findall(chunk)):
        return True
    spelled = [re.sub(r"[ .\-_]", "", m) for m in _SPELLED.findall(folded)]
    if any(_unmasked(w) for w in spelled):
        return True
    tokens = _TOKEN.findall(_DOUBLE.sub(r"\1", folded))
    if _ALL_SWEARS.isdisjoint(tokens):
        return False
    for i, word in enumerate(tokens):
        if word not in _ALL_SWEARS:
            continue
        if word in _SWEAR_WORDS:
            return True
        before, after = tokens[max(0, i - 4) : i], tokens[i + 1 : i + 5]
        if before and before[-1] in _AT_SOMEONE:
            return True
        if word in _AMBIGUOUS and _LITERAL_SQUEEZED.isdisjoint(before + after):
            return True
    return False


# --- Spam: promotions, gibberish, nothing said --------------------------------------------

_LINK = re.compile(
    r"https?://|www\.|\b[a-z0-9-]+\.(?:com|net|xyz|id|co|info|biz|site|online|me)\b|bit\.ly|wa\.me|t\.me",
    re.I,
)
_SELLING = _set(
    """
    jual dijual menjual jualan promo diskon murah pelangsing pemutih togel slot casino
    kasino gacor maxwin deposit bonus followers reseller ongkir testimoni cashback
    terpercaya berminat minat cod dijamin bergaransi investasi penghasilan order klik
    hubungi whatsapp wa harga
    """
)
_SELLING_PHRASES = (
    "obat kuat",
    "peninggi badan",
    "pinjaman online",
    "pinjaman tanpa jaminan",
    "judi online",
    "peluang usaha",
    "pesan sekarang",
    "daftar sekarang",
)
_SELLING_HEADS = frozenset(phrase.split()[0] for phrase in _SELLING_PHRASES)
# A report *about* a scam, a gambling site or an advert is no advert.
_COMPLAINT_WORDS = _set(
    """
    blokir diblokir tutup ditutup laporkan melaporkan meresahkan tindak ditindak
    berantas penipuan menipu ditipu tertipu penipu keluhan mengeluh kecewa dirugikan
    rugi pengaduan ilegal pelanggaran melanggar bagaimana apakah mohon tolong
    """
)
_EMPTY_WORDS = _set(
    """
    test tes testing tst coba cobacoba percobaan uji ujicoba asdf qwerty halo hallo hai
    hello hi ping ok oke okey p x xx xxx aaa abc abcd lorem ipsum dolor sit amet
    """
)
_KEYBOARD = "qwert|werty|asdf|sdfg|dfgh|fghj|ghjk|hjkl|zxcv|xcvb|cvbn|vbnm"
_LONG_WORD = re.compile(r"\b[a-z]{4,}\b")
# A long word without a vowel, with five consonants in a row, or a run of the keyboard.
_GARBLED = re.compile(
    rf"\b(?:[^aiueo\W\d]{{4,}}|[a-z]*(?:[bcdfghjklmnpqrstvwxz]{{5}}|{_KEYBOARD})[a-z]*)\b"
)
_REPEATS = re.compile(r"([a-z])\1{5,}|([a-z]{2,3})\2{3,}")
_GIBBERISH_SPAN = 150  # words


def _spam(raw: str, tokens: list[str], words: frozenset[str]) -> bool:
    """Nothing said, gibberish, one word repeated, or selling words with a link or a
    phone number (not in a report about a scam or an advert)."""
    content = [w for w in tokens if w not in STOP_WORDS and len(w) > 1]
    if len(content) < 3 or _EMPTY_WORDS.issuperset(content):
        return True  # nothing said ("tes", "coba coba", "asdf")
    start = " ".join(tokens[:_GIBBERISH_SPAN])  # gibberish shows at once
    repeated = sum(len(m.group()) for m in _REPEATS.finditer(start))
    if repeated and repeated * 3 >= sum(len(w) for w in start.split()):
        return True  # mostly "aaaaaaa", "wkwkwkwk"
    garbled = len(_GARBLED.findall(start))
    if garbled >= 3 and garbled * 2 >= len(_LONG_WORD.findall(start)):
        return True  # keyboard mash
    common, times = Counter(content).most_common(1)[0]
    if len(content) >= 6 and times * 2 >= len(content) and len(common) > 1:
        return True  # one word again and again
    selling = len(words & _SELLING)
    if not words.isdisjoint(_SELLING_HEADS):
        text = " ".join(tokens)
        selling += sum(phrase in text for phrase in _SELLING_PHRASES)
    if selling and words.isdisjoint(_COMPLAINT_WORDS):
        advertised = _LINK.search(raw) or PHONE in pii_kinds(raw)
        if (advertised and selling >= 3) or selling >= 5:
            return True
    return False
