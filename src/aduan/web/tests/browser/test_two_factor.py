"""Two-factor authentication on a phone: a staff member sent to enrol scans (or types) the
secret, enters the code and lands on the recovery codes, every page 320 px wide."""

from __future__ import annotations

import itertools

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

from aduan.accounts.tests.factories import PASSWORD

from .conftest import overflowing, sign_in_as

pytestmark = pytest.mark.browser

_HEADING_LEVELS_JS = """
() => [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => Number(h.tagName[1]))
"""


def _fits(page) -> None:
    assert not overflowing(page), (page.url, overflowing(page))
    levels = page.evaluate(_HEADING_LEVELS_JS)
    assert levels[0] == 1, page.url
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (page.url, levels)


def test_a_staff_member_enrols_on_a_phone(transactional_db, page_at, settings):
    settings.ADUAN_STAFF_MFA_REQUIRED = True
    page = page_at(320)
    user = sign_in_as(page, "agency_admin")
    # Three redirects and a first rendering of allauth's pages: more than 5 s on a busy CI.
    page.goto("/staf/kotak-masuk/", timeout=30000)
    # allauth asks for the password before an authenticator is added.
    assert "/akun/reauthenticate/" in page.url
    _fits(page)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/akun/2fa/totp/activate/" in page.url
    _fits(page)
    qr = page.locator("img.qr-code")
    assert qr.is_visible()
    assert qr.evaluate("(img) => img.naturalWidth > 0")  # the data: URI decoded
    secret = page.locator("#totp-secret").inner_text().strip()
    counter = next(iter(yield_hotp_counters_from_time()))
    page.locator("input[name=code]").fill(format_hotp_value(hotp_value(secret, counter)))
    page.get_by_role("button", name="Aktifkan").click()
    page.wait_for_load_state()
    assert "/akun/2fa/recovery-codes/" in page.url, page.url
    _fits(page)
    assert page.locator("#recovery-codes li").count() == 10
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    page.get_by_role("link", name="Lanjutkan").click()
    page.wait_for_load_state()
    assert page.url.endswith("/staf/kotak-masuk/")
