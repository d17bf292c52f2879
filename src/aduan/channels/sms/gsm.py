"""Making text fit an SMS: the GSM 03.38 7-bit alphabet and the length of one or two parts.

Every SMS Aduan sends is GSM-7 only. A single character outside the alphabet (a curly
quote pasted into an officer's response, an emoji) would switch the whole message to
UCS-2, where one SMS holds 70 characters instead of 160; so such characters are replaced
by their nearest GSM equivalent ("é" stays, "ā" becomes "a", "“" becomes '"') or "?".
Characters of the extension table (``€ [ ] { } ^ ~ | \\``) take two septets each.
"""

from __future__ import annotations

import unicodedata

BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENDED = frozenset("^{}\\[~]|€")
SINGLE_PART = 160
PART_IN_CONCATENATED = 153  # the other 7 septets carry the concatenation header
ELLIPSIS = "..."
MIN_EXCERPT = 12

_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u00b4": "'",
    "`": "'",
}


def is_gsm(text: str) -> bool:
    return all(ch in BASIC or ch in EXTENDED for ch in text)


def septets(text: str) -> int:
    """The room ``text`` takes in a GSM-7 SMS (the caller makes sure it is GSM-7)."""
    return sum(2 if ch in EXTENDED else 1 for ch in text)


def budget(parts: int) -> int:
    """Septets available in ``parts`` SMS (one, or concatenated)."""
    if parts < 1:
        raise ValueError("An SMS has at least one part.")
    return SINGLE_PART if parts == 1 else PART_IN_CONCATENATED * parts


def to_gsm(text: str) -> str:
    """``text`` in the GSM-7 alphabet on one line: whitespace runs become one space."""
    out: list[str] = []
    for ch in " ".join((text or "").split()):
        if ch in BASIC or ch in EXTENDED:
            out.append(ch)
        elif ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
        elif unicodedata.category(ch).startswith("C"):
            continue  # control and format characters carry nothing readable
        else:
            plain = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            out.append(plain if plain and is_gsm(plain) and " " not in plain else "?")
    return "".join(out)


def _cut(text: str, room: int) -> str:
    """The longest prefix of ``text`` within ``room`` septets, plus "..." when shortened,
    cut at a word boundary when one is reasonably close."""
    if septets(text) <= room:
        return text
    room -= len(ELLIPSIS)
    if room <= 0:
        return ""
    used, end = 0, 0
    for index, ch in enumerate(text):
        cost = 2 if ch in EXTENDED else 1
        if used + cost > room:
            break
        used += cost
        end = index + 1
    head = text[:end]
    space = head.rfind(" ")
    if space >= end * 2 // 3:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def fit(head: str, excerpt: str = "", tail: str = "", *, parts: int = 1) -> str:
    """``head``, ``excerpt`` and ``tail`` joined by spaces, in GSM-7, within ``parts`` SMS.

    Only the excerpt (quoted text of any length: a response, a title) is shortened; it is
    left out when less than ``MIN_EXCERPT`` septets would remain for it. The fixed text is
    cut only if it alone is too long (a translation much longer than the original)."""
    head, excerpt, tail = to_gsm(head), to_gsm(excerpt), to_gsm(tail)
    room = budget(parts)
    fixed = " ".join(piece for piece in (head, tail) if piece)
    if excerpt:
        separators = sum(1 for piece in (head, tail) if piece)
        spare = room - septets(head) - septets(tail) - separators
        if spare >= MIN_EXCERPT:
            return " ".join(piece for piece in (head, _cut(excerpt, spare), tail) if piece)
    return _cut(fixed, room)
