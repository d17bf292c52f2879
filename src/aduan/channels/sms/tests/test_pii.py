"""CEK answered to a number that is not the reporter's: the response's personal data is
masked, as on the public page; the reporter's own number gets it as written."""

from __future__ import annotations

import pytest

from .conftest import sms
from .test_views import reply_of, responded, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_settings")]

RESPONSE = "Petugas sudah menghubungi Bapak di 0812-9876-5432 dan nama@contoh.id."


def test_cek_from_another_number_masks_the_response(client, staff):
    report = responded(submit(client), staff, RESPONSE)
    other = reply_of(sms(client, f"CEK {report.tracking_id}", sender="081377778888"))
    assert "Petugas sudah menghubungi" in other
    assert "0812-9876-5432" not in other
    assert "nama@contoh.id" not in other
    own = reply_of(sms(client, f"CEK {report.tracking_id}", message_id="own-cek"))
    assert "0812-9876-5432" in own
