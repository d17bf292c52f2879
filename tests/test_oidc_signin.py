"""Sign-in with the government identity provider, end to end against a real OpenID Connect
provider (django-oauth-toolkit, tests/oidc_provider/) in its own process on loopback.

Aduan is driven through Django's test client; the browser's visits to the provider and
Aduan's own calls to it (discovery, token, keys, user info) are real HTTP.
"""

from __future__ import annotations

import base64
import copy
import json
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.oauth2.client import OAuth2Client
from conftest import stop_process, subprocess_env
from django.urls import reverse
from jwcrypto import jwk

from aduan.accounts.models import Role, User
from aduan.accounts.tests.factories import NationalAdminFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

TESTS = Path(__file__).resolve().parent
PROVIDER_ID = "gov"
LOGIN = f"/akun/oidc/{PROVIDER_ID}/login/"
CALLBACK = f"/akun/oidc/{PROVIDER_ID}/login/callback/"
CLIENT_ID = "aduan-lapor"
CLIENT_SECRET = "rahasia-klien-aduan"
PASSWORD = "Sandi-Identitas-2026"
PEOPLE = {
    "rina": {"email": "rina@example.id", "name": "Rina Wati", "email_verified": True},
    "budi": {"email": "budi@example.id", "name": "Budi", "email_verified": False},
    "desk": {"email": "desk@example.id", "name": "Meja Aduan", "email_verified": True},
    # Like X, which gives no e-mail address: Aduan asks for one.
    "sari": {"email": "", "name": "Sari Dewi", "email_verified": False},
}
SIGNED_IN = "_auth_user_id"
START_TIMEOUT = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Provider:
    def __init__(self, base_url: str, private_pem: bytes) -> None:
        self.base_url = base_url
        self.server_url = f"{base_url}/o"
        self.private_pem = private_pem
        self.kid = requests.get(f"{base_url}/o/.well-known/jwks.json", timeout=5).json()["keys"][0][
            "kid"
        ]


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory):
    """The provider: migrated, the client and the people registered, then served."""
    directory = tmp_path_factory.mktemp("oidc")
    key = jwk.JWK.generate(kty="RSA", size=2048)
    private_pem = key.export_to_pem(private_key=True, password=None)
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="oidc_provider.settings",
        PYTHONPATH=str(TESTS),
        OIDC_DATABASE=str(directory / "provider.sqlite3"),
        OIDC_RSA_PRIVATE_KEY=private_pem.decode(),
        OIDC_CLIENT=json.dumps(
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": f"http://testserver{CALLBACK}",
            }
        ),
        OIDC_PEOPLE=json.dumps(
            [{"username": name, "password": PASSWORD, **who} for name, who in PEOPLE.items()]
        ),
    )
    setup = subprocess.run(
        [sys.executable, "-m", "oidc_provider.bootstrap"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr
    port = _free_port()
    log = (directory / "server.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert server.poll() is None, (directory / "server.log").read_text()
            try:
                requests.get(f"{base_url}/o/.well-known/openid-configuration", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the OIDC provider did not start"
                time.sleep(0.1)
        yield Provider(base_url, private_pem)
    finally:
        stop_process(server)
        log.close()


@pytest.fixture
def gov(settings, oidc_provider):
    """Aduan configured for the provider as ADUAN_OIDC_* would configure it."""
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["openid_connect"]["APPS"] = [
        {
            "provider_id": PROVIDER_ID,
            "name": "Identitas Digital",
            "client_id": CLIENT_ID,
            "secret": CLIENT_SECRET,
            "settings": {"server_url": oidc_provider.server_url},
        }
    ]
    settings.SOCIALACCOUNT_PROVIDERS = providers
    return oidc_provider


class _HiddenInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""


def _hidden_inputs(html: str) -> dict[str, str]:
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.fields


def _at_the_provider(authorize_url: str, username: str) -> dict[str, list[str]]:
    """The browser at the provider: sign in, consent, and the way back's query."""
    browser = requests.Session()
    to_login = browser.get(authorize_url, allow_redirects=False, timeout=5)
    assert to_login.status_code == 302, to_login.text[:300]
    login_url = requests.compat.urljoin(authorize_url, to_login.headers["Location"])
    form = browser.get(login_url, timeout=5)
    signed_in = browser.post(
        login_url,
        {**_hidden_inputs(form.text), "username": username, "password": PASSWORD},
        allow_redirects=False,
        timeout=5,
    )
    assert signed_in.status_code == 302, signed_in.text[:300]
    consent = browser.get(authorize_url, timeout=5)
    assert consent.status_code == 200
    assert 'name="allow"' in consent.text
    back = browser.post(
        authorize_url,
        {**_hidden_inputs(consent.text), "allow": "Authorize"},
        allow_redirects=False,
        timeout=5,
    )
    assert back.status_code == 302, back.text[:300]
    way_back = urlsplit(back.headers["Location"])
    assert f"{way_back.scheme}://{way_back.netloc}{way_back.path}" == f"http://testserver{CALLBACK}"
    return parse_qs(way_back.query)


def _start(client, provider: Provider, process: str = "login") -> dict[str, list[str]]:
    start = client.post(LOGIN, {"process": process})
    assert start.status_code == 302, start.status_code
    assert start["Location"].startswith(f"{provider.base_url}/o/authorize/?")
    return start["Location"]


def _signed_in_user(client) -> User | None:
    pk = client.session.get(SIGNED_IN)
    return User.objects.get(pk=pk) if pk else None


@pytest.fixture
def token_answers(monkeypatch):
    """What the provider's token endpoint answered, and a hook to change the ID token on
    its way to Aduan (a man in the middle, or a provider gone wrong)."""
    real = OAuth2Client.get_access_token
    seen: dict = {"exchanges": [], "rewrite": None}

    def exchange(self, code, pkce_code_verifier=None, extra_data=None):
        seen["exchanges"].append({"code": code, "code_verifier": pkce_code_verifier})
        data = real(self, code, pkce_code_verifier=pkce_code_verifier, extra_data=extra_data)
        if seen["rewrite"] and "id_token" in data:
            data = {**data, "id_token": seen["rewrite"](data["id_token"])}
        return data

    monkeypatch.setattr(OAuth2Client, "get_access_token", exchange)
    return seen


# --- The flow ----------------------------------------------------------------------------


def test_the_button_shows_the_providers_name_on_both_pages(gov, client):
    for page in ("account_login", "account_signup"):
        html = client.get(reverse(page)).content.decode()
        assert LOGIN in html, page
        assert "Identitas Digital" in html, page


def test_a_verified_person_becomes_a_citizen_and_comes_back_to_the_same_account(
    gov, client, token_answers
):
    authorize_url = _start(client, gov)
    sent = parse_qs(urlsplit(authorize_url).query)
    assert sent["client_id"] == [CLIENT_ID]
    assert sent["response_type"] == ["code"]
    assert set(sent["scope"][0].split()) == {"openid", "profile", "email"}
    assert sent["state"][0]
    assert len(sent["nonce"][0]) >= 32
    assert sent["code_challenge_method"] == ["S256"]

    back = _at_the_provider(authorize_url, "rina")
    assert back["state"] == sent["state"]
    response = client.get(CALLBACK, back)
    assert response.status_code == 302, response.content[:500]
    user = _signed_in_user(client)
    assert (user.email, user.full_name, user.role) == ("rina@example.id", "Rina Wati", Role.CITIZEN)
    assert EmailAddress.objects.get(user=user).verified
    account = SocialAccount.objects.get(user=user)
    assert account.provider == PROVIDER_ID
    # The signed ID token carried the nonce this sign-in sent.
    assert account.extra_data["id_token"]["nonce"] == sent["nonce"][0]
    assert account.extra_data["id_token"]["aud"] == CLIENT_ID
    [exchange] = token_answers["exchanges"]
    assert exchange["code"] == back["code"][0]

    client.post(reverse("account_logout"))
    assert _signed_in_user(client) is None
    again = client.get(CALLBACK, _at_the_provider(_start(client, gov), "rina"))
    assert again.status_code == 302
    assert _signed_in_user(client) == user
    assert (User.objects.count(), SocialAccount.objects.count()) == (1, 1)


def test_a_registered_address_is_connected_when_the_provider_verified_it(gov, client):
    citizen = UserFactory(email="rina@example.id")
    response = client.get(CALLBACK, _at_the_provider(_start(client, gov), "rina"))
    assert response.status_code == 302
    assert _signed_in_user(client) == citizen
    assert SocialAccount.objects.get().user == citizen


def test_an_address_the_provider_did_not_verify_opens_no_account(gov, client):
    citizen = UserFactory(email="budi@example.id")
    client.get(CALLBACK, _at_the_provider(_start(client, gov), "budi"))
    assert _signed_in_user(client) != citizen
    assert not SocialAccount.objects.filter(user=citizen).exists()


def test_a_staff_account_is_never_entered_through_the_provider(gov, client):
    desk = NationalAdminFactory(email="desk@example.id")
    client.get(CALLBACK, _at_the_provider(_start(client, gov), "desk"))
    assert _signed_in_user(client) != desk
    assert not SocialAccount.objects.filter(user=desk).exists()


def test_a_citizen_connects_the_provider_from_the_connections_page(gov, client):
    citizen = UserFactory(email="lain@example.id")
    client.force_login(citizen)
    page = client.get(reverse("socialaccount_connections")).content.decode()
    assert LOGIN in page
    response = client.get(CALLBACK, _at_the_provider(_start(client, gov, "connect"), "rina"))
    assert response.status_code == 302
    assert SocialAccount.objects.get(provider=PROVIDER_ID).user == citizen


def _asked_for_an_address(client, provider: Provider) -> str:
    response = client.get(CALLBACK, _at_the_provider(_start(client, provider), "sari"))
    assert response.status_code == 302
    assert response["Location"] == reverse("socialaccount_signup")
    assert _signed_in_user(client) is None
    assert 'name="email"' in client.get(response["Location"]).content.decode()
    return response["Location"]


def test_without_an_address_from_the_provider_aduan_asks_for_one_and_verifies_it(
    gov, client, mailoutbox
):
    form_url = _asked_for_an_address(client, gov)
    refused = client.post(form_url, {"email": "bukan-alamat"})
    assert refused.status_code == 200
    assert not User.objects.exists()

    done = client.post(form_url, {"email": "sari@example.id"})
    assert done.status_code == 302
    user = User.objects.get()
    assert (user.email, user.full_name, user.role) == ("sari@example.id", "Sari Dewi", Role.CITIZEN)
    assert not EmailAddress.objects.get(user=user).verified  # the provider did not vouch
    assert SocialAccount.objects.get().user == user
    [mail] = mailoutbox
    assert mail.to == ["sari@example.id"]


def test_an_address_of_another_account_is_not_taken_nor_told(gov, client, mailoutbox):
    owner = UserFactory(email="dipakai@example.id")
    form_url = _asked_for_an_address(client, gov)
    answer = client.post(form_url, {"email": "dipakai@example.id"})
    # The same answer as for a new address (nobody learns who is registered); the owner
    # is told by mail, and nothing is connected to their account.
    assert answer.status_code == 302
    assert answer["Location"] == reverse("account_email_verification_sent")
    assert not SocialAccount.objects.exists()
    assert list(User.objects.all()) == [owner]
    assert _signed_in_user(client) is None
    [mail] = mailoutbox
    assert mail.to == ["dipakai@example.id"]
    assert reverse("account_reset_password") in mail.body  # "already registered: reset"


# --- Refusals ----------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(id_token: str) -> dict:
    return jwt.decode(id_token, options={"verify_signature": False})


def _assert_refused(client, response) -> None:
    assert response.status_code == 401  # allauth's "sign-in failed" page
    assert "socialaccount/authentication_error.html" in [t.name for t in response.templates]
    assert _signed_in_user(client) is None


def test_a_tampered_id_token_is_refused(gov, client, token_answers):
    def change_the_address(id_token: str) -> str:
        header, _payload, signature = id_token.split(".")
        claims = {**_claims(id_token), "email": "korban@example.id"}
        return ".".join((header, _b64(json.dumps(claims).encode()), signature))

    token_answers["rewrite"] = change_the_address
    UserFactory(email="korban@example.id")
    _assert_refused(client, client.get(CALLBACK, _at_the_provider(_start(client, gov), "rina")))
    assert not SocialAccount.objects.exists()


def test_an_id_token_signed_with_another_key_is_refused(gov, client, token_answers):
    other_key = jwk.JWK.generate(kty="RSA", size=2048).export_to_pem(True, None)

    def re_sign(id_token: str) -> str:
        return jwt.encode(_claims(id_token), other_key, "RS256", headers={"kid": gov.kid})

    token_answers["rewrite"] = re_sign
    _assert_refused(client, client.get(CALLBACK, _at_the_provider(_start(client, gov), "rina")))
    assert not SocialAccount.objects.exists()


def test_an_id_token_for_another_nonce_is_refused_even_when_properly_signed(
    gov, client, token_answers
):
    def other_nonce(id_token: str) -> str:
        claims = {**_claims(id_token), "nonce": "nonce-of-another-sign-in"}
        return jwt.encode(claims, gov.private_pem, "RS256", headers={"kid": gov.kid})

    token_answers["rewrite"] = other_nonce
    _assert_refused(client, client.get(CALLBACK, _at_the_provider(_start(client, gov), "rina")))
    assert not SocialAccount.objects.exists()

    # The same re-signing with the nonce left alone passes: the nonce is what was refused.
    token_answers["rewrite"] = lambda id_token: jwt.encode(
        _claims(id_token), gov.private_pem, "RS256", headers={"kid": gov.kid}
    )
    client.get(CALLBACK, _at_the_provider(_start(client, gov), "rina"))
    assert _signed_in_user(client).email == "rina@example.id"


def test_a_wrong_state_is_refused_and_exchanges_no_code(gov, client, token_answers):
    back = _at_the_provider(_start(client, gov), "rina")
    _assert_refused(client, client.get(CALLBACK, {**back, "state": ["forged-state"]}))
    assert token_answers["exchanges"] == []
    # The sign-in's own state still completes it: the state was what was refused.
    client.get(CALLBACK, back)
    assert _signed_in_user(client).email == "rina@example.id"


def test_a_replayed_authorization_code_is_refused(gov, client, token_answers, django_user_model):
    back = _at_the_provider(_start(client, gov), "rina")
    assert client.get(CALLBACK, back).status_code == 302
    [first] = token_answers["exchanges"]

    # The same way back again (a reloaded page, or someone who saw the address): Aduan has
    # used up the state, and exchanges nothing.
    attacker = type(client)()
    _assert_refused(attacker, attacker.get(CALLBACK, back))
    assert len(token_answers["exchanges"]) == 1

    # The code in a sign-in of the attacker's own: the provider refuses to exchange it again.
    _start(attacker, gov)
    state = attacker.session["socialaccount_states"]
    [state_id] = state.keys()
    _assert_refused(attacker, attacker.get(CALLBACK, {"code": back["code"], "state": state_id}))
    assert len(token_answers["exchanges"]) == 2
    # And even with the first exchange's own code verifier and the client's secret.
    again = requests.post(
        requests.get(f"{gov.server_url}/.well-known/openid-configuration", timeout=5).json()[
            "token_endpoint"
        ],
        {
            "grant_type": "authorization_code",
            "code": first["code"],
            "code_verifier": first["code_verifier"],
            "redirect_uri": f"http://testserver{CALLBACK}",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        timeout=5,
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert django_user_model.objects.count() == 1
