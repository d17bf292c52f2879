"""The Indonesian catalogue: complete, placeholder-safe, compiled, and what the site serves.

Indonesian is the default language (LANGUAGE_CODE "id"); English is the second one and the
language of the source strings, so it needs no catalogue of its own.
"""

from __future__ import annotations

import ast
import gettext
import re
import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from aduan.reports.tests.factories import ReportFactory


def catalogue_dir() -> Path:
    """The folder Django reads the Indonesian catalogue from (``LOCALE_PATHS``)."""
    return Path(settings.LOCALE_PATHS[0]) / "id" / "LC_MESSAGES"


# --- A small reader of .po files (the format GNU gettext and makemessages write) ---------


@dataclass
class Entry:
    msgid: str
    line: int
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


def read_po(path: Path) -> list[Entry]:
    """Every entry of ``path`` except obsolete (``#~``) ones, the header included."""
    entries: list[Entry] = []
    current: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int] | None = None
    previous = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert target is not None, f"line {number}: a string outside an entry"
            _append(current, target, ast.literal_eval(line))
            continue
        match = _KEYWORD.match(line)
        assert match, f"line {number}: cannot read {raw!r}"
        keyword, index, value = match.group(1), match.group(2), ast.literal_eval(match.group(3))
        # An entry begins with its msgctxt, or with its msgid when it has no context.
        if keyword == "msgctxt" or (keyword == "msgid" and previous != "msgctxt"):
            current = Entry(msgid="", line=number, flags=flags)
            entries.append(current)
            flags = set()
        previous = keyword
        assert current is not None
        target = ("msgstr", int(index or 0)) if keyword.startswith("msgstr") else (keyword, 0)
        _set(current, target, value)
    return entries


def _set(entry: Entry, target: tuple[str, int], value: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = value
    else:
        setattr(entry, name, value)


def _append(entry: Entry | None, target: tuple[str, int], value: str) -> None:
    assert entry is not None
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] += value
    else:
        setattr(entry, name, (getattr(entry, name) or "") + value)


def header_fields(entries: list[Entry]) -> dict[str, str]:
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    pairs = (line.split(":", 1) for line in header.msgstr[0].splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if not (e.msgid == "" and e.msgctxt is None)]


# Python-format (%(name)s, %(n)d, %s, %%), Django template variables ({{ x }}), brace-format
# ({name}) and HTML tags: a translation must keep every one of them.
_PLACEHOLDER = re.compile(
    r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[sdifr]"
    r"|%[#0 +-]*\d*(?:\.\d+)?[sdifr%]"
    r"|\{\{\s*[\w.]+\s*\}\}"
    r"|\{\w*\}"
    r"|</?[A-Za-z][^<>]*>"
)


def placeholders(text: str) -> Counter[str]:
    return Counter(re.sub(r"\s+", "", found) for found in _PLACEHOLDER.findall(text))


def edges(text: str) -> tuple[str, str]:
    """The whitespace a message starts and ends with (it must survive translation)."""
    return text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    return read_po(catalogue_dir() / "django.po")


# --- (a) The .po file --------------------------------------------------------------------


def test_reader_understands_the_po_format(tmp_path):
    """The checks below are only as good as the reader: it must see every part of an entry."""
    sample = tmp_path / "sample.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: id\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        "#: a.py:1\n#, fuzzy, python-format\n"
        'msgid "%(n)d item"\nmsgid_plural "%(n)d items"\nmsgstr[0] "%(n)d barang"\n\n'
        'msgctxt "nav"\nmsgid ""\n"Re"\n"port"\nmsgstr "Lapor"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Hilang"\n',
        encoding="utf-8",
    )
    entries = read_po(sample)
    assert header_fields(entries) == {"Language": "id", "Plural-Forms": "nplurals=1; plural=0;"}
    plural, with_context = messages(entries)
    assert (plural.msgid, plural.msgid_plural, plural.msgstr) == (
        "%(n)d item",
        "%(n)d items",
        {0: "%(n)d barang"},
    )
    assert plural.flags == {"fuzzy", "python-format"}
    assert (with_context.msgctxt, with_context.msgid, with_context.msgstr) == (
        "nav",
        "Report",
        {0: "Lapor"},
    )
    assert not with_context.flags


def test_placeholder_finder_sees_every_kind():
    text = "%(n)d of %(name)s, %s, 100%%, {{ counter }}, {name}, <strong>x</strong>"
    assert placeholders(text) == Counter(
        ["%(n)d", "%(name)s", "%s", "%%", "{{counter}}", "{name}", "<strong>", "</strong>"]
    )
    assert placeholders("%(n)d berkas") != placeholders("%(n)s files")


def test_header_declares_indonesian_with_one_plural_form(po_entries):
    header = header_fields(po_entries)
    assert header["Language"] == "id"
    assert header["Plural-Forms"] == "nplurals=1; plural=0;"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert header["Project-Id-Version"].startswith("Aduan")


