"""The accounts API: registration, tokens, revocation, the login rate limit."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from aduan.accounts.models import ApiToken, User, hash_token
from aduan.accounts.tests.factories import PASSWORD, UserFactory
from aduan.api.tests.utils import assert_problem, bearer

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/auth/me"


def post(client, url, payload, **extra):
    return client.post(url, payload, content_type="application/json", **extra)


def test_register_creates_unverified_citizen_and_sends_verification(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            REGISTER,
            {
                "email": "Budi.Santoso@Example.id",
                "password": "kuat-sekali-2024!",
                "full_name": "  Budi   Santoso ",
                "phone": "0812-3456-7890",
            },
        )
    assert response.status_code == 201, response.content
    data = response.json()
    user = User.objects.get(pk=data["id"])
    assert data == {
        "id": user.pk,
        "email": "budi.santoso@example.id",
        "full_name": "Budi Santoso",
        "phone": "+6281234567890",
        "role": "citizen",
        "email_verified": False,
    }
    assert user.check_password("kuat-sekali-2024!")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["budi.santoso@example.id"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"password": "123"}, "password"),
        ({"full_name": " "}, "full_name"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_register_rejects_bad_field(client, overrides, field):
    payload = {"email": "ani@example.id", "password": "kuat-sekali-2024!", "full_name": "Ani"}
    payload.update(overrides)
    body = assert_problem(post(client, REGISTER, payload), 422)
    assert field in body["errors"]
    assert not User.objects.exists()


def test_register_missing_fields_are_named(client):
    body = assert_problem(post(client, REGISTER, {}), 422)
    assert {"email", "password", "full_name"} <= set(body["errors"])


def test_register_existing_email_is_422(client):
    UserFactory(email="ani@example.id")
    payload = {"email": "ANI@example.id", "password": "kuat-sekali-2024!", "full_name": "Ani"}
    assert "email" in assert_problem(post(client, REGISTER, payload), 422)["errors"]
    assert User.objects.count() == 1


def test_register_is_rate_limited_per_ip(client, settings):
    settings.ADUAN_API_REGISTER_RATE = "1/h"
    payload = {"email": "a1@example.id", "password": "kuat-sekali-2024!", "full_name": "Ani"}
    assert post(client, REGISTER, payload).status_code == 201
    assert_problem(post(client, REGISTER, {**payload, "email": "a2@example.id"}), 429)
    assert User.objects.count() == 1


def test_token_for_verified_user(client):
    user = UserFactory(email="siti@example.id")
    response = post(
        client, TOKEN, {"email": " SITI@example.id", "password": PASSWORD, "name": "Android"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["token_type"] == "Bearer"
    token = ApiToken.objects.get(key_hash=hash_token(data["token"]))
    assert token.user == user
    assert token.name == "Android"
    me = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    assert me.json()["email"] == "siti@example.id"
    assert me.json()["email_verified"] is True


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "siti@example.id", "password": "salah-sandi"},
        {"email": "nobody@example.id", "password": PASSWORD},
    ],
)
def test_token_with_bad_credentials_is_401(client, payload):
    UserFactory(email="siti@example.id")
    body = assert_problem(post(client, TOKEN, payload), 401)
    assert "password" in body["detail"]
    assert not ApiToken.objects.exists()


def test_token_for_inactive_user_is_401(client):
    UserFactory(email="siti@example.id", is_active=False)
    assert_problem(post(client, TOKEN, {"email": "siti@example.id", "password": PASSWORD}), 401)


def test_token_for_unverified_email_is_403(client):
    user = UserFactory(email="baru@example.id")
    EmailAddress.objects.filter(user=user).update(verified=False)
    body = assert_problem(
        post(client, TOKEN, {"email": "baru@example.id", "password": PASSWORD}), 403
    )
    assert "baru@example.id" in body["detail"]
    assert not ApiToken.objects.exists()


def test_token_requests_are_rate_limited_per_ip(client, settings):
    settings.ADUAN_API_LOGIN_RATE = "3/m"
    UserFactory(email="siti@example.id")
    for _ in range(3):
        post(client, TOKEN, {"email": "siti@example.id", "password": "salah"})
    # Even the right password is refused once the address is over its limit.
    response = post(client, TOKEN, {"email": "siti@example.id", "password": PASSWORD})
    assert_problem(response, 429)
    assert not ApiToken.objects.exists()
    other = post(
        client, TOKEN, {"email": "siti@example.id", "password": PASSWORD}, REMOTE_ADDR="10.9.8.7"
    )
    assert other.status_code == 200


def test_revoke_current_token(client):
    user = UserFactory()
    headers = bearer(user)
    keep = bearer(user)
    response = client.delete(TOKEN, **headers)
    assert response.status_code == 204
    assert_problem(client.get(ME, **headers), 401)
    assert_problem(client.delete(TOKEN, **headers), 401)
    # Only the token in use is revoked: the user's other clients stay signed in.
    assert client.get(ME, **keep).status_code == 200


def test_revoke_without_token_is_401(client):
    response = client.delete(TOKEN)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_without_token_is_401(client):
    assert_problem(client.get(ME), 401)


def test_me_with_wrong_scheme_is_401(client):
    assert_problem(client.get(ME, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz"), 401)


@pytest.fixture
def lock_out(settings):
    """allauth's lock-out as in production (the test settings switch its limits off)."""
    from django.core.cache import cache

    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
    cache.clear()
    yield
    cache.clear()


def test_failed_web_sign_ins_lock_the_api_too_and_the_other_way_round(client, lock_out):
    """One lock-out for every way in (issue 12): after the web login locked the account
    (5 failures), the API refuses even the right password, 429 with Retry-After."""
    from django.urls import reverse

    user = UserFactory(email="siti@example.id")  # the factory verifies the address
    for _n in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "salah"})
    locked = post(client, TOKEN, {"email": user.email, "password": PASSWORD})
    assert_problem(locked, 429)
    assert int(locked["Retry-After"]) > 0
    assert not ApiToken.objects.exists()
    # And failures through the API lock the web's sign-in of another account (from another
    # address: this one has spent its own limit by now).
    other, elsewhere = UserFactory(email="budi@example.id"), {"REMOTE_ADDR": "10.0.0.2"}
    for _n in range(5):
        failed = post(client, TOKEN, {"email": other.email, "password": "salah"}, **elsewhere)
        assert failed.status_code == 401
    page = client.post(
        reverse("account_login"), {"login": other.email, "password": PASSWORD}, **elsewhere
    )
    assert not page.wsgi_request.user.is_authenticated


def test_a_successful_api_sign_in_does_not_count_as_a_failure(client, lock_out):
    user = UserFactory(email="siti@example.id")
    for _n in range(7):
        assert post(client, TOKEN, {"email": user.email, "password": PASSWORD}).status_code == 200
