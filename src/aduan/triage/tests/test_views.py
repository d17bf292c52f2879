"""The triage accuracy page: the desk's choices against the suggestions, per month and
per agency, and the models trained."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UserFactory,
)
from aduan.triage.services import assessments_open, router_train
from aduan.workflow import services as wf

from .history import build_history, submit

pytestmark = pytest.mark.django_db
URL = reverse("triage:accuracy")


def text_of(response) -> str:
    """The page's text, tags dropped, runs of white space as one space."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_a_visitor_is_sent_to_sign_in_and_agency_staff_are_refused(client):
    response = client.get(URL)
    assert (
        response.status_code == 302 and "/akun/" in response["Location"]
    ) or "login" in response["Location"]
    for user in (UserFactory(), AgencyAdminFactory()):
        client.force_login(user)
        assert client.get(URL).status_code == 403


def test_the_desk_sees_the_share_of_first_and_top_three_choices(client):
    history = build_history()
    model = router_train(limit=1000)
    citizen = history.returned.reporter
    reports = [submit(citizen, title) for title in ("aspal jalan rusak", "jalan berlubang parah")]
    shown = assessments_open(reports)
    roads, health = history.agencies["roads"], history.agencies["health"]
    wf.report_dispose(report=reports[0], actor=history.admin, agency_id=roads.pk)
    assert shown[reports[0].pk].agency_ids[0] == roads.pk
    wf.report_dispose(report=reports[1], actor=history.admin, agency_id=health.pk)
    # Health sends it back: the choice counts as made, and as sent back.
    wf.report_return(
        report=reports[1], actor=history.staff["health"], reason="Bukan kewenangan kami ini."
    )
    reports[1].refresh_from_db()
    assessments_open([reports[1]])
    for user in (NationalAdminFactory(), OversightFactory()):
        client.force_login(user)
        client.cookies["django_language"] = "en"
        page = text_of(client.get(URL))
        # Two dispositions with a suggestion this month: one first choice (50%), one
        # sent back.
        assert re.search(r"2 2 50% \d+% 1 ", page)
        assert model.version in page
        assert f"{roads.name} 1 100% 100% 0" in page
        assert re.search(rf"{health.name} 1 \d+% \d+% 1", page)
