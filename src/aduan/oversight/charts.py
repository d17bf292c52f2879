"""Charts as server-rendered SVG: no script, no outside file. Each function returns safe
markup with ``role="img"`` and a label; the page shows the same numbers as a table for
screen readers (the SVG is a picture of that table)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#1f6feb", "#d9480f")
WIDTH, HEIGHT, PAD = 640, 220, 32

# The 38 provinces on a fixed tile grid, roughly where they lie (column, row): a
# cartogram needs no boundary data. Keys are the Kemendagri province codes.
PROVINCE_TILES: dict[str, tuple[int, int, str]] = {
    "11": (0, 0, "ACEH"),
    "12": (1, 1, "SUMUT"),
    "14": (2, 1, "RIAU"),
    "21": (3, 1, "KEPRI"),
    "13": (1, 2, "SUMBAR"),
    "15": (2, 2, "JAMBI"),
    "19": (3, 2, "BABEL"),
    "17": (1, 3, "BKL"),
    "16": (2, 3, "SUMSEL"),
    "18": (2, 4, "LPG"),
    "36": (2, 5, "BANTEN"),
    "31": (3, 4, "DKI"),
    "32": (3, 5, "JABAR"),
    "33": (4, 5, "JATENG"),
    "34": (4, 6, "DIY"),
    "35": (5, 5, "JATIM"),
    "51": (6, 5, "BALI"),
    "52": (7, 5, "NTB"),
    "53": (8, 5, "NTT"),
    "65": (6, 0, "KALTARA"),
    "61": (5, 1, "KALBAR"),
    "64": (6, 1, "KALTIM"),
    "62": (5, 2, "KALTENG"),
    "63": (6, 2, "KALSEL"),
    "71": (9, 0, "SULUT"),
    "75": (8, 1, "GTLO"),
    "76": (7, 2, "SULBAR"),
    "72": (8, 2, "SULTENG"),
    "73": (7, 3, "SULSEL"),
    "74": (8, 3, "SULTRA"),
    "82": (10, 1, "MALUT"),
    "81": (10, 3, "MALUKU"),
    "96": (11, 2, "PBD"),
    "92": (12, 2, "PABAR"),
    "91": (13, 2, "PAPUA"),
    "94": (12, 3, "PTENG"),
    "95": (13, 3, "PPEG"),
    "93": (13, 4, "PSEL"),
}


def _svg(width: int, height: int, label: str, body: str) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" '
        'role="img" aria-label="{}" class="chart">{}</svg>',
        width,
        height,
        label,
        mark_safe(body),  # noqa: S308 - built from format_html pieces only
    )


def line_chart(
    *, label: str, x_labels: Sequence[str], series: Mapping[str, Sequence[float | None]]
) -> SafeString:
    """Lines over weeks; ``None`` values leave a gap."""
    values = [v for line in series.values() for v in line if v is not None]
    top = max(values, default=0) or 1
    count = max(len(x_labels), 1)
    step = (WIDTH - 2 * PAD) / max(count - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return PAD + i * step, HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top

    parts = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>',
            PAD,
            HEIGHT - PAD,
            WIDTH - PAD,
            HEIGHT - PAD,
        ),
        format_html('<text x="2" y="{}" font-size="11">{}</text>', PAD - 4, _number(top)),
        format_html('<text x="2" y="{}" font-size="11">0</text>', HEIGHT - PAD),
    ]
    if x_labels:
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11">{}</text>', PAD, HEIGHT - 8, x_labels[0]
            )
        )
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>',
                WIDTH - PAD,
                HEIGHT - 8,
                x_labels[-1],
            )
        )
    for index, (name, line) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        points = " ".join(
            "{:.1f},{:.1f}".format(*xy(i, v)) for i, v in enumerate(line) if v is not None
        )
        parts.append(
            format_html(
                '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>', colour, points
            )
        )
        parts.append(
            format_html(
                '<rect x="{}" y="4" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="13" font-size="11">{}</text>',
                PAD + index * 160,
                colour,
                PAD + index * 160 + 14,
                name,
            )
        )
    return _svg(WIDTH, HEIGHT, label, "".join(parts))


# A bar's name wraps at this many characters (its column is 180 units, 11-unit type).
NAME_LINE = 28
LINE_HEIGHT = 13


def wrap_label(name: str, width: int = NAME_LINE) -> list[str]:
    """``name`` on lines of at most ``width`` characters, broken between words (a longer
    word alone is cut); joined with spaces they give ``name`` back."""
    return textwrap.wrap(name, width, break_on_hyphens=False) or [""]


def bar_chart(*, label: str, rows: Sequence[tuple[str, float]]) -> SafeString:
    """Horizontal bars, one per row, longest first as given. A long name wraps onto more
    lines (its row grows) instead of being cut, and each row's ``<title>`` holds the full
    name and the value (a tooltip, and what a screen reader reads for the row)."""
    top = max((value for _name, value in rows), default=0) or 1
    bar_height, gap, name_width = 18, 6, 180
    span = WIDTH - name_width - 60
    parts, y = [], gap
    for name, value in rows:
        lines = wrap_label(name)
        row_height = max(bar_height, len(lines) * LINE_HEIGHT)
        bar_y = y + (row_height - bar_height) / 2
        tspans = format_html_join(
            "",
            '<tspan x="0" dy="{}">{}</tspan>',
            ((0 if i == 0 else LINE_HEIGHT, line) for i, line in enumerate(lines)),
        )
        parts.append(
            format_html(
                '<g><title>{}: {}</title><text x="0" y="{}" font-size="11">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                '<text x="{}" y="{}" font-size="11">{}</text></g>',
                name,
                _number(value),
                f"{y + (row_height - len(lines) * LINE_HEIGHT) / 2 + 11:.1f}",
                tspans,
                name_width,
                f"{bar_y:.1f}",
                f"{span * value / top:.1f}",
                bar_height,
                PALETTE[0],
                f"{name_width + span * value / top + 4:.1f}",
                f"{bar_y + 13:.1f}",
                _number(value),
            )
        )
        y += row_height + gap
    height = max(y, bar_height + 2 * gap)
    return _svg(WIDTH, height, label, "".join(parts))


def share_colour(share: float | None) -> str:
    """Red (late) to green (on time); grey without figures."""
    if share is None:
        return "#e0e0e0"
    red = round(215 - 170 * share)
    green = round(60 + 120 * share)
    return f"#{red:02x}{green:02x}50"


def province_cartogram(*, label: str, shares: Mapping[str, float | None]) -> SafeString:
    """The 38 provinces as tiles on a grid, coloured by on-time share."""
    size, gap = 44, 4
    columns = 1 + max(col for col, _row, _name in PROVINCE_TILES.values())
    rows = 1 + max(row for _col, row, _name in PROVINCE_TILES.values())
    body = format_html_join(
        "",
        '<g><title>{}: {}</title><rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="{}"/>'
        '<text x="{}" y="{}" font-size="8" text-anchor="middle">{}</text></g>',
        (
            (
                name,
                _percent(shares.get(code)),
                col * (size + gap),
                row * (size + gap),
                size,
                size,
                share_colour(shares.get(code)),
                col * (size + gap) + size / 2,
                row * (size + gap) + size / 2 + 3,
                name,
            )
            for code, (col, row, name) in sorted(PROVINCE_TILES.items())
        ),
    )
    return _svg(columns * (size + gap), rows * (size + gap), label, body)


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"
