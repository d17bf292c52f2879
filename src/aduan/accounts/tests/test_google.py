"""Google sign-in: absent (404, no button) until configured; once configured, the whole
OAuth2 authorisation-code flow against a fake Google on a loopback port."""

from __future__ import annotations

import copy
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter
from django.contrib.sites.models import Site
from django.urls import reverse

from aduan.accounts.models import Role, User
from aduan.accounts.tests.factories import NationalAdminFactory, UserFactory

from .fake_google import FakeGoogle

pytestmark = pytest.mark.django_db

CLIENT_ID = "aduan-test.apps.googleusercontent.com"
CLIENT_SECRET = "rahasia-klien"  # the fake provider's
LOGIN = "/akun/google/login/"
CALLBACK = "/akun/google/login/callback/"
SIGNED_IN = "_auth_user_id"


def _without_google_app(settings) -> None:
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers.get("google", {}).pop("APP", None)
    settings.SOCIALACCOUNT_PROVIDERS = providers


@pytest.fixture
def google(settings, monkeypatch):
    """Google configured through the settings, its endpoints served by ``FakeGoogle``."""
    fake = FakeGoogle(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["google"]["APP"] = {"client_id": CLIENT_ID, "secret": CLIENT_SECRET}
    settings.SOCIALACCOUNT_PROVIDERS = providers
    monkeypatch.setattr(GoogleOAuth2Adapter, "authorize_url", f"{fake.base_url}/authorize")
    monkeypatch.setattr(GoogleOAuth2Adapter, "access_token_url", f"{fake.base_url}/token")
    yield fake
    fake.stop()


def _sign_in_with_google(client, fake: FakeGoogle, **identity):
    """The browser's part: start at Aduan, visit (fake) Google, come back with the code."""
    fake.identity = {"sub": "1098765432101234567890", "email_verified": True, **identity}
    start = client.post(LOGIN, {"process": "login"})
    assert start.status_code == 302, start.status_code
    assert start["Location"].startswith(f"{fake.base_url}/authorize?")
    at_google = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_google.status_code == 302
    back = urlsplit(at_google.headers["Location"])
    assert back.path == CALLBACK
    return client.get(back.path, parse_qs(back.query))


def _signed_in_user(client) -> User | None:
    pk = client.session.get(SIGNED_IN)
    return User.objects.get(pk=pk) if pk else None


# --- Not configured ------------------------------------------------------------------


def test_unconfigured_google_is_a_404_and_has_no_button(settings, client):
    _without_google_app(settings)
    assert not SocialApp.objects.exists()
    assert client.get(LOGIN).status_code == 404
    assert client.post(LOGIN, {"process": "login"}).status_code == 404
    assert client.get(CALLBACK, {"code": "x", "state": "y"}).status_code == 404
    for page in ("account_login", "account_signup"):
        html = client.get(reverse(page)).content.decode()
        assert LOGIN not in html, page
        assert "Google" not in html, page


def test_a_social_app_row_shows_the_button(settings, client):
    _without_google_app(settings)
    app = SocialApp.objects.create(
        provider="google", name="Google", client_id=CLIENT_ID, secret=CLIENT_SECRET
    )
    app.sites.add(Site.objects.get_current())
    for page in ("account_login", "account_signup"):
        assert LOGIN in client.get(reverse(page)).content.decode(), page
    assert client.get(LOGIN).status_code == 200


# --- Configured: the flow ------------------------------------------------------------


def test_configured_google_shows_the_button(google, client):
    for page in ("account_login", "account_signup"):
        assert LOGIN in client.get(reverse(page)).content.decode(), page


def test_first_sign_in_creates_a_citizen_and_the_second_finds_it(google, client):
    response = _sign_in_with_google(client, google, email="Rina.Wati@gmail.com", name="Rina  Wati")
    assert response.status_code == 302, response.content[:500]
    user = _signed_in_user(client)
    assert user is not None
    assert (user.email, user.full_name, user.role) == (
        "rina.wati@gmail.com",
        "Rina Wati",
        Role.CITIZEN,
    )
    assert EmailAddress.objects.get(user=user).verified
    assert SocialAccount.objects.get(user=user).uid == "1098765432101234567890"
    # Aduan traded the code itself, with its own credentials and redirect address.
    [trade] = google.token_requests
    assert trade["grant_type"] == "authorization_code"
    assert trade["client_id"] == CLIENT_ID
    assert trade["redirect_uri"].endswith(CALLBACK)

    client.post(reverse("account_logout"))
    assert _signed_in_user(client) is None
    again = _sign_in_with_google(client, google, email="rina.wati@gmail.com", name="Rina Wati")
    assert again.status_code == 302
    assert _signed_in_user(client) == user
    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 1


def test_a_registered_address_is_connected_when_google_vouches_for_it(google, client):
    citizen = UserFactory(email="budi@example.id")
    response = _sign_in_with_google(client, google, email="budi@example.id", name="Budi")
    assert response.status_code == 302
    assert _signed_in_user(client) == citizen
    assert SocialAccount.objects.get().user == citizen
    citizen.refresh_from_db()
    assert citizen.has_usable_password()  # a verified address: nothing to fear


def test_an_unverified_registration_loses_its_password_to_the_googles_owner(google, client):
    """Someone registered another person's address and never verified it: when the owner
    comes with Google, the squatter's password stops working, and the account opens once
    the address is confirmed from the mailbox (allauth's rule for e-mail sign-in)."""
    squatted = UserFactory(email="citra@example.id")
    EmailAddress.objects.filter(user=squatted).update(verified=False)
    response = _sign_in_with_google(client, google, email="citra@example.id", name="Citra")
    assert response["Location"] == reverse("account_email_verification_sent")
    squatted.refresh_from_db()
    assert not squatted.has_usable_password()
    assert _signed_in_user(client) is None
    assert User.objects.count() == 1


def test_an_address_google_does_not_vouch_for_opens_no_account(google, client):
    citizen = UserFactory(email="dewi@example.id")
    _sign_in_with_google(client, google, email="dewi@example.id", email_verified=False)
    assert _signed_in_user(client) != citizen
    assert not SocialAccount.objects.filter(user=citizen).exists()


def test_a_staff_account_is_never_entered_through_google(google, client):
    desk = NationalAdminFactory(email="desk@example.id")
    _sign_in_with_google(client, google, email="desk@example.id", name="Desk")
    assert _signed_in_user(client) != desk
    assert not SocialAccount.objects.filter(user=desk).exists()
