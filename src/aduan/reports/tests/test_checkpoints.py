"""Signed checkpoints (``verify_audit --export-checkpoint`` / ``--checkpoint``): what the
chain alone cannot show, a chain cut at its end or rewritten by someone who holds the key,
shows against a checkpoint kept outside the database."""

from __future__ import annotations

import json

import pytest
from django.core.management.base import CommandError

from aduan.reports.audit_keys import audit_keyring
from aduan.reports.models import Report, ReportEvent
from aduan.reports.tests.factories import ReportFactory
from aduan.reports.tests.test_audit import (
    REPORT_TABLE,
    handled,  # noqa: F401 - fixture
    raw,
    raw_delete_events,
    rewrite_chain,
    sign_with,
    verify,
    verify_broken,
)
from aduan.workflow import services as wf

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpoint(tmp_path, handled):  # noqa: F811 - the fixture above
    path = tmp_path / "checkpoint.json"
    output = verify("--export-checkpoint", str(path))
    ring = audit_keyring()
    assert output.splitlines()[-1].startswith(
        f"Checkpoint of 1 chains written to {path} (signed with key {ring.signing_id!r} at "
    )
    return path


def test_a_checkpoint_holds_every_head_signed(checkpoint, handled):  # noqa: F811
    document = json.loads(checkpoint.read_text())
    assert document["format"] == "aduan-audit-checkpoint/1"
    assert document["key_id"] == audit_keyring().signing_id
    assert document["reports"] == {handled.tracking_id: [4, handled.audit_head]}
    assert len(document["signature"]) == 64
    output = verify("--checkpoint", str(checkpoint))
    assert (
        output.strip()
        == f"Audit chain intact against the checkpoint {checkpoint}: 1 reports, 4 events"
    )


def test_chains_that_grew_since_the_checkpoint_still_match(checkpoint, handled):  # noqa: F811
    wf.report_close(report=handled, actor=handled.reporter)
    ReportFactory()  # a report submitted since
    assert "intact against the checkpoint" in verify("--checkpoint", str(checkpoint))


def test_the_daily_run_compares_with_the_last_checkpoint_and_writes_the_next(
    checkpoint,
    tmp_path,
    handled,  # noqa: F811
):
    """What cron runs (README.md, Production): a clean comparison writes the next one."""
    wf.report_close(report=handled, actor=handled.reporter)
    following = tmp_path / "next.json"
    output = verify("--checkpoint", str(checkpoint), "--export-checkpoint", str(following))
    assert "intact against the checkpoint" in output
    assert json.loads(following.read_text())["reports"][handled.tracking_id][0] == 5
    raw("UPDATE {table} SET note = %s WHERE report_id = %s AND seq = 5", ["x", handled.pk])
    latest = tmp_path / "latest.json"
    _output, error = verify_broken(
        "--checkpoint", str(following), "--export-checkpoint", str(latest)
    )
    assert "(no checkpoint written)" in str(error)
    assert not latest.exists()


def test_a_whole_chain_replaced_by_a_key_holder_shows_against_the_checkpoint(
    checkpoint,
    handled,  # noqa: F811
):
    """Issue 12's sixth attack: someone holding the key rewrites event 2 and signs every
    event after it again. The chain alone verifies; the checkpoint does not."""
    ring = audit_keyring()
    rewrite_chain(handled, sign=sign_with(ring.signing_id, ring.signing_key), edit_seq=2)
    assert verify().startswith("Audit chain intact")
    output, error = verify_broken("--checkpoint", str(checkpoint))
    assert output.splitlines() == [
        f"{handled.tracking_id} event 4: differs from the checkpoint (rewritten since)"
    ]
    assert f"Audit chain broken against the checkpoint {checkpoint}" in str(error)


