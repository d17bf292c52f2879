"""README.md stays true to the code: every variable the settings read is documented, every
`make` target it names exists, and the webhook receiver it shows checks like ours."""

from __future__ import annotations

import re
import time

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


def readme_receiver_verify():
    """The webhook receiver's ``verify`` from the README, run as an agency would copy it."""
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    [source] = [block for block in blocks if "def verify(" in block]
    namespace: dict = {}
    exec(compile(source, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace["verify"]


def test_the_readme_receiver_accepts_our_signature_and_refuses_a_changed_one():
    from aduan.integrations.signing import signature_headers

    verify = readme_receiver_verify()
    body = b'{"event":{"kind":"ping"}}'
    headers = signature_headers(secret="whsec_x", body=body)
    stamp, signature = headers["X-Aduan-Timestamp"], headers["X-Aduan-Signature"]
    assert verify("whsec_x", body, stamp, signature) is True
    assert verify("whsec_y", body, stamp, signature) is False
    assert verify("whsec_x", body + b" ", stamp, signature) is False
    old = signature_headers(secret="whsec_x", body=body, timestamp=int(time.time()) - 301)
    assert verify("whsec_x", body, old["X-Aduan-Timestamp"], old["X-Aduan-Signature"]) is False


def test_the_readme_receiver_refuses_garbage_headers_instead_of_raising():
    """A receiver is on the internet: whatever arrives in the headers is a refusal, never
    an exception (a 500, a noisy log), exactly like ``signing.signature_verify``."""
    from aduan.integrations.signing import signature_verify

    verify = readme_receiver_verify()
    body = b"{}"
    good = "sha256=" + "0" * 64
    now = str(int(time.time()))
    garbage = [
        ("9" * 400, good),  # a number too large for the float clock: OverflowError
        ("9" * 5000, good),  # past int()'s digit limit: ValueError
        ("1e9", good),
        ("", good),
        (None, good),  # the header is missing: TypeError
        (now, "sha256=é" + "0" * 63),  # non-ASCII: TypeError
        (now, None),
        (now, ""),
    ]
    for timestamp, signature in garbage:
        assert verify("whsec_x", body, timestamp, signature) is False, (timestamp, signature)
        assert not signature_verify(
            secret="whsec_x", body=body, timestamp=timestamp, signature=signature
        )
