"""Facebook, X and the government's OpenID Connect provider: a button only when configured
(from the environment or a SocialApp row), and the connections page, where a citizen
removes a provider but never the last way in. The OpenID Connect flow itself is tested
against a real provider in tests/test_oidc_signin.py."""

from __future__ import annotations

import copy
import json

import pytest
from allauth.socialaccount.models import SocialAccount
from conftest import run_manage, subprocess_env
from django.urls import reverse

from aduan.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONNECTIONS = "/akun/3rdparty/"
PROVIDERS = {
    # provider id: (how the settings configure it, its login URL)
    "facebook": ({"APP": {"client_id": "fb-app", "secret": "s"}}, "/akun/facebook/login/"),
    "twitter_oauth2": (
        {"APP": {"client_id": "x-app", "secret": "s"}},
        "/akun/twitter_oauth2/login/",
    ),
    "openid_connect": (
        {
            "APPS": [
                {
                    "provider_id": "gov",
                    "name": "Identitas Digital",
                    "client_id": "aduan",
                    "secret": "s",
                    "settings": {"server_url": "https://id.example.go.id"},
                }
            ]
        },
        "/akun/oidc/gov/login/",
    ),
}


def _configure(settings, *provider_ids: str) -> None:
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    for provider_id, entry in providers.items():
        entry.pop("APP", None)
        entry.pop("APPS", None)
        if provider_id in provider_ids:
            entry.update(copy.deepcopy(PROVIDERS[provider_id][0]))
    settings.SOCIALACCOUNT_PROVIDERS = providers


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_a_provider_has_a_button_only_once_configured(settings, client, provider_id):
    login_url = PROVIDERS[provider_id][1]
    _configure(settings)
    assert client.post(login_url, {"process": "login"}).status_code == 404
    for page in ("account_login", "account_signup"):
        assert login_url not in client.get(reverse(page)).content.decode(), page

    _configure(settings, provider_id)
    for page in ("account_login", "account_signup"):
        assert login_url in client.get(reverse(page)).content.decode(), page
    assert client.get(login_url).status_code == 200  # allauth's "continue?" page


def test_the_settings_take_each_provider_from_the_environment(tmp_path):
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_VAR_DIR=str(tmp_path),
        ADUAN_FACEBOOK_CLIENT_ID="fb-app",
        ADUAN_FACEBOOK_CLIENT_SECRET="fb-secret",
        ADUAN_X_SIGNIN_CLIENT_ID="x-app",
        ADUAN_X_SIGNIN_CLIENT_SECRET="x-secret",
        ADUAN_OIDC_SERVER_URL="https://id.example.go.id/realms/warga",
        ADUAN_OIDC_CLIENT_ID="aduan",
        ADUAN_OIDC_CLIENT_SECRET="oidc-secret",
        ADUAN_OIDC_NAME="SSO Pemerintah",
    )
    shown = run_manage(
        "shell",
        "-c",
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))",
        env=env,
    )
    assert shown.returncode == 0, shown.stderr
    providers = json.loads(shown.stdout.strip().splitlines()[-1])
    assert "APP" not in providers["google"]
    assert providers["facebook"]["APP"] == {"client_id": "fb-app", "secret": "fb-secret"}
    assert providers["twitter_oauth2"]["APP"] == {"client_id": "x-app", "secret": "x-secret"}
    assert providers["openid_connect"]["APPS"] == [
        {
            "provider_id": "gov",
            "name": "SSO Pemerintah",
            "client_id": "aduan",
            "secret": "oidc-secret",
            "settings": {"server_url": "https://id.example.go.id/realms/warga"},
        }
    ]


# --- The connections page ----------------------------------------------------------------


@pytest.fixture
def connectable(settings):
    _configure(settings, "facebook", "openid_connect")


def _connect(user, provider: str, uid: str = "1") -> SocialAccount:
    return SocialAccount.objects.create(user=user, provider=provider, uid=uid)


def test_the_profile_links_to_the_connections_page(client):
    client.force_login(UserFactory())
    assert reverse("socialaccount_connections") == CONNECTIONS
    assert f'href="{CONNECTIONS}"' in client.get(reverse("accounts:profile")).content.decode()


def test_the_page_lists_the_connected_accounts_and_offers_the_others(connectable, client):
    citizen = UserFactory()
    _connect(citizen, "facebook")
    _connect(UserFactory(), "gov")  # someone else's
    client.force_login(citizen)
    html = client.get(CONNECTIONS).content.decode()
    assert "Remove Facebook" in html
    assert "Remove Identitas Digital" not in html
    assert "/akun/oidc/gov/login/?process=connect" in html


def test_a_citizen_with_a_password_removes_a_provider(connectable, client):
    citizen = UserFactory()
    account = _connect(citizen, "facebook")
    client.force_login(citizen)
    response = client.post(CONNECTIONS, {"account": account.pk})
    assert response.status_code == 302
    assert not SocialAccount.objects.filter(pk=account.pk).exists()


def test_without_a_password_one_of_two_providers_may_go(connectable, client):
    citizen = UserFactory()
    citizen.set_unusable_password()
    citizen.save()
    facebook, gov = _connect(citizen, "facebook"), _connect(citizen, "gov")
    client.force_login(citizen)
    assert client.post(CONNECTIONS, {"account": facebook.pk}).status_code == 302
    assert list(SocialAccount.objects.filter(user=citizen)) == [gov]

    # The other is now the last way in: it stays, and the page says why.
    response = client.post(CONNECTIONS, {"account": gov.pk})
    assert response.status_code == 200
    assert "This is your only way to sign in, so it cannot be removed." in (
        response.content.decode()
    )
    assert SocialAccount.objects.filter(pk=gov.pk).exists()


def test_the_last_way_in_is_refused_in_indonesian(connectable, visitor_client):
    citizen = UserFactory()
    citizen.set_unusable_password()
    citizen.save()
    account = _connect(citizen, "facebook")
    visitor_client.force_login(citizen)
    response = visitor_client.post(CONNECTIONS, {"account": account.pk})
    html = response.content.decode()
    assert "Ini satu-satunya cara Anda masuk, jadi tidak dapat dilepas." in html
    assert reverse("account_set_password") in html
    assert SocialAccount.objects.filter(pk=account.pk).exists()


def test_someone_elses_account_cannot_be_removed(connectable, client):
    other = _connect(UserFactory(), "facebook")
    client.force_login(UserFactory())
    response = client.post(CONNECTIONS, {"account": other.pk})
    assert response.status_code == 200  # the form refuses a choice not among one's own
    assert SocialAccount.objects.filter(pk=other.pk).exists()


def test_the_page_still_opens_when_a_connected_provider_was_switched_off(settings, client):
    _configure(settings)
    citizen = UserFactory()
    _connect(citizen, "facebook")
    client.force_login(citizen)
    response = client.get(CONNECTIONS)
    assert response.status_code == 200
    assert "Remove Facebook" in response.content.decode()


@pytest.mark.parametrize("provider", ["facebook", "gov"])
def test_a_switched_off_provider_can_still_be_removed(settings, client, provider):
    _configure(settings)
    citizen = UserFactory()
    account = _connect(citizen, provider)
    client.force_login(citizen)
    response = client.post(CONNECTIONS, {"account": account.pk})
    assert response.status_code == 302
    assert not SocialAccount.objects.filter(pk=account.pk).exists()
    # Switched off means no sign-in through it.
    login = PROVIDERS["facebook"][1] if provider == "facebook" else "/akun/oidc/gov/login/"
    assert client.get(login).status_code == 404
