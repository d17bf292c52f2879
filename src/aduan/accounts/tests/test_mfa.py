"""Two-factor authentication: enrolment, the sign-in's second step (a right, a wrong and a
replayed code, recovery codes), staff kept from every page until they pass it, citizens
left free to opt in, and the API's password grant."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.urls import reverse

from aduan.accounts.models import ApiToken
from aduan.accounts.tests.factories import (
    PASSWORD,
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    ProgrammeOverseerFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.api.tests.utils import assert_problem
from aduan.integrations.services import integration_token_create
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MOMENT = dt.datetime(2026, 3, 2, 3, 0, 10, tzinfo=dt.UTC)  # 10 s into a 30 s period
LOGIN = reverse("account_login")
AUTHENTICATE = reverse("mfa_authenticate")
ACTIVATE = reverse("mfa_activate_totp")
REAUTHENTICATE = reverse("mfa_reauthenticate")
QUEUE = reverse("web:staff_queue")
TOKEN = "/api/v1/auth/token"


@pytest.fixture(autouse=True)
def _required(settings):
    """The installation's default (base settings); the rest of the suite turns it off."""
    settings.ADUAN_STAFF_MFA_REQUIRED = True


@pytest.fixture
def frozen():
    with time_machine.travel(MOMENT, tick=False) as traveller:
        yield traveller


