"""The Indonesian account pages say "Kata sandi" (never a bare "Sandi") and address the
reader with a capital "Anda", as formal Indonesian does: Django's and allauth's own
catalogues mix both, so our catalogue overrides their strings."""

import re

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from aduan.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BARE_SANDI = re.compile(r"(?<!kata )\bsandi\b", re.IGNORECASE)
LOWER_ANDA = re.compile(r"\banda\b")


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    # Attribute values (placeholders, aria-labels) are read too, so keep them as text.
    attributes = " ".join(re.findall(r'(?:placeholder|aria-label|title|value)="([^"]*)"', html))
    return " ".join(f"{strip_tags(html)} {attributes}".split())


def _problems(text: str) -> list[str]:
    """Each offending word with the words around it, to say where it is."""
    matches = [*BARE_SANDI.finditer(text), *LOWER_ANDA.finditer(text)]
    return [text[max(m.start() - 40, 0) : m.end() + 40] for m in matches]


def test_signed_out_pages_say_kata_sandi_and_anda(visitor_client):
    client = visitor_client
    pages = {
        "login": client.get(reverse("account_login")),
        "signup": client.get(reverse("account_signup")),
        "password reset": client.get(reverse("account_reset_password")),
        # The password validators' messages and the form's errors, as a visitor sees them.
        "signup errors": client.post(
            reverse("account_signup"),
            {
                "full_name": "Ani",
                "email": "ani@example.id",
                "password1": "12345678",
                "password2": "87654321",
            },
        ),
        "login errors": client.post(
            reverse("account_login"), {"login": "ani@example.id", "password": "salah"}
        ),
    }
    problems = {name: _problems(_text(response)) for name, response in pages.items()}
    assert {name: found for name, found in problems.items() if found} == {}


def test_signed_in_password_pages_say_kata_sandi_and_anda(visitor_client):
    client = visitor_client
    user = UserFactory()
    client.force_login(user)
    pages = {
        "password change": client.get(reverse("account_change_password")),
        "password change errors": client.post(
            reverse("account_change_password"),
            {"oldpassword": "salah", "password1": "password", "password2": "password"},
        ),
    }
    problems = {name: _problems(_text(response)) for name, response in pages.items()}
    assert {name: found for name, found in problems.items() if found} == {}


def test_a_user_without_a_name_is_greeted_as_sir_or_madam():
    from django.utils import translation

    assert UserFactory.build(full_name="  Siti Aminah").get_short_name() == "Siti"
    with translation.override("id"):
        assert UserFactory.build(full_name="").get_short_name() == "Bapak/Ibu"
    with translation.override("en"):
        assert UserFactory.build(full_name=" ").get_short_name() == "Sir/Madam"
