"""The audit chain's keys: parsed with clear messages, rotated by appending one (old
events keep verifying under the key they name), and never the derived development key in
a deployment (``check --deploy``; production settings refuse it: test_production_settings)."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured

from aduan.reports.audit import chain_verify
from aduan.reports.audit_keys import (
    DERIVED_KEY_ID,
    audit_keyring,
    check_audit_keys,
    check_audit_keys_deploy,
    keyring_configured,
    keyring_parse,
)
from aduan.reports.models import ReportEvent
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow import services as wf

K1 = base64.b64encode(b"1" * 32).decode()
K2 = base64.urlsafe_b64encode(b"\xfb" * 40).decode()  # the URL-safe alphabet is taken too


def test_the_last_key_listed_signs_and_every_one_verifies(tmp_path):
    ring = keyring_parse(f"old:{K1}, new:{K2}", source="ADUAN_AUDIT_KEYS")
    assert ring.signing_id == "new"
    assert ring.keys == {"old": b"1" * 32, "new": b"\xfb" * 40}
    key_file = tmp_path / "keys"
    key_file.write_text(f"# 2026: verifies only\nold:{K1}\nnew:{K2}  # signs\n")
    from_file = keyring_configured(keys="", key_file=str(key_file))
    assert from_file == ring
    assert keyring_configured(keys="", key_file="") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "lists no key"),
        (f"k1:{K1},k1:{K2}", "the key id 'k1' is listed twice"),
        (f"kunci rahasia:{K1}", "each key is 'id:base64-secret'"),
        (f"{'k' * 17}:{K1}", "each key is 'id:base64-secret'"),
        ("k1:bukan*base64", "the secret of key 'k1' is not base64"),
        (f"k1:{base64.b64encode(b'x' * 31).decode()}", "has 31 bytes, at least 32"),
    ],
)
def test_a_malformed_key_list_is_refused_with_a_clear_message(text, message):
    with pytest.raises(ImproperlyConfigured, match="ADUAN_AUDIT_KEYS") as excinfo:
        keyring_parse(text, source="ADUAN_AUDIT_KEYS")
    assert message in str(excinfo.value)


def test_keys_and_a_key_file_together_are_refused(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="not both"):
        keyring_configured(keys=f"k1:{K1}", key_file=str(tmp_path / "keys"))


def test_without_keys_development_derives_one_and_check_deploy_warns(settings):
    settings.ADUAN_AUDIT_KEYS = settings.ADUAN_AUDIT_KEY_FILE = ""
    ring = audit_keyring()
    assert ring.derived
    assert ring.signing_id == DERIVED_KEY_ID
    assert [m.id for m in check_audit_keys_deploy()] == ["reports.W001"]
    assert check_audit_keys() == []
    settings.ADUAN_AUDIT_KEYS = f"k1:{K1}"
    assert not audit_keyring().derived
    assert check_audit_keys_deploy() == []


def test_a_malformed_key_list_is_a_system_check_error(settings):
    settings.ADUAN_AUDIT_KEYS = "k1:pendek"
    errors = check_audit_keys()
    assert [e.id for e in errors] == ["reports.E001"]
    assert "ADUAN_AUDIT_KEYS" in errors[0].msg
    assert check_audit_keys_deploy() == []  # said once, by the error


@pytest.mark.django_db
def test_rotation_old_events_verify_under_their_key_new_ones_are_signed_with_the_new(settings):
    settings.ADUAN_AUDIT_KEYS = f"k1:{K1}"
    report = ReportFactory()
    wf.report_comment(report=report, actor=report.reporter, body="Ditulis di bawah kunci k1.")
    settings.ADUAN_AUDIT_KEYS = f"k1:{K1},k2:{K2}"
    wf.report_comment(report=report, actor=report.reporter, body="Ditulis di bawah kunci k2.")
    other = ReportFactory()
    key_ids = lambda r: list(ReportEvent.objects.filter(report=r).values_list("key_id", flat=True))  # noqa: E731
    assert key_ids(report) == ["k1", "k1", "k2"]
    assert key_ids(other) == ["k2"]
    assert list(chain_verify()) == []
    # A key dropped from the list too early: its events can no longer be verified.
    settings.ADUAN_AUDIT_KEYS = f"k2:{K2}"
    assert [str(b) for b in chain_verify()] == [
        f"{report.tracking_id} event {seq}: is signed with an unknown key 'k1'" for seq in (1, 2)
    ]
