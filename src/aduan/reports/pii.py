"""Personal data typed into a report's text: find it (``pii_kinds``) and mask it (``pii_mask``).

Four kinds: an NIK (16 digits, however grouped), a telephone number (Indonesian mobile
or landline), an e-mail address, and a bank account number (digits after "rekening",
"no. rek" or a bank's name). Patterns, not certainty: the desk's redaction
(``Report.public_title``/``public_body``) is the decision, this is the safety net for
what the desk missed. What looks like a date, an amount in rupiah, a tracking id or a
year is never masked, nor digits inside a word (``RT05``, a tracking id).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aduan.core.tracking import ALPHABET, LENGTH

NIK = "nik"
PHONE = "phone"
EMAIL = "email"
BANK_ACCOUNT = "bank_account"
KINDS = (NIK, PHONE, EMAIL, BANK_ACCOUNT)

LABELS = {
    NIK: gettext_lazy("NIK"),
    PHONE: gettext_lazy("phone number"),
    EMAIL: gettext_lazy("e-mail address"),
    BANK_ACCOUNT: gettext_lazy("bank account number"),
}

_NOT_BEFORE = r"(?<![\w@+])"  # not inside a word, an address or a longer number
_NOT_AFTER = r"(?![\w@])"
_SEP = r"[ .\-]"

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w-])", re.I)
# 16 digits, written together or in groups (4-4-4-4, 6-6-4) with one separator at most.
_NIK = re.compile(_NOT_BEFORE + r"[1-9](?:" + _SEP + r"?\d){15}" + r"(?![\w@]|" + _SEP + r"\d)")
# Mobile: 08…, 628… or +62 8…, 10-13 digits in all; "(0812)" and "+62 (812)" too.
_MOBILE = re.compile(
    r"(?<![\w@])(?:\+62|62|\(\+62\)|\(?0)"
    + _SEP
    + r"?\(?8\d\)?(?:[ .\-)]{0,2}\d){7,10}"
    + _NOT_AFTER
)
# Landline: an area code (021, 0274; "(021)"; "+62 21") and 5-8 digits.
_LANDLINE = re.compile(
    r"(?<![\w@])(?:\(0[2-79]\d{1,2}\)|0[2-79]\d{1,2}|\+62" + _SEP + r"?\(?[2-79]\d{1,2}\)?)"
    r"(?:" + _SEP + r"{0,2}\d){5,8}" + _NOT_AFTER
)
_BANK_WORDS = (
    r"rekening|rek|norek|no\.?\s?rek|nomor\s+rekening|account|acc|a/n|"
    r"bca|bri|bni|mandiri|bsi|btn|cimb(?:\s+niaga)?|danamon|permata|muamalat|ocbc|jago|"
    r"jenius|seabank|bank"
)
# The number (6-20 digits) within a few words after the bank or the word "rekening".
_BANK_ACCOUNT = re.compile(
    r"\b(?:" + _BANK_WORDS + r")\b(?P<gap>[^\d\n]{0,30}?)"
    r"(?P<number>(?<![\w])\d(?:" + _SEP + r"?\d){5,19})" + _NOT_AFTER,
    re.I,
)

# What must never be masked, even where a pattern above would match it.
_PROTECTED = [
    # Dates: 12-08-2026, 12/8/26, 2026-08-12.
    re.compile(r"(?<!\d)\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?!\d)"),
    re.compile(r"(?<!\d)\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)"),
    # Amounts: Rp 1.500.000, Rp1,5 juta, IDR 250000.
    re.compile(r"\b(?:Rp|IDR)\.?\s?\d[\d.,]*(?:\s?(?:juta|ribu|rb|jt|miliar|triliun))?", re.I),
    # Tracking ids (ADR 0006).
    re.compile(rf"(?<![\w])[{ALPHABET}]{{{LENGTH}}}(?![\w])"),
]
_GAP_BEFORE_AMOUNT = re.compile(r"(?:Rp|IDR)\.?\s*$", re.I)


@dataclass(frozen=True)
class Match:
    kind: str
    start: int
    end: int


def _protected(text: str) -> list[tuple[int, int]]:
    return [m.span() for pattern in _PROTECTED for m in pattern.finditer(text)]


# Every kind but e-mail has six digits at least: most texts are ruled out by one scan.
_SIX_DIGITS = re.compile(r"\d(?:\D{0,2}\d){5}")


def _candidates(text: str) -> Iterator[Match]:
    if "@" in text:
        for m in _EMAIL.finditer(text):
            yield Match(EMAIL, *m.span())
    if not _SIX_DIGITS.search(text):
        return
    for m in _NIK.finditer(text):
        yield Match(NIK, *m.span())
    for pattern in (_MOBILE, _LANDLINE):
        for m in pattern.finditer(text):
            yield Match(PHONE, *m.span())
    for m in _BANK_ACCOUNT.finditer(text):
        if not _GAP_BEFORE_AMOUNT.search(m.group("gap")):
            yield Match(BANK_ACCOUNT, *m.span("number"))


def pii_find(text: str) -> list[Match]:
    """The personal data in ``text``, in order, without overlaps (an NIK wins over the
    bank account it may also look like) and without what is protected (dates, amounts)."""
    if not text:
        return []
    candidates = list(_candidates(text))
    if not candidates:
        return []
    protected = _protected(text)
    priority = {kind: n for n, kind in enumerate(KINDS)}
    found: list[Match] = []
    for match in sorted(candidates, key=lambda m: (priority[m.kind], m.start, -(m.end - m.start))):
        if any(match.start < end and start < match.end for start, end in protected):
            continue
        if any(match.start < other.end and other.start < match.end for other in found):
            continue
        found.append(match)
    return sorted(found, key=lambda m: m.start)


def pii_kinds(text: str) -> set[str]:
    """Which kinds of personal data ``text`` seems to hold."""
    return {match.kind for match in pii_find(text)}


def _placeholder(kind: str) -> str:
    return {
        NIK: _("[NIK hidden]"),
        PHONE: _("[phone number hidden]"),
        EMAIL: _("[e-mail hidden]"),
        BANK_ACCOUNT: _("[account number hidden]"),
    }[kind]


def pii_mask(text: str) -> str:
    """``text`` with every piece of personal data replaced by a placeholder naming its kind."""
    matches = pii_find(text)
    if not matches:
        return text
    parts, position = [], 0
    for match in matches:
        parts += [text[position : match.start], _placeholder(match.kind)]
        position = match.end
    parts.append(text[position:])
    return "".join(parts)


def pii_labels(kinds: Iterable[str]) -> list[str]:
    """Readable names of ``kinds`` in a fixed order, for the queue's flag and the form."""
    present = set(kinds)
    return [str(LABELS[kind]) for kind in KINDS if kind in present]
