from __future__ import annotations

import pytest
from conftest import require_component
from django.urls import reverse

from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory

from . import kannel as harness

TOKEN = "kannel-test-token-5d1f"
PHONE = "081234567890"
E164 = "+6281234567890"


@pytest.fixture
def sms_settings(settings):
    settings.ADUAN_SMS_INBOUND_TOKEN = TOKEN
    settings.ADUAN_SMS_ALLOWED_IPS = []
    settings.ADUAN_SMS_RATE = "100/h"
    settings.ADUAN_SMS_SHORTCODE = "1708"
    settings.ADUAN_KANNEL_SENDSMS_URL = ""
    return settings


def sms(client, text: str, *, sender: str = PHONE, message_id: str | None = None, **params):
    """What smsbox's get-url request looks like."""
    query = {
        "token": TOKEN,
        "from": sender,
        "to": "1708",
        "text": text,
        "id": message_id or f"id-{sender}-{text}"[:200],
        **params,
    }
    return client.get(reverse("sms:inbound"), {k: v for k, v in query.items() if v is not None})


class Staff:
    def __init__(self):
        self.national_admin = NationalAdminFactory()
        self.agency_admin = AgencyAdminFactory()
        self.agency = self.agency_admin.agency


@pytest.fixture
def staff(db):
    return Staff()


def _kannel(tmp_path_factory, get_url: str):
    require_component("Kannel", harness.available(), harness.HINT)
    return harness.kannel_start(
        workdir=tmp_path_factory.mktemp("kannel"), get_url=get_url, token=TOKEN
    )


@pytest.fixture(scope="module")
def kannel(tmp_path_factory, live_server):
    """bearerbox + smsbox whose sms-service calls the live test server."""
    instance = _kannel(tmp_path_factory, live_server.url + reverse("sms:inbound"))
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def sendsms_kannel(tmp_path_factory):
    """bearerbox + smsbox for outgoing SMS only (its get-url leads nowhere)."""
    instance = _kannel(tmp_path_factory, "http://127.0.0.1:9/kanal/sms/masuk/")
    yield instance
    instance.stop()


NOT_FOUND = "Report %(id)s was not found. Check the tracking number and send it again."


def indonesian(message: str, **params) -> str:
    """``message`` as an SMS answer says it: in Indonesian, in GSM-7."""
    from django.utils import translation
    from django.utils.translation import gettext

    from aduan.channels.sms import gsm

    with translation.override("id"):
        text = gettext(message)
    return gsm.to_gsm(text % params if params else text)
