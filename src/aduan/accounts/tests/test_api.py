"""The accounts API: registration, tokens, revocation, the login rate limit."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aduan.accounts.models import ApiToken, User, hash_token
from aduan.accounts.services import token_create, token_revoke
from aduan.accounts.tests.factories import PASSWORD, AgencyAdminFactory, UserFactory
from aduan.api.tests.utils import PROBLEM, assert_problem, bearer

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/auth/me"
TOKENS = "/api/v1/auth/tokens"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


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


# --- Expiry, last use, listing and revoking (issue 12) -----------------------------------


def auth(raw: str, language: str = "en") -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_ACCEPT_LANGUAGE": language}


def test_a_new_token_says_when_it_expires(client, settings):
    settings.ADUAN_API_TOKEN_DAYS = 30
    UserFactory(email="siti@example.id")
    with time_machine.travel(T0, tick=False):
        data = post(
            client, TOKEN, {"email": "siti@example.id", "password": PASSWORD, "name": "Ponsel"}
        ).json()
    token = ApiToken.objects.get(key_hash=hash_token(data["token"]))
    assert token.expires_at == T0 + dt.timedelta(days=30)
    assert data["expires_at"] == token.expires_at.isoformat()
    assert (data["id"], data["prefix"], data["name"]) == (token.pk, token.hint, "Ponsel")
    assert data["token"].startswith(data["prefix"])


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "expired on May 31, 2026"), ("id", "kedaluwarsa pada 31 Mei 2026")],
)
def test_an_expired_token_is_refused_saying_so(visitor_client, settings, language, words):
    client = visitor_client
    settings.ADUAN_API_TOKEN_DAYS = 90
    user = UserFactory()
    with time_machine.travel(T0, tick=False):
        _token, raw = token_create(user=user)
    with time_machine.travel(T0 + dt.timedelta(days=90, seconds=-1), tick=False):
        assert client.get(ME, **auth(raw)).status_code == 200
    with time_machine.travel(T0 + dt.timedelta(days=90), tick=False):
        response = client.get(ME, **auth(raw, language))
        body = assert_problem(response, 401)
        assert words in body["detail"]
        assert response["WWW-Authenticate"] == 'Bearer realm="aduan", error="invalid_token"'
        # Public endpoints too: a token that is sent must work.
        assert_problem(client.get("/api/v1/categories", **auth(raw)), 401)


@pytest.mark.parametrize(("language", "words"), [("en", "revoked"), ("id", "dicabut")])
def test_a_revoked_token_is_refused_saying_so(visitor_client, language, words):
    client = visitor_client
    user = UserFactory()
    token, raw = token_create(user=user)
    token_revoke(token=token, actor=user)
    body = assert_problem(client.get(ME, **auth(raw, language)), 401)
    assert words in body["detail"]


def test_an_unknown_token_is_refused_without_detail(client):
    body = assert_problem(client.get(ME, **auth(ApiToken.generate())), 401)
    assert "expired" not in body["detail"]
    assert "revoked" in body["detail"]  # "not valid or has been revoked"


def _token_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "apitoken" in q["sql"]]


def test_last_used_is_written_once_a_minute_however_often_the_token_is_used(client):
    user = UserFactory()
    token, raw = token_create(user=user)
    with time_machine.travel(T0, tick=False), CaptureQueriesContext(connection) as first:
        assert client.get(ME, **auth(raw)).status_code == 200
    with (
        time_machine.travel(T0 + dt.timedelta(seconds=50), tick=False),
        CaptureQueriesContext(connection) as second,
    ):
        assert client.get(ME, **auth(raw)).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == T0
    assert len(_token_writes(first.captured_queries)) == 1
    assert _token_writes(second.captured_queries) == []
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        assert client.get(ME, **auth(raw)).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == T0 + dt.timedelta(seconds=61)


def test_of_two_requests_that_read_a_stale_time_only_the_first_writes():
    """The UPDATE carries its own condition: a request that read the row before another
    request wrote it does not write again (a hot client: one write a minute, not one per
    request in flight)."""
    from aduan.accounts.services import token_check

    token, raw = token_create(user=UserFactory())
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=T0)
    meanwhile, now = T0 + dt.timedelta(seconds=80), T0 + dt.timedelta(seconds=90)
    raced = []

    def another_request_writes_right_after_the_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not raced and sql.startswith("SELECT") and "apitoken" in sql:
            raced.append(sql)
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=meanwhile)
        return result

    with (
        time_machine.travel(now, tick=False),
        connection.execute_wrapper(another_request_writes_right_after_the_read),
    ):
        assert token_check(raw) == token
    assert raced
    token.refresh_from_db()
    assert token.last_used_at == meanwhile


def test_token_list_shows_only_the_callers_working_tokens(client, django_assert_max_num_queries):
    user = UserFactory()
    with time_machine.travel(T0 - dt.timedelta(days=200), tick=False):
        token_create(user=user, name="kedaluwarsa")
    revoked, _raw = token_create(user=user, name="dicabut")
    token_revoke(token=revoked, actor=user)
    _other, _raw = token_create(user=user, name="Tablet")
    for n in range(5):
        token_create(user=user, name=f"perangkat {n}")
    token_create(user=UserFactory(), name="milik orang lain")
    current, raw = token_create(user=user, name="Android")
    with django_assert_max_num_queries(3):
        response = client.get(TOKENS, **auth(raw))
    assert response.status_code == 200
    listed = response.json()
    names = [item["name"] for item in listed]
    assert names[0] == "Android"
    assert set(names) == {"Android", "Tablet"} | {f"perangkat {n}" for n in range(5)}
    first = listed[0]
    assert set(first) == {
        "id",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "current",
    }
    assert (first["id"], first["prefix"], first["current"]) == (current.pk, current.hint, True)
    assert first["last_used_at"] is not None
    assert [item["current"] for item in listed].count(True) == 1
    assert raw not in response.content.decode()
    assert current.key_hash not in response.content.decode()


def test_revoking_one_of_ones_own_tokens(client):
    user = UserFactory()
    lost, lost_raw = token_create(user=user, name="HP hilang")
    _current, raw = token_create(user=user)
    response = client.delete(f"{TOKENS}/{lost.pk}", **auth(raw))
    assert response.status_code == 204
    assert_problem(client.get(ME, **auth(lost_raw)), 401)
    assert client.get(ME, **auth(raw)).status_code == 200
    assert [item["name"] for item in client.get(TOKENS, **auth(raw)).json()] == ["mobile"]
    # Again: nothing left to do, and no error.
    assert client.delete(f"{TOKENS}/{lost.pk}", **auth(raw)).status_code == 204


def test_revoking_another_users_token_is_404(client):
    owner = UserFactory()
    theirs, their_raw = token_create(user=owner)
    _mine, raw = token_create(user=UserFactory())
    for token_id in (theirs.pk, 987654, 2**62):
        assert_problem(client.delete(f"{TOKENS}/{token_id}", **auth(raw)), 404)
    assert client.get(ME, **auth(their_raw)).status_code == 200
    assert_problem(client.delete(f"{TOKENS}/satu", **auth(raw)), 422)


def test_token_list_needs_a_personal_token(client):
    assert_problem(client.get(TOKENS), 401)
    assert_problem(client.delete(f"{TOKENS}/1"), 401)
    from aduan.integrations.services import integration_token_create

    token, raw = integration_token_create(actor=AgencyAdminFactory(), name="Sistem dinas")
    assert_problem(client.get(TOKENS, **auth(raw)), 403)
    assert_problem(client.delete(f"{TOKENS}/{token.pk}", **auth(raw)), 403)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    # An integration token does not expire; it signs itself out like any other.
    assert token.expires_at is None
    assert client.delete(TOKEN, **auth(raw)).status_code == 204


def test_a_device_name_is_tidied_and_a_long_one_refused(client):
    UserFactory(email="siti@example.id")
    body = assert_problem(
        post(client, TOKEN, {"email": "siti@example.id", "password": PASSWORD, "name": "x" * 101}),
        422,
    )
    assert "name" in body["errors"]
    response = post(
        client, TOKEN, {"email": "siti@example.id", "password": PASSWORD, "name": "  HP   Budi "}
    )
    assert response.json()["name"] == "HP Budi"


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/api/v1/auth/register", {"201", "400", "413", "422", "429", "503"}),
        ("post", "/api/v1/auth/token", {"200", "400", "401", "403", "413", "422", "429", "503"}),
        ("delete", "/api/v1/auth/token", {"204", "401", "403", "503"}),
        ("get", "/api/v1/auth/tokens", {"200", "401", "403", "503"}),
        ("delete", "/api/v1/auth/tokens/{token_id}", {"204", "401", "403", "404", "422", "503"}),
        ("get", "/api/v1/auth/me", {"200", "401", "403", "503"}),
    ],
)
def test_the_openapi_document_declares_every_answer_of_the_account_endpoints(
    client, method, path, statuses
):
    document = client.get("/api/v1/openapi.json").json()
    responses = document["paths"][path][method]["responses"]
    assert set(responses) == statuses
    for status in statuses - {"200", "201", "204"}:
        ref = responses[status]["content"][PROBLEM]["schema"]["$ref"]
        schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert set(schema["required"]) == {
            "type",
            "title",
            "status",
            "detail",
            "instance",
            "errors",
        }
