"""The report-event listeners' registry: apps subscribe from their own ready()."""

from __future__ import annotations

import contextlib

import pytest

from aduan.workflow import listeners
from aduan.workflow.listeners import Audience, ReportListener, ReportNews


def test_the_outbox_hears_first_then_the_agency_webhooks_then_the_rollups():
    # The order the rows were always written in, one transaction; the duplicate
    # fingerprints (workflow's own, registered first) write nothing the others read.
    names = [listener.name for listener in listeners.listeners()]
    assert names[0] == "triage_fingerprints"
    assert names[1:] == ["notifications", "webhooks", "oversight_rollups"]


class _Recorder(ReportListener):
    def __init__(self, name, log):
        self.name, self.log = name, log

    def hear(self, news):
        self.log.append((self.name, news.kind))

    @contextlib.contextmanager
    def batch(self):
        self.log.append((self.name, "open"))
        yield
        self.log.append((self.name, "close"))


def test_emit_tells_every_listener_in_order_and_a_batch_wraps_them_all(monkeypatch):
    monkeypatch.setattr(listeners, "_registry", {})
    log: list[tuple[str, str]] = []
    listeners.listener_register(_Recorder("a", log))
    listeners.listener_register(_Recorder("b", log))
    news = ReportNews(kind="status_changed", report=None, audience=Audience.REPORTER)
    with listeners.listeners_batched():
        listeners.listeners_emit(news)
    assert log == [
        ("a", "open"),
        ("b", "open"),
        ("a", "status_changed"),
        ("b", "status_changed"),
        ("b", "close"),
        ("a", "close"),
    ]


def test_a_listener_needs_a_name(monkeypatch):
    monkeypatch.setattr(listeners, "_registry", {})
    with pytest.raises(ValueError, match="name"):
        listeners.listener_register(_Recorder("", []))
