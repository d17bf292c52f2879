"""What the Content-Security-Policy (``core.security_headers``) would refuse in a page:
inline scripts, event-handler attributes, ``javascript:`` links, ``<style>`` blocks,
``style=""`` attributes and htmx's eval-based attributes. Used on rendered pages (an HTML
parser) and on template sources (patterns, since Django tags are not HTML)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# <script type="application/json"> (json_script, allauth's data blocks) is data, not code.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
EVAL_ATTRIBUTES = ("hx-on", "data-hx-on", "hx-vars", "data-hx-vars")


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "style":
            self.found.append("<style> block")
        script_type = (named.get("type") or "").strip().lower()
        if tag == "script" and "src" not in named and script_type not in DATA_SCRIPT_TYPES:
            self.found.append("<script> without src")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'style="{value}" on <{tag}>')
            elif name.startswith("on"):
                self.found.append(f"{name}= handler on <{tag}>")
            elif name.startswith(EVAL_ATTRIBUTES) or (
                name in ("hx-vals", "data-hx-vals") and (value or "").lstrip().startswith("js:")
            ):
                self.found.append(f"{name}= (htmx eval) on <{tag}>")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{name}=javascript: on <{tag}>")


def inline_code(html: str) -> list[str]:
    """Each thing in the rendered ``html`` that a strict policy would block, described."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found


_TEMPLATE_PATTERNS = {
    "<style> block": re.compile(r"<style\b", re.IGNORECASE),
    "<script> without src": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*\btype=[\"']application/(?:ld\+)?json)[^>]*>",
        re.IGNORECASE,
    ),
    "style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "on*= handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "htmx eval attribute": re.compile(r"\b(?:data-)?hx-(?:on|vars)\b|hx-vals=[\"']js:", re.I),
}


def inline_code_in_template(source: str) -> list[str]:
    """The same, found by pattern in a template's source (its ``{# #}`` and
    ``{% comment %}`` text left out)."""
    source = re.sub(r"{#.*?#}", "", source, flags=re.DOTALL)
    source = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", source, flags=re.DOTALL)
    return [
        f"{kind} at line {source[: match.start()].count(chr(10)) + 1}"
        for kind, pattern in _TEMPLATE_PATTERNS.items()
        for match in pattern.finditer(source)
    ]