def test_every_message_is_translated_and_none_is_fuzzy(po_entries):
    entries = messages(po_entries)
    assert len(entries) > 300  # the whole catalogue was read, not a fragment of it
    fuzzy = [e.label for e in po_entries if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    untranslated = [e.label for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    assert not untranslated, f"untranslated: {untranslated}"


def test_plural_entries_have_exactly_one_form(po_entries):
    plurals = [e for e in messages(po_entries) if e.msgid_plural is not None]
    assert plurals
    wrong = [e.label for e in plurals if set(e.msgstr) != {0}]
    assert not wrong, f"plural entries need exactly msgstr[0] (nplurals=1): {wrong}"
    singular_with_index = [
        e.label for e in messages(po_entries) if e.msgid_plural is None and set(e.msgstr) != {0}
    ]
    assert not singular_with_index


def test_translations_keep_every_placeholder(po_entries):
    broken = []
    for entry in messages(po_entries):
        # Indonesian has one form for every count, so it must carry the plural's placeholders.
        source = entry.msgid_plural if entry.msgid_plural is not None else entry.msgid
        for translation in entry.msgstr.values():
            if placeholders(translation) != placeholders(source):
                broken.append(
                    f"{entry.label}: {sorted(placeholders(source).elements())} "
                    f"!= {sorted(placeholders(translation).elements())}"
                )
    assert not broken, "\n".join(broken)


def test_translations_keep_leading_and_trailing_whitespace(po_entries):
    broken = [
        entry.label
        for entry in messages(po_entries)
        for translation in entry.msgstr.values()
        if edges(translation) != edges(entry.msgid)
    ]
    assert not broken, f"leading/trailing whitespace changed: {broken}"


# --- (b) The compiled .mo file is the .po file --------------------------------------------


def test_committed_mo_matches_the_po(po_entries):
    mo_path = catalogue_dir() / "django.mo"
    data = mo_path.read_bytes()
    magic, _revision, count = struct.unpack("<3I", data[:12])
    assert magic == 0x950412DE, "not a little-endian GNU .mo file"
    entries = messages(po_entries)
    # One string pair per entry plus the header: nothing stale left in the .mo.
    assert count == len(entries) + 1, (
        f"the .mo holds {count - 1} messages, the .po {len(entries)}: recompile it with "
        "`cd src/aduan && msgfmt --check -o locale/id/LC_MESSAGES/django.mo "
        "locale/id/LC_MESSAGES/django.po`"
    )
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.info()["plural-forms"] == "nplurals=1; plural=0;"
    differences = []
    for entry in entries:
        expected = entry.msgstr[0]
        if entry.msgid_plural is None:
            got = [
                compiled.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt is not None
                else compiled.gettext(entry.msgid)
            ]
        else:
            got = [
                compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                if entry.msgctxt is not None
                else compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                for n in (1, 2, 10_000)
            ]
        if any(text != expected for text in got):
            differences.append(f"{entry.label}: .po {expected!r}, .mo {got!r}")
    assert not differences, "the .mo is stale:\n" + "\n".join(differences)


# --- (c) What the site serves --------------------------------------------------------------


@pytest.fixture
def public_report(db):
    return ReportFactory(verified=True, title="Lampu jalan mati di Jalan Merdeka")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "accept_language", ["id", "id-ID,id;q=0.9,en;q=0.5", "fr", "en-US,en;q=0.9", None]
)
def test_home_is_indonesian_by_default(visitor_client, public_report, accept_language):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    html = visitor_client.get("/", **headers).content.decode()
    assert '<html lang="id">' in html
    assert f'href="{reverse("web:report_new")}">Lapor</a>' in html
    assert ">Masuk</a>" in html
    assert ">Daftar</a>" in html
    assert "Sampaikan kepada pemerintah apa yang perlu diperbaiki" in html
    # Model choices are translated too: status and classification of the report card.
    assert "Didisposisikan" in html
    assert "Pengaduan" in html
    assert "Sign in" not in html
    assert "Sent to agency" not in html


@pytest.mark.django_db
def test_home_in_english_on_request(client, public_report):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert f'href="{reverse("web:report_new")}">Report</a>' in html
    assert ">Sign in</a>" in html
    assert "Sent to agency" in html
    assert "Complaint" in html
    assert ">Masuk</a>" not in html
    assert "Belum Terverifikasi" not in html


@pytest.mark.django_db
def test_language_switch_overrides_the_browser(client, public_report):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert ">Sign in</a>" in html
    client.post(reverse("set_language"), {"language": "id", "next": "/"})
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Masuk</a>" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "title", "detail", "required"),
    [
        (None, "Masukan tidak valid", "Beberapa isian tidak valid.", "Kolom ini wajib diisi."),
        ("id", "Masukan tidak valid", "Beberapa isian tidak valid.", "Kolom ini wajib diisi."),
        ("en", "Invalid input", "Some fields are not valid.", "This field is required."),
    ],
)
def test_api_problem_detail_follows_the_language(
    visitor_client, accept_language, title, detail, required
):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    response = visitor_client.post(
        reverse("api:auth_token"), data={}, content_type="application/json", **headers
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert (problem["title"], problem["detail"]) == (title, detail)
    assert problem["errors"]["email"] == [required]
    assert problem["errors"]["password"] == [required]
