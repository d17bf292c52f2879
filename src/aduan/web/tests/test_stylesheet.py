"""The visual system in site.css (issue 14): colours are tokens, and every text colour on
every background it is used on meets WCAG 2.1 AA (4.5:1), computed here from the values
the stylesheet declares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[1] / "static" / "web"
SHEETS = ("site.css", "desk.css")  # desk.css uses site.css's tokens
AA = 4.5
KEYWORDS = {"inherit", "transparent", "none", "currentcolor", "initial", "unset"}


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.1's relative luminance of ``#rgb`` or ``#rrggbb``."""
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(2 * digit for digit in digits)
    if not re.fullmatch(r"[0-9a-fA-F]{6}", digits):
        raise ValueError(f"not a hex colour: {hex_colour}")
    channels = []
    for i in (0, 2, 4):
        value = int(digits[i : i + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _root(css: str) -> str:
    return re.search(r":root\s*\{(.*?)\}", css, re.DOTALL).group(1)


def tokens() -> dict[str, str]:
    """The colour tokens of site.css's ``:root``, by name (``--ink``: ``#1b1f24``)."""
    root = re.sub(r"/\*.*?\*/", "", _root((STATIC / "site.css").read_text()), flags=re.DOTALL)
    return dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})\s*;", root))


def declared_pairs() -> list[tuple[str, str]]:
    """The ``contrast-pairs:`` list in the comment of ``:root``: (text, background)."""
    root = _root((STATIC / "site.css").read_text())
    listed = re.search(r"contrast-pairs:(.*?)\*/", root, re.DOTALL).group(1)
    return re.findall(r"(--[\w-]+)/(--[\w-]+)", listed)


def rules() -> list[tuple[str, str, dict[str, str]]]:
    """Every innermost rule of the sheets (inside @media too) but ``:root``: (sheet,
    selector, {property: value}) for its colour and background declarations."""
    found = []
    for sheet in SHEETS:
        css = re.sub(r"/\*.*?\*/", "", (STATIC / sheet).read_text(), flags=re.DOTALL)
        for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
            selector = selector.strip().split("\n")[-1].strip()
            if selector == ":root":
                continue
            declarations = {
                name: value.strip()
                for name, value in re.findall(
                    r"(?<![-\w])(color|background|background-color)\s*:\s*([^;]+)", body
                )
            }
            if declarations:
                found.append((sheet, selector, declarations))
    return found


def token_of(value: str) -> str | None:
    """``var(--x)`` as ``--x``; None for a keyword; an error for a colour written out."""
    if value.lower() in KEYWORDS:
        return None
    if match := re.fullmatch(r"var\((--[\w-]+)\)(?:\s*!important)?", value):
        return match.group(1)
    raise AssertionError(f"a colour written out instead of a token: {value}")


def test_the_contrast_computation_matches_wcag():
    assert contrast("#000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#fff") == pytest.approx(4.48, abs=0.01)  # just under AA
    assert contrast("#767676", "#fff") == pytest.approx(4.54, abs=0.01)  # just over
    assert contrast("#fff", "#fff") == pytest.approx(1)
    with pytest.raises(ValueError, match="not a hex colour"):
        relative_luminance("#12345g")


def test_every_declared_text_and_background_pair_meets_aa():
    values = tokens()
    pairs = declared_pairs()
    assert len(pairs) >= 20, pairs
    unknown = {name for pair in pairs for name in pair} - values.keys()
    assert unknown == set(), f"pairs name tokens :root does not declare: {unknown}"
    too_faint = {
        f"{text} on {background}": round(contrast(values[text], values[background]), 2)
        for text, background in pairs
        if contrast(values[text], values[background]) < AA
    }
    assert too_faint == {}


def test_every_text_colour_and_background_is_a_token_some_checked_pair_covers():
    texts = {text for text, _ in declared_pairs()}
    backgrounds = {background for _, background in declared_pairs()}
    uncovered, written_out = [], []
    for sheet, selector, declarations in rules():
        for name, value in declarations.items():
            try:
                token = token_of(value)
            except AssertionError as error:
                written_out.append(f"{sheet} {selector}: {error}")
                continue
            side = texts if name == "color" else backgrounds
            if token is not None and token not in side:
                uncovered.append(f"{sheet} {selector}: {name} {token}")
    assert written_out == []
    assert uncovered == [], "add the pair to contrast-pairs in :root (it is checked there)"


def test_a_rule_that_sets_both_colours_meets_aa():
    values = tokens()
    pairs = 0
    too_faint = {}
    for sheet, selector, declarations in rules():
        text = token_of(declarations.get("color", "none"))
        background = token_of(
            declarations.get("background-color") or declarations.get("background", "none")
        )
        if text and background:
            pairs += 1
            ratio = contrast(values[text], values[background])
            if ratio < AA:
                too_faint[f"{sheet} {selector}"] = round(ratio, 2)
    assert pairs >= 5  # the buttons, the badges, the header's count...
    assert too_faint == {}
