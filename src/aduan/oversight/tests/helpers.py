"""Reports moved by the real services, so the listener keeps the roll-ups."""

from __future__ import annotations

from aduan.workflow.actions import action_take
from aduan.workflow.services import report_submit
from aduan.workflow.tests.test_transitions import payload_for


def submitted(world, **fields):
    return report_submit(
        reporter=world.users["reporter"],
        channel=fields.pop("channel", "web"),
        classification="complaint",
        title="Lampu jalan padam di jalan utama",
        body="Sudah dua minggu lampu jalan di jalan utama padam dan rawan kejahatan.",
        **fields,
    )


def act(world, report, action, kind):
    payload = payload_for(action, world=world, report=report, survivor=report)
    return action_take(report=report, actor=world.users[kind], action=action, payload=payload)


def disposed(world, *, responded=False, **fields):
    report = act(world, submitted(world, **fields), "dispose", "national_admin")
    if responded:
        report = act(world, report, "respond", "agency_admin")
    return report