def code_at(secret: str, moment: dt.datetime, *, periods: int = 0) -> str:
    """What an authenticator app given ``secret`` shows at ``moment`` (+ ``periods``)."""
    return format_hotp_value(hotp_value(secret, int(moment.timestamp()) // 30 + periods))


def enrol(user, secret: str = SECRET) -> Authenticator:
    return TOTP.activate(user, secret).instance


def sign_in(client, user) -> object:
    return client.post(LOGIN, {"login": user.email, "password": PASSWORD})


def test_base_and_production_settings_require_it_the_test_settings_do_not(settings):
    from aduan.config.settings import base, test

    assert base.ADUAN_STAFF_MFA_REQUIRED is True
    assert test.ADUAN_STAFF_MFA_REQUIRED is False
    # production.py star-imports base and does not change it.
    source = (base.__file__.rsplit("/", 1)[0]) + "/production.py"
    with open(source, encoding="utf-8") as production:
        assert "ADUAN_STAFF_MFA_REQUIRED" not in production.read()


# --- staff are kept out until they pass a second factor ------------------------------------


@pytest.mark.parametrize(
    "factory", [NationalAdminFactory, AgencyAdminFactory, UnitOfficerFactory, OversightFactory]
)
def test_staff_without_an_authenticator_app_are_sent_to_enrol_from_every_report_page(
    client, factory
):
    user = factory()
    report = ReportFactory(verified=True, agency=user.agency, title="Rahasia ruang staf")
    client.force_login(user)
    for url in (
        QUEUE,
        reverse("web:staff_inbox"),
        reverse("web:staff_report", args=[report.tracking_id]),
        reverse("web:home"),
        "/admin/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{ACTIVATE}?next={url.replace('/', '%2F')}", url
    # The pages on the way there answer.
    assert client.get(reverse("mfa_index")).status_code == 200
    response = client.get(reverse("web:staff_report", args=[report.tracking_id]), follow=True)
    assert "Rahasia ruang staf" not in response.content.decode()


def test_an_htmx_fragment_sends_the_whole_page_to_enrol(client):
    user = AgencyAdminFactory()
    client.force_login(user)
    response = client.get(
        reverse("web:staff_inbox"),
        headers={"hx-request": "true", "hx-current-url": "http://testserver/staf/kotak-masuk/"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{ACTIVATE}?next=%2Fstaf%2Fkotak-masuk%2F"


def test_the_programme_overseer_and_an_admin_site_user_are_staff_too(client):
    citizen_operator = UserFactory(is_staff=True)
    for user in (ProgrammeOverseerFactory(), citizen_operator):
        client.force_login(user)
        assert client.get("/admin/")["Location"].startswith(ACTIVATE)


def test_citizens_are_not_made_to_use_it(client):
    client.force_login(UserFactory())
    assert client.get(reverse("web:my_reports")).status_code == 200
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("mfa_index") in profile


def test_with_the_setting_off_staff_are_left_alone(client, settings):
    settings.ADUAN_STAFF_MFA_REQUIRED = False
    client.force_login(NationalAdminFactory())
    assert client.get(QUEUE).status_code == 200


# --- enrolment ------------------------------------------------------------------------------


def test_staff_enrol_after_signing_in_and_then_reach_the_page_they_asked_for(
    client, frozen, transactional_db
):
    """With real commits: allauth announces the enrolment once its transaction commits."""
    user = NationalAdminFactory()
    assert sign_in(client, user)["Location"] == reverse("web:staff_queue")
    response = client.get(QUEUE)
    assert response["Location"] == f"{ACTIVATE}?next=%2Fstaf%2Fantrean%2F"
    # allauth asks for the password again before a new authenticator is added.
    response = client.get(response["Location"])
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD})
    response = client.get(response["Location"])
    assert response.status_code == 200
    html = response.content.decode()
    secret = response.context["form"].secret
    assert re.search(r'<img class="qr-code" src="data:image/svg\+xml;base64,', html)
    assert secret in html
    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)

    wrong = client.post(ACTIVATE, {"code": code_at(secret, MOMENT, periods=5)})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["code"]
    assert not Authenticator.objects.filter(user=user).exists()
    assert client.get(QUEUE).status_code == 302

    response = client.post(ACTIVATE, {"code": code_at(secret, MOMENT)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert set(Authenticator.objects.filter(user=user).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP,
        Authenticator.Type.RECOVERY_CODES,
    }
    codes_page = client.get(response["Location"]).content.decode()
    assert 'href="/staf/antrean/"' in codes_page  # "Continue" to where they were going
    assert client.get(QUEUE).status_code == 200


def test_staff_may_not_turn_their_authenticator_app_off_a_citizen_may(client, frozen):
    staff = AgencyAdminFactory()
    enrol(staff)
    sign_in(client, staff)
    client.post(AUTHENTICATE, {"code": code_at(SECRET, MOMENT)})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert reverse("mfa_deactivate_totp") not in client.get(reverse("mfa_index")).content.decode()
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["__all__"][0].code == (
        "cannot_delete_authenticator"
    )
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()

    client.logout()
    citizen = UserFactory()
    enrol(citizen)
    sign_in(client, citizen)
    client.post(AUTHENTICATE, {"code": code_at(SECRET, MOMENT)})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert reverse("mfa_deactivate_totp") in client.get(reverse("mfa_index")).content.decode()
    assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert not Authenticator.objects.filter(user=citizen).exists()


# --- signing in -----------------------------------------------------------------------------


def test_enrolled_staff_sign_in_with_a_code(client, frozen):
    user = UnitOfficerFactory()
    enrol(user)
    response = sign_in(client, user)
    assert response["Location"] == AUTHENTICATE
    # Not signed in yet: the password alone opens nothing.
    assert client.get(QUEUE)["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    response = client.post(AUTHENTICATE, {"code": code_at(SECRET, MOMENT)})
    assert response["Location"] == reverse("web:staff_inbox")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("web:staff_inbox")).status_code == 200


def test_a_wrong_code_is_refused(client, frozen):
    user = UnitOfficerFactory()
    enrol(user)
    sign_in(client, user)
    response = client.post(AUTHENTICATE, {"code": code_at(SECRET, MOMENT, periods=3)})
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["code"][0].code == "incorrect_code"
    assert "_auth_user_id" not in client.session


def test_a_code_is_accepted_once(client, frozen):
    user = UnitOfficerFactory()
    enrol(user)
    code = code_at(SECRET, MOMENT)
    sign_in(client, user)
    assert client.post(AUTHENTICATE, {"code": code})["Location"] == reverse("web:staff_inbox")
    client.logout()
    sign_in(client, user)
    replay = client.post(AUTHENTICATE, {"code": code})
    assert replay.status_code == 200
    assert replay.context["form"].errors.as_data()["code"][0].code == "incorrect_code"
    assert "_auth_user_id" not in client.session
    # The next period's code is fine.
    frozen.shift(30)
    response = client.post(AUTHENTICATE, {"code": code_at(SECRET, MOMENT, periods=1)})
    assert response["Location"] == reverse("web:staff_inbox")


def test_a_recovery_code_signs_in_once(client, frozen):
    user = OversightFactory()
    enrol(user)
    recovery = RecoveryCodes.activate(user).generate_codes()[0]
    sign_in(client, user)
    assert client.post(AUTHENTICATE, {"code": recovery})["Location"] == reverse(
        "oversight:dashboard"
    )
    assert client.get(QUEUE).status_code == 200
    client.logout()
    sign_in(client, user)
    again = client.post(AUTHENTICATE, {"code": recovery})
    assert again.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_enrolled_session_without_the_code_is_asked_for_it(client, frozen):
    """A session that never passed the second step (signed in before it was required)."""
    user = NationalAdminFactory()
    enrol(user)
    client.force_login(user)
    response = client.get(QUEUE)
    assert response["Location"] == f"{REAUTHENTICATE}?next=%2Fstaf%2Fantrean%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    wrong = client.post(
        page.request["PATH_INFO"] + "?next=/staf/antrean/",
        {"code": code_at(SECRET, MOMENT, periods=2), "next": QUEUE},
    )
    assert wrong.status_code == 200
    assert client.get(QUEUE).status_code == 302
    right = client.post(REAUTHENTICATE, {"code": code_at(SECRET, MOMENT), "next": QUEUE})
    assert right["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200


def test_a_citizen_who_opted_in_is_asked_for_the_code(client, frozen):
    citizen = UserFactory()
    enrol(citizen)
    assert sign_in(client, citizen)["Location"] == AUTHENTICATE
    assert client.post(AUTHENTICATE, {"code": code_at(SECRET, MOMENT)})["Location"] == reverse(
        "web:home"
    )


def test_the_pages_use_the_sites_layout_without_inline_script_or_style(client, frozen):
    user = UnitOfficerFactory()
    enrol(user)
    RecoveryCodes.activate(user)
    sign_in(client, user)
    pages = [client.get(AUTHENTICATE)]
    client.post(AUTHENTICATE, {"code": code_at(SECRET, MOMENT)})
    # allauth shows recovery codes only to who has just confirmed their password.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    pages += [client.get(reverse("mfa_index")), client.get(reverse("mfa_view_recovery_codes"))]
    for page in pages:
        assert page.status_code == 200, page.request
        html = page.content.decode()
        assert 'class="site-header"' in html
        assert " style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), page.request


# --- the API --------------------------------------------------------------------------------


def post_token(client, user, **extra):
    payload = {"email": user.email, "password": PASSWORD, **extra}
    return client.post(TOKEN, payload, content_type="application/json")


def test_the_api_refuses_staff_without_an_authenticator_app(client):
    user = AgencyAdminFactory()
    body = assert_problem(post_token(client, user), 403)
    assert "two-factor" in body["detail"]
    assert not ApiToken.objects.filter(user=user).exists()


def test_the_api_asks_enrolled_staff_for_the_code_and_takes_it_once(client, frozen):
    user = AgencyAdminFactory()
    enrol(user)
    body = assert_problem(post_token(client, user), 401)
    assert "otp" in body["detail"]
    assert_problem(post_token(client, user, otp=code_at(SECRET, MOMENT, periods=4)), 401)
    code = code_at(SECRET, MOMENT)
    response = post_token(client, user, otp=code)
    assert response.status_code == 200, response.content
    assert response.json()["token"].startswith("adn_")
    assert_problem(post_token(client, user, otp=code), 401)  # replayed
    assert ApiToken.objects.filter(user=user).count() == 1


def test_the_api_takes_a_recovery_code_once(client):
    user = OversightFactory()
    enrol(user)
    recovery = RecoveryCodes.activate(user).generate_codes()[1]
    assert post_token(client, user, otp=recovery).status_code == 200
    assert_problem(post_token(client, user, otp=recovery), 401)


def test_the_api_gives_citizens_a_token_without_a_code_unless_they_opted_in(client, frozen):
    citizen = UserFactory()
    assert post_token(client, citizen).status_code == 200
    enrol(citizen)
    assert_problem(post_token(client, citizen), 401)
    assert post_token(client, citizen, otp=code_at(SECRET, MOMENT)).status_code == 200


def test_integration_tokens_are_unaffected(client):
    """The agency's admin gets no token of their own without the second factor; the
    agency's system keeps reading with its integration token."""
    admin = AgencyAdminFactory()
    _token, raw = integration_token_create(actor=admin, name="Aplikasi kota")
    assert_problem(post_token(client, admin), 403)
    response = client.get("/api/v1/inbox", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200, response.content
