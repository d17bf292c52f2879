"""Reading an e-mail: pure functions from raw bytes to what a report needs.

Nothing here touches the database. Every function accepts whatever arrives from the
outside (broken headers, unknown charsets, HTML only, no body at all) and returns
something usable instead of raising: what is missing is empty, and the caller decides
what to answer.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html import unescape
from html.parser import HTMLParser

from aduan.core.text import storable
from aduan.core.tracking import ALPHABET, LENGTH, normalise_tracking_id

logger = logging.getLogger(__name__)

# "Re:", "Fwd:", "Bls:" (balas), "Trs:" (teruskan) … possibly repeated and numbered
# ("Re[2]:"), in the languages our reporters' mail programs speak.
_PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|tr|trs|bls|balas|teruskan|antw|rv|enc)\s*(?:\[\d+\])?\s*[:：]\s*)+",
    re.IGNORECASE,
)
_TRACKING_BRACKET_RE = re.compile(r"\[\s*([A-Za-z0-9][A-Za-z0-9 \-]{8,14}[A-Za-z0-9])\s*\]")
_TRACKING_HASH_RE = re.compile(r"#\s?([A-Za-z0-9]{10})(?![A-Za-z0-9])")
# Our notifications name the report bare ("Laporan ABCDE23456: …"): in a reply to one,
# an exact tracking id (upper case, our alphabet) is taken as the report.
_TRACKING_BARE_RE = re.compile(rf"(?<![A-Za-z0-9])([{ALPHABET}]{{{LENGTH}}})(?![A-Za-z0-9])")
_CONFIDENTIAL_RE = re.compile(r"\[\s*(?:rahasia|confidential)\s*\]", re.IGNORECASE)

# Where the quoted message starts: everything from this line on is the previous mail.
_QUOTE_HEADERS = [
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Pada\b.{0,300}\bmenulis:\s*$", re.IGNORECASE),
    re.compile(
        r"^\s*-{2,}\s*(?:Original Message|Pesan Asli|Forwarded message|Pesan yang diteruskan)\s*-{2,}",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's line above the quoted headers
]
# Outlook does not say "wrote": it repeats the headers of the quoted mail.
_OUTLOOK_FROM_RE = re.compile(r"^\s*\*?(?:From|Dari)\s*:\*?\s", re.IGNORECASE)
_OUTLOOK_NEXT_RE = re.compile(
    r"^\s*\*?(?:Sent|Date|To|Subject|Dikirim|Tanggal|Kepada|Perihal|Subjek)\s*:", re.IGNORECASE
)
# Where a signature starts: the standard "-- " line or a phone's advertisement.
_SIGNATURE_RE = re.compile(
    r"^\s*(?:--\s*|Sent from my\b.*|Sent from (?:Mail|Outlook|Yahoo)\b.*|Get Outlook for\b.*"
    r"|Dikirim dari\b.*|Kirim dari\b.*|Dikirim melalui\b.*)$",
    re.IGNORECASE,
)
_MESSAGE_ID_RE = re.compile(r"<[^<>\s]{1,250}>")
REFERENCES_MAX = 100


@dataclass(frozen=True)
class MailAttachment:
    name: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    """What a received e-mail says, as far as it can be read."""

    message_id: str
    sender: str  # the From address, lower-cased; empty when there is none usable
    subject: str
    title: str  # the subject without reply prefixes and tags
    tracking_id: str | None  # a report named in the subject: this is a reply
    confidential: bool  # "[RAHASIA]" in the subject
    text: str  # the new text, quoted replies and signature removed
    attachments: list[MailAttachment] = field(default_factory=list)
    auto_generated: bool = False  # bounces, out-of-office, lists: never answered
    original_message_id: str = ""  # the Message-ID header as sent, for In-Reply-To
    references: tuple[str, ...] = ()  # the Message-IDs it answers (In-Reply-To, References)


# Where a header's value is cut before Python's header parser reads it. Its time is
# quadratic in the length (a 2 MB Subject took 20 s); no mail program writes a header
# near this (a References list of REFERENCES_MAX ids is at most about 25 kB).
HEADER_MAX = 32 * 1024


class _BoundedHeaders(policy.EmailPolicy):
    """``policy.default``, reading at most ``HEADER_MAX`` characters of any header."""

    def header_fetch_parse(self, name, value):
        if isinstance(value, str) and len(value) > HEADER_MAX:
            value = value[:HEADER_MAX]
        return super().header_fetch_parse(name, value)


_POLICY = _BoundedHeaders()


def parse_message(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=_POLICY).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def _header(message: EmailMessage, name: str) -> str:
    """A header as text; a malformed one is read raw rather than raising."""
    try:
        value = message.get(name)
    except Exception:  # the header registry raises many things on hostile input
        value = None
        for key, raw in message.raw_items():
            if key.lower() == name.lower():
                value = raw
                break
    if value is None:
        return ""
    return " ".join(storable(value, one_line=True).split())


def sender_address(message: EmailMessage) -> str:
    """The From address, lower-cased, or "" when there is no single plausible address."""
    raw = _header(message, "From")
    try:
        addresses = [addr for _name, addr in getaddresses([raw]) if addr]
    except Exception:
        addresses = [parseaddr(raw)[1]]
    if len(addresses) != 1:
        return ""
    address = addresses[0].strip().lower()
    try:
        parsed = Address(addr_spec=address)
    except Exception:
        return ""
    if not parsed.username or "." not in parsed.domain or len(address) > 254:
        return ""
    return address


def message_id(message: EmailMessage, raw: bytes) -> str:
    """The Message-ID, or a digest of the bytes when the sender set none."""
    value = _header(message, "Message-ID").strip()
    if value:
        return value[:255]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def thread_references(message: EmailMessage) -> tuple[str, ...]:
    """The Message-IDs a message answers: In-Reply-To first, then References, each once.
    A thread is never deeper than ``REFERENCES_MAX``; what comes after is not read."""
    found: dict[str, None] = {}
    for name in ("In-Reply-To", "References"):
        for match in _MESSAGE_ID_RE.finditer(_header(message, name)):
            found.setdefault(match.group(0), None)
            if len(found) == REFERENCES_MAX:
                return tuple(found)
    return tuple(found)


def find_tracking_id(subject: str) -> str | None:
    """A tracking id in the subject, written ``[ABCDE23456]`` or ``#ABCDE23456``, or bare
    (``ABCDE23456``) in a reply ("Re: Laporan ABCDE23456: …", our notifications' form)."""
    for match in _TRACKING_BRACKET_RE.finditer(subject):
        if found := normalise_tracking_id(match.group(1)):
            return found
    for match in _TRACKING_HASH_RE.finditer(subject):
        if found := normalise_tracking_id(match.group(1)):
            return found
    if _PREFIX_RE.match(subject) and (match := _TRACKING_BARE_RE.search(subject)):
        return match.group(1)
    return None


def subject_title(subject: str) -> str:
    """The subject as a report title: no "Re:"/"Fwd:" prefixes, tracking id or tags."""
    text = _TRACKING_BRACKET_RE.sub(
        lambda m: "" if normalise_tracking_id(m.group(1)) else m.group(0), subject
    )
    text = _CONFIDENTIAL_RE.sub("", text)
    text = _PREFIX_RE.sub("", " ".join(text.split()))
    return " ".join(text.split()).strip(" -:")


class _TextExtractor(HTMLParser):
    """Text from HTML: tags dropped, blocks become line breaks, scripts and styles skipped."""

    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
    )
    _SKIPPED = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.quoting = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._SKIPPED:
            self.skipping += 1
        elif tag == "blockquote":
            self.quoting += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.quoting = max(0, self.quoting - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping and not self.quoting:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # HTMLParser is lenient; this is for the unforeseen
        return unescape(re.sub(r"<[^>]*>", " ", html))
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).split("\n")]
    return "\n".join(lines)


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except Exception as exc:  # unknown charset, broken transfer encoding
        logger.info("mail part read as raw bytes: %r", exc)
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode("utf-8", errors="replace")
    return ""