def test_a_last_event_deleted_with_its_head_rewound_shows_against_the_checkpoint(
    tmp_path,
    handled,  # noqa: F811
):
    """The deleted event changed nothing in the report (a comment): only a checkpoint
    taken after it shows that the chain was cut."""
    wf.report_comment(report=handled, actor=handled.reporter, body="Terima kasih, sudah bersih.")
    path = tmp_path / "checkpoint.json"
    verify("--export-checkpoint", str(path))
    fourth = ReportEvent.objects.get(report=handled, seq=4)
    raw_delete_events(handled, seq=5)
    raw(
        "UPDATE {table} SET event_count = 4, audit_head = %s WHERE id = %s",
        [fourth.hash, handled.pk],
        table=REPORT_TABLE,
    )
    assert verify().startswith("Audit chain intact")
    output, _error = verify_broken("--checkpoint", str(path))
    shorter = "shorter than at the checkpoint (4 events, the checkpoint has 5)"
    assert output.splitlines() == [f"{handled.tracking_id} head: {shorter}"]


def test_a_report_deleted_since_the_checkpoint_is_named(checkpoint, handled):  # noqa: F811
    tracking_id = handled.tracking_id
    Report.objects.filter(pk=handled.pk).delete()  # with its events, deadlines …
    output, _error = verify_broken("--checkpoint", str(checkpoint))
    assert output.splitlines() == [f"{tracking_id} head: the report is gone since the checkpoint"]


def test_tracking_id_compares_only_that_report(checkpoint, handled):  # noqa: F811
    other = ReportFactory()
    Report.objects.filter(pk=handled.pk).delete()  # with its events, deadlines …
    output = verify("--checkpoint", str(checkpoint), "--tracking-id", other.tracking_id)
    assert "intact against the checkpoint" in output


def test_a_checkpoint_with_a_changed_head_is_refused(checkpoint, handled):  # noqa: F811
    """Whoever rewrote the chain cannot make the checkpoint agree without the key."""
    document = json.loads(checkpoint.read_text())
    document["reports"][handled.tracking_id] = [3, "0" * 64]
    checkpoint.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="the signature does not match"):
        verify("--checkpoint", str(checkpoint))


def test_a_checkpoint_signed_with_an_unknown_key_is_refused(checkpoint, settings):
    settings.ADUAN_AUDIT_KEYS = "k2:" + "a2V5LWZvci10ZXN0cy1vbmx5LWF0LWxlYXN0LTMyLWJ5dGVz"
    with pytest.raises(CommandError, match=r"signed with the key '\w+', which is not configured"):
        verify("--checkpoint", str(checkpoint))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not a checkpoint (not JSON)"),
        ('{"format": "x"}', "is not a checkpoint (no 'aduan-audit-checkpoint/1' format)"),
        ('{"format": "aduan-audit-checkpoint/1"}', "fields missing or malformed"),
    ],
)
def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path, content, message):
    path = tmp_path / "checkpoint.json"
    path.write_text(content)
    with pytest.raises(CommandError, match="Checkpoint refused") as excinfo:
        verify("--checkpoint", str(path))
    assert message in str(excinfo.value)
    with pytest.raises(CommandError, match="cannot read"):
        verify("--checkpoint", str(tmp_path / "missing.json"))


def test_no_checkpoint_is_written_of_a_broken_chain(tmp_path, handled):  # noqa: F811
    raw("UPDATE {table} SET note = %s WHERE report_id = %s AND seq = 2", ["x", handled.pk])
    path = tmp_path / "checkpoint.json"
    output, error = verify_broken("--export-checkpoint", str(path))
    assert f"{handled.tracking_id} event 2: was changed after it was written" in output
    assert "(no checkpoint written)" in str(error)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left either


def test_export_needs_every_report_and_a_folder(tmp_path, handled):  # noqa: F811
    with pytest.raises(CommandError, match="without --tracking-id"):
        verify(
            "--export-checkpoint", str(tmp_path / "c.json"), "--tracking-id", handled.tracking_id
        )
    with pytest.raises(CommandError, match="No folder"):
        verify("--export-checkpoint", str(tmp_path / "none" / "c.json"))
    assert Report.objects.count() == 1
