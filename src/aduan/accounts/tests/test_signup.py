"""Sign-up through allauth's real views: form, verification e-mail, confirmation, sign-in."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from aduan.accounts.models import Role, User

pytestmark = pytest.mark.django_db

PASSWORD = "gado-gado-pedas-77"


def _signup(client, **overrides):
    data = {
        "full_name": "  Ahmad   Fauzi ",
        "email": "Ahmad.Fauzi@Example.id",
        "phone": "0812 3456 7890",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def test_signup_verify_and_sign_in(client):
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    for name in ("full_name", "email", "phone", "password1", "password2"):
        assert f'name="{name}"' in page.content.decode()
    assert 'name="username"' not in page.content.decode()

    response = _signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")

    user = User.objects.get()
    assert user.email == "ahmad.fauzi@example.id"
    assert user.full_name == "Ahmad Fauzi"
    assert user.phone == "+6281234567890"
    assert user.role == Role.CITIZEN
    assert not EmailAddress.objects.get(user=user).verified

    # Verification is mandatory: signing in before confirming sends the mail again.
    client.logout()
    early = client.post(
        reverse("account_login"), {"login": "ahmad.fauzi@example.id", "password": PASSWORD}
    )
    assert early.status_code == 302
    assert early["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    assert len(mail.outbox) >= 1
    message = mail.outbox[0]
    assert message.to == ["ahmad.fauzi@example.id"]
    match = re.search(r"https?://[^/\s]+(/akun/confirm-email/[^/\s]+/)", message.body)
    assert match, message.body
    confirm_url = match.group(1)

    assert client.get(confirm_url).status_code == 200
    confirmed = client.post(confirm_url)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    signed_in = client.post(
        reverse("account_login"), {"login": "AHMAD.FAUZI@example.id", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("web:home")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_signup_without_a_phone(client):
    assert _signup(client, phone="").status_code == 302
    assert User.objects.get().phone == ""


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"full_name": " "}, "full_name"),
        ({"phone": "12345"}, "phone"),
        ({"email": "bukan-email"}, "email"),
        ({"password2": "lain-sandi-99"}, "password2"),
        ({"password1": "123", "password2": "123"}, "password1"),
    ],
)
def test_signup_refuses_bad_input(client, overrides, field):
    response = _signup(client, **overrides)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()
    assert mail.outbox == []


def test_web_sign_up_follows_the_apis_registration_limit_and_says_when_to_retry(client, settings):
    """One policy per address for every way of signing up (issue 12): the web form's
    limit is ``ADUAN_API_REGISTER_RATE``, and its 429 carries Retry-After."""
    from django.core.cache import cache

    from aduan.config.settings import base

    assert base.ACCOUNT_RATE_LIMITS["signup"] == f"{base.ADUAN_API_REGISTER_RATE}/ip"
    settings.ACCOUNT_RATE_LIMITS = {"signup": "2/h/ip"}
    cache.clear()
    codes = [_signup(client, email=f"warga{n}@example.id").status_code for n in range(3)]
    assert codes == [302, 302, 429]
    refused = _signup(client, email="warga9@example.id")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert User.objects.count() == 2
    cache.clear()