def body_text(message: EmailMessage) -> str:
    """The message's text: text/plain preferred, else text/html turned into text."""
    try:
        body = message.get_body(preferencelist=("plain", "html"))
    except Exception:
        body = None
    if body is None:
        return ""
    text = _part_text(body)
    if body.get_content_subtype() == "html":
        text = html_to_text(text)
    return text


def trim_reply(text: str) -> str:
    """The new text of a message: quoted lines, the quoted previous message and the
    signature removed; line breaks normalised."""
    lines = storable(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        joined = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else line
        # Mail programs wrap a long "On <date>, <name> wrote:" over two lines.
        if any(pattern.match(line) or pattern.match(joined) for pattern in _QUOTE_HEADERS):
            break
        if _OUTLOOK_FROM_RE.match(line) and any(
            _OUTLOOK_NEXT_RE.match(following) for following in lines[index + 1 : index + 4]
        ):
            break
        if _SIGNATURE_RE.match(line) and line.strip() not in {"", "-"}:
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    result = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", result)


def attachments(message: EmailMessage) -> list[MailAttachment]:
    """Every attached file (not the text bodies), with its name and decoded bytes."""
    found: list[MailAttachment] = []
    try:
        parts = list(message.iter_attachments())
    except Exception:
        return found
    for part in parts:
        try:
            payload = part.get_payload(decode=True)
            name = part.get_filename() or ""
        except Exception as exc:
            logger.info("unreadable attachment skipped: %r", exc)
            continue
        if not isinstance(payload, bytes) or not payload:
            continue
        found.append(MailAttachment(name=storable(name, one_line=True)[:200], data=payload))
    return found


def is_auto_generated(message: EmailMessage) -> bool:
    """Bounces, vacation replies, mailing lists and our own auto-replies: answering them
    would start a mail loop (RFC 3834)."""
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return True
    if _header(message, "Precedence").lower() in {"bulk", "junk", "list", "auto_reply"}:
        return True
    if _header(message, "List-Id") or _header(message, "X-Autoreply"):
        return True
    return _header(message, "X-Auto-Response-Suppress").lower() in {"all", "oof", "autoreply"}


def parse_mail(raw: bytes) -> ParsedMail:
    message = parse_message(raw)
    subject = _header(message, "Subject")
    sender = sender_address(message)
    local_part = sender.split("@")[0]
    return ParsedMail(
        message_id=message_id(message, raw),
        sender=sender,
        subject=subject,
        title=subject_title(subject),
        tracking_id=find_tracking_id(subject),
        confidential=bool(_CONFIDENTIAL_RE.search(subject)),
        text=trim_reply(body_text(message)),
        attachments=attachments(message),
        auto_generated=is_auto_generated(message) or local_part in {"mailer-daemon", "postmaster"},
        original_message_id=_header(message, "Message-ID")[:998],
        references=thread_references(message),
    )
