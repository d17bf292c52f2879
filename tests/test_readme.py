"""README.md stays true to the code: every variable the settings read is documented, and
every `make` target it names exists."""

from __future__ import annotations

import re

from conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()
CONFIG = REPO_ROOT / "src" / "aduan" / "config"


def variables_read_by_settings() -> set[str]:
    names: set[str] = set()
    for path in [*CONFIG.glob("settings/*.py"), CONFIG / "gunicorn.py"]:
        source = path.read_text()
        names |= set(re.findall(r"os\.environ(?:\.get)?[\(\[]\s*[\"']([A-Z0-9_]+)[\"']", source))
        names |= set(re.findall(r"env_(?:bool|list)\(\s*[\"']([A-Z0-9_]+)[\"']", source))
    return names


def test_the_scan_finds_the_settings_variables():
    found = variables_read_by_settings()
    assert {"DATABASE_URL", "REDIS_URL", "ADUAN_SECRET_KEY", "ADUAN_S3_BUCKET", "PORT"} <= found


def test_every_environment_variable_is_in_the_configuration_table():
    table = README[README.index("## Configuration") : README.index("## Production deployment")]
    missing = sorted(name for name in variables_read_by_settings() if f"`{name}`" not in table)
    assert not missing, f"document these in README.md's Configuration table: {missing}"


def test_every_make_target_named_in_the_readme_exists():
    makefile = (REPO_ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    named = set(re.findall(r"`make ([a-z][a-z-]*)", README))
    assert {"run", "test"} <= named
    assert named <= targets, f"README names missing targets: {sorted(named - targets)}"
