"""Shared start-up of the bench scripts: Django on the PostgreSQL database in DATABASE_URL."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def django_setup() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench"
        )
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.config.settings.base")
    import django

    django.setup()


def json_option(parser) -> None:
    """``--json PATH``: the script also writes its figures there (for ``bench/run.py``)."""
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help='also write the figures as {"scenario": {...}}'
    )


def json_write(path: Path | None, scenarios: dict[str, dict[str, object]]) -> None:
    """Write ``scenarios`` (scenario name → its figures) as one JSON object to ``path``
    (nothing when ``path`` is None). Floats are rounded to 0.01; a partial run writes what
    it measured."""
    if path is None:
        return
    import json

    def rounded(value: object) -> object:
        if isinstance(value, float):
            return round(value, 2)
        if isinstance(value, dict):
            return {key: rounded(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [rounded(item) for item in value]
        return value

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rounded(scenarios), indent=2, ensure_ascii=False) + "\n")
    print(f"figures written to {path}")
