"""The SMS commands, read from what a phone sends: pure functions, no database.

    LAPOR <text>               a complaint        (REPORT)
    ASPIRASI <text>            an aspiration      (ASPIRATION)
    INFO <text>                information request
    CEK <tracking no.>         status and last response   (STATUS, CHECK)
    BALAS <tracking no.> <text>  answer the agency        (REPLY)
    BANTUAN                    the help text      (HELP)
    KLAIM <code>               link this number to a web account (CLAIM; see
                               ``aduan.channels.claim``)
    LEPAS                      undo that link (UNLINK)

Keywords are case-insensitive and may be followed by a space, a line break or ``: # . ,``
(people write "LAPOR: …" and "CEK#…" as well); runs of spaces and line breaks count as one
space. Anything that does not start with a keyword is ``UNKNOWN`` and gets the help text.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from aduan.core.text import storable
from aduan.core.tracking import normalise_tracking_id
from aduan.reports.models import Classification


class Kind(enum.StrEnum):
    REPORT = "report"
    ASPIRATION = "aspiration"
    INFORMATION = "information"
    STATUS = "status"
    REPLY = "reply"
    HELP = "help"
    CLAIM = "claim"
    UNLINK = "unlink"
    UNKNOWN = "unknown"


KEYWORDS: dict[str, Kind] = {
    "LAPOR": Kind.REPORT,
    "REPORT": Kind.REPORT,
    "ASPIRASI": Kind.ASPIRATION,
    "ASPIRATION": Kind.ASPIRATION,
    "INFO": Kind.INFORMATION,
    "INFORMASI": Kind.INFORMATION,
    "CEK": Kind.STATUS,
    "STATUS": Kind.STATUS,
    "CHECK": Kind.STATUS,
    "BALAS": Kind.REPLY,
    "REPLY": Kind.REPLY,
    "BANTUAN": Kind.HELP,
    "HELP": Kind.HELP,
    "KLAIM": Kind.CLAIM,
    "CLAIM": Kind.CLAIM,
    "LEPAS": Kind.UNLINK,
    "UNLINK": Kind.UNLINK,
}
# The keyword each kind is shown with in replies and the help text.
CANONICAL: dict[Kind, str] = {
    Kind.REPORT: "LAPOR",
    Kind.ASPIRATION: "ASPIRASI",
    Kind.INFORMATION: "INFO",
    Kind.STATUS: "CEK",
    Kind.REPLY: "BALAS",
    Kind.HELP: "BANTUAN",
    Kind.CLAIM: "KLAIM",
    Kind.UNLINK: "LEPAS",
}
CLASSIFICATIONS: dict[Kind, str] = {
    Kind.REPORT: Classification.COMPLAINT,
    Kind.ASPIRATION: Classification.ASPIRATION,
    Kind.INFORMATION: Classification.INFORMATION_REQUEST,
}
SUBMITTING = frozenset(CLASSIFICATIONS)

TITLE_CHARS = 60
_MIN_TITLE = 10  # reports.models.TITLE_MIN
_RAW_ID_CHARS = 24  # how much of an unreadable tracking number is quoted back

_COMMAND = re.compile(r"([A-Za-z]+)(?:[\s:#.,;!*=\-]+(.*))?", re.DOTALL)


@dataclass(frozen=True)
class Command:
    kind: Kind
    keyword: str = ""  # as the sender wrote it, upper-cased ("REPORT", "LAPOR")
    text: str = ""  # the report or reply text; for UNKNOWN the whole message
    tracking_id: str | None = None  # normalised; None when absent or unreadable
    raw_id: str = ""  # what stood where the tracking number belongs

    @property
    def classification(self) -> str | None:
        return CLASSIFICATIONS.get(self.kind)


def clean(text: str | None) -> str:
    """One line: control characters dropped, every run of whitespace one space."""
    return " ".join(storable(text).split())


def parse(text: str | None) -> Command:
    message = clean(text)
    match = _COMMAND.fullmatch(message)
    keyword = match.group(1).upper() if match else ""
    kind = KEYWORDS.get(keyword)
    if kind is None:
        return Command(Kind.UNKNOWN, text=message)
    rest = clean(match.group(2)) if match else ""
    if kind in SUBMITTING:
        return Command(kind, keyword=keyword, text=rest)
    if kind is Kind.STATUS:
        return Command(
            kind,
            keyword=keyword,
            tracking_id=normalise_tracking_id(rest),
            raw_id=rest[:_RAW_ID_CHARS],
        )
    if kind is Kind.REPLY:
        return _reply(keyword, rest)
    if kind is Kind.CLAIM:
        return Command(kind, keyword=keyword, text=rest)
    return Command(kind, keyword=keyword)


def _reply(keyword: str, rest: str) -> Command:
    """``BALAS <id> <text>``; the id may also be typed in two halves ("ABCDE FGHJK")."""
    words = rest.split(" ")
    for taken in (1, 2):
        candidate = "".join(words[:taken])
        if len(words) >= taken and (tracking_id := normalise_tracking_id(candidate)):
            return Command(
                Kind.REPLY,
                keyword=keyword,
                tracking_id=tracking_id,
                raw_id=" ".join(words[:taken]),
                text=" ".join(words[taken:]),
            )
    return Command(
        Kind.REPLY,
        keyword=keyword,
        raw_id=words[0][:_RAW_ID_CHARS],
        text=" ".join(words[1:]),
    )


def derive_title(body: str) -> str:
    """A report title from its SMS text: the first words, up to ``TITLE_CHARS`` characters
    at a word boundary, "…" when the text goes on. A first word too long for that (a
    pasted link) is cut inside it. ``body`` is a cleaned text of at least 30 characters, so
    the title has at least 10."""
    body = clean(body)
    if len(body) <= TITLE_CHARS:
        return body
    cut = body[: TITLE_CHARS + 1].rfind(" ")
    title = body[:cut] if cut >= _MIN_TITLE else body[:TITLE_CHARS].rstrip()
    trimmed = title.rstrip(" .,;:-")
    return (trimmed if len(trimmed) >= _MIN_TITLE else title) + "…"
