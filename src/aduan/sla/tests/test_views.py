"""The national admin's days-off screen: who may see it, adding, removing, validation."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.sla.models import DayOff

from .conftest import DISPOSED_AT

pytestmark = pytest.mark.django_db

LIST = reverse("sla:day_offs")
VISITORS = ["anonymous", "citizen", "agency_admin", "unit_officer", "oversight", "national_admin"]


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(DISPOSED_AT, tick=False):
        yield


def sign_in(client, who: str, language: str = "en"):
    # Web pages ignore Accept-Language (Indonesian unless the visitor switches): the
    # assertions below read the English source strings, so switch to English.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    users = {
        "anonymous": lambda: None,
        "citizen": UserFactory,
        "agency_admin": AgencyAdminFactory,
        "unit_officer": UnitOfficerFactory,
        "oversight": OversightFactory,
        "national_admin": NationalAdminFactory,
        "inactive_national_admin": lambda: NationalAdminFactory(is_active=False),
    }
    user = users[who]()
    if user:
        client.force_login(user)
    return user


def expected(who: str, response, ok: int = 200) -> None:
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif who == "national_admin":
        assert response.status_code == ok
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("who", VISITORS)
def test_the_list_is_for_the_national_admin_only(client, who):
    DayOff.objects.create(date=dt.date(2026, 12, 3), name="Pilkada ulang")
    sign_in(client, who, language="id")
    response = client.get(LIST)
    expected(who, response)
    if who == "national_admin":
        html = response.content.decode()
        assert "Pilkada ulang" in html
        assert "Cuti Bersama Hari Raya Natal" in html  # national holidays, in Indonesian
        assert reverse("sla:day_off_delete", args=[DayOff.objects.get().pk]) in html
    else:
        assert b"Pilkada ulang" not in response.content


@pytest.mark.parametrize("who", VISITORS)
def test_adding_is_for_the_national_admin_only(client, who):
    sign_in(client, who)
    response = client.post(LIST, {"date": "2026-12-03", "name": "Pilkada ulang"})
    expected(who, response, ok=302)
    assert DayOff.objects.exists() == (who == "national_admin")


@pytest.mark.parametrize("who", VISITORS)
def test_removing_is_for_the_national_admin_only(client, who):
    day_off = DayOff.objects.create(date=dt.date(2026, 12, 3), name="Pilkada ulang")
    url = reverse("sla:day_off_delete", args=[day_off.pk])
    sign_in(client, who)
    expected(who, client.get(url))
    expected(who, client.post(url), ok=302)
    assert DayOff.objects.exists() == (who != "national_admin")


def test_an_inactive_national_admin_is_refused(client):
    user = sign_in(client, "inactive_national_admin")
    assert not user.is_active
    # Django's session auth drops an inactive user: they are sent to sign in.
    response = client.get(LIST)
    assert response.status_code in (302, 403)
    assert client.post(LIST, {"date": "2026-12-03", "name": "X"}).status_code in (302, 403)
    assert not DayOff.objects.exists()


def test_add_and_remove(client):
    admin = sign_in(client, "national_admin")
    response = client.post(LIST, {"date": "2026-12-03", "name": "  Pilkada ulang  "}, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    day_off = DayOff.objects.get()
    assert (day_off.date, day_off.name, day_off.created_by) == (
        dt.date(2026, 12, 3),
        "Pilkada ulang",
        admin,
    )
    html = response.content.decode()
    assert "Deadlines already set keep their dates" in html
    assert "Pilkada ulang" in html

    url = reverse("sla:day_off_delete", args=[day_off.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert b"Pilkada ulang" in confirm.content
    assert f'action="{url}"'.encode() in confirm.content
    assert DayOff.objects.exists()  # a GET never deletes
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert not DayOff.objects.exists()
    assert client.post(url).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2025-11-28", "name": "Lama"}, "more than a year ago"),
        ({"date": "2029-12-10", "name": "Jauh"}, "more than three years ahead"),
        ({"date": "2026-12-05", "name": "Sabtu"}, "is a weekend: it is already a day off"),
        ({"date": "2026-12-25", "name": "Natal"}, "is already a national day off (Christmas Day)"),
        ({"date": "2026-12-03", "name": "Dua kali"}, "already an extra day off (Pilkada ulang)"),
        ({"date": "03/12/2026", "name": "Format"}, "Enter a valid date"),
        ({"date": "", "name": "Kosong"}, "This field is required"),
        ({"date": "2026-12-04", "name": "   "}, "This field is required"),
        ({"date": "2026-12-04", "name": "x" * 101}, "at most 100 characters"),
    ],
)
def test_invalid_days_off_are_refused_with_a_message(client, data, message):
    DayOff.objects.create(date=dt.date(2026, 12, 3), name="Pilkada ulang")
    sign_in(client, "national_admin")
    response = client.post(LIST, data)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert message in html
    assert DayOff.objects.count() == 1


def test_holiday_names_follow_the_language_switch(client):
    sign_in(client, "national_admin", language="id")
    assert "Cuti Bersama Hari Raya Natal" in client.get(LIST).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": LIST})
    html = client.get(LIST).content.decode()
    assert "Christmas Joint Holiday" in html
    assert "Cuti Bersama Hari Raya Natal" not in html


def test_the_list_costs_the_same_queries_for_many_days_off(client, django_assert_max_num_queries):
    admin = sign_in(client, "national_admin")
    for day in (3, 4, 7, 8, 9, 10, 11, 14):
        DayOff.objects.create(date=dt.date(2026, 12, day), name=f"Libur {day}", created_by=admin)
    # session, user, the header's unread-notification count, day offs (with who added them)
    with django_assert_max_num_queries(4):
        response = client.get(LIST)
    assert response.content.decode().count(reverse("sla:day_offs")) >= 8
    assert response.content.decode().count(str(admin)) == 8


def test_unknown_methods_are_refused(client):
    sign_in(client, "national_admin")
    assert client.put(LIST).status_code == 405
