import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

from aduan.accounts.models import ApiToken
from aduan.accounts.services import token_authenticate, token_create, token_revoke
from aduan.accounts.tests import factories
from aduan.accounts.tests.factories import PASSWORD, UnitOfficerFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
TOKENS = reverse("accounts:api_tokens")


def test_urls_are_where_the_site_links_to_them():
    assert PROFILE == "/akun/profil/"
    assert TOKENS == "/akun/token/"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", PROFILE),
        ("post", PROFILE),
        ("get", TOKENS),
        ("post", TOKENS),
        ("get", "/akun/token/1/cabut/"),
        ("post", "/akun/token/1/cabut/"),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


# --- profile ------------------------------------------------------------------------------


def test_profile_shows_the_users_details(client):
    user = UserFactory(full_name="Rina Marlina", phone="+6281234567890")
    client.force_login(user)
    response = client.get(PROFILE)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="Rina Marlina"' in content
    assert 'value="+6281234567890"' in content


def test_profile_saves_a_local_phone_number_in_e164(client):
    user = UserFactory(phone="")
    client.force_login(user)
    response = client.post(
        PROFILE,
        {"full_name": "Rina Marlina", "phone": "0812-3456-7890", "nik": "", "language": "id"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.phone) == ("Rina Marlina", "+6281234567890")


def test_saving_the_language_switches_the_interface(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        PROFILE,
        {"full_name": user.full_name, "phone": "", "nik": "", "language": "en"},
        follow=True,
    )
    user.refresh_from_db()
    assert user.language == "en"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert response.context["LANGUAGE_CODE"] == "en"
    assert client.get(PROFILE).context["LANGUAGE_CODE"] == "en"


def test_profile_shows_errors_and_keeps_the_old_values(client):
    user = UserFactory(full_name="Rina Marlina", phone="+6281234567890")
    client.force_login(user)
    response = client.post(
        PROFILE,
        {"full_name": "Rina", "phone": "12345", "nik": "3273013208850001", "language": "id"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"phone", "nik"}
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.nik) == ("Rina Marlina", "+6281234567890", "")


def test_profile_refuses_an_unknown_language(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        PROFILE, {"full_name": user.full_name, "phone": "", "nik": "", "language": "fr"}
    )
    assert response.status_code == 200
    assert "language" in response.context["form"].errors


# --- API tokens ---------------------------------------------------------------------------


def test_creating_a_token_shows_it_once(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(TOKENS, {"name": "HP saya"})
    assert response.status_code == 200
    raw = response.context["created_raw"]
    assert raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert token_authenticate(raw) == user
    assert ApiToken.objects.get(user=user).name == "HP saya"
    again = client.get(TOKENS)
    assert raw not in again.content.decode()
    assert "HP saya" in again.content.decode()


def test_a_token_needs_a_name(client):
    client.force_login(UserFactory())
    response = client.post(TOKENS, {"name": "   "})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_token_list_shows_only_own_tokens_in_few_queries(client, django_assert_max_num_queries):
    user = UserFactory()
    for n in range(8):
        token_create(user=user, name=f"perangkat {n}")
    token_create(user=UserFactory(), name="milik orang lain")
    client.force_login(user)
    with django_assert_max_num_queries(6):
        response = client.get(TOKENS)
    content = response.content.decode()
    assert content.count("perangkat ") == 16  # name cell and revoke button per token
    assert "milik orang lain" not in content


def test_revoking_own_token(client):
    user = UserFactory()
    token, raw = token_create(user=user, name="tablet")
    client.force_login(user)
    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response["Location"] == TOKENS
    assert token_authenticate(raw) is None


def test_revoking_someone_elses_token_is_not_found(client):
    owner = UnitOfficerFactory()
    token, raw = token_create(user=owner)
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    assert token_authenticate(raw) == owner


def test_revoking_a_missing_token_is_not_found(client):
    client.force_login(UserFactory())
    assert client.post(reverse("accounts:api_token_revoke", args=[987654])).status_code == 404


def test_revoking_asks_first_and_a_get_revokes_nothing(client):
    user = UserFactory()
    token, raw = token_create(user=user, name="tablet")
    client.force_login(user)
    url = reverse("accounts:api_token_revoke", args=[token.pk])
    page = client.get(url + "?kembali=profil")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'action="{url}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="kembali" value="profil"' in html
    assert "tablet" in html
    assert token_authenticate(raw) == user
    # Confirmed from the profile page, back to it.
    response = client.post(url, {"kembali": "profil"})
    assert response["Location"] == PROFILE
    assert token_authenticate(raw) is None


def test_revoking_returns_only_to_the_pages_it_knows(client):
    user = UserFactory()
    token, _raw = token_create(user=user)
    client.force_login(user)
    url = reverse("accounts:api_token_revoke", args=[token.pk])
    assert 'value="token"' in client.get(url + "?kembali=https://evil.example").content.decode()
    response = client.post(url, {"kembali": "https://evil.example"})
    assert response["Location"] == TOKENS


# --- allauth's pages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "account_email",
        "account_change_password",
        "account_set_password",
        "account_reauthenticate",
        "socialaccount_connections",
    ],
)
def test_allauths_account_pages_send_visitors_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={reverse(name)}"


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_allauths_sign_in_pages_answer_visitors_and_show_no_account(client, name):
    UserFactory(email="rina@example.id", full_name="Rina Marlina")
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert "rina@example.id" not in html
    assert "Rina Marlina" not in html


# --- devices on the profile page, and a new password (issue 12) ---------------------------

NEW_PASSWORD = "Kebun-Jeruk-Malam-7391"


def test_the_profile_lists_the_devices_that_still_work_with_a_way_to_revoke_each(
    client, django_assert_max_num_queries
):
    user = UserFactory()
    phone, _raw = token_create(user=user, name="HP Android")
    gone, _raw = token_create(user=user, name="HP lama")
    token_revoke(token=gone, actor=user)
    with time_machine.travel(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), tick=False):
        token_create(user=user, name="Tablet kedaluwarsa")
    token_create(user=UserFactory(), name="milik orang lain")
    client.force_login(user)
    with django_assert_max_num_queries(8):
        response = client.get(PROFILE)
    html = response.content.decode()
    start = html.index('id="devices-title"')
    section = html[start : html.index("</section>", start)]
    assert "HP Android" in section
    assert phone.hint in section
    revoke = reverse("accounts:api_token_revoke", args=[phone.pk])
    assert f'href="{revoke}?kembali=profil"' in section
    for absent in ("HP lama", "Tablet kedaluwarsa", "milik orang lain"):
        assert absent not in html
    assert "<script" not in section
    assert "style=" not in section


def test_the_profile_says_when_no_device_is_signed_in(client):
    client.force_login(UserFactory())
    assert "No app or program is signed in" in client.get(PROFILE).content.decode()


def test_the_token_page_says_which_tokens_expired_or_were_revoked(client):
    user = UserFactory()
    with time_machine.travel(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), tick=False):
        token_create(user=user, name="Tablet")
    gone, _raw = token_create(user=user, name="HP lama")
    token_revoke(token=gone, actor=user)
    client.force_login(user)
    html = client.get(TOKENS).content.decode()
    assert "Expired on" in html
    assert "Revoked on" in html
    assert "api_token_revoke" not in html
    assert "/cabut/" not in html  # nothing left to revoke


def test_changing_the_password_revokes_every_api_token(client):
    user = UserFactory()
    raws = [token_create(user=user)[1] for _n in range(2)]
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert [token_authenticate(raw) for raw in raws] == [None, None]


def test_a_refused_password_change_keeps_the_tokens(client):
    user = UserFactory()
    _token, raw = token_create(user=user)
    client.force_login(user)
    client.post(
        reverse("account_change_password"),
        {"oldpassword": "salah", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert token_authenticate(raw) == user


def test_resetting_the_password_by_e_mail_revokes_every_api_token(client):
    user = UserFactory(email="rina@example.id")
    _token, raw = token_create(user=user)
    client.post(reverse("account_reset_password"), {"email": "rina@example.id"})
    [link] = re.findall(r"https?://\S+/reset/key/\S+/", mail.outbox[-1].body)
    # allauth moves the key from the address into the session, then asks for the password.
    form_page = client.get(urlsplit(link).path, follow=True)
    [(set_password_url, _status)] = form_page.redirect_chain
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert token_authenticate(raw) is None


@pytest.mark.parametrize(
    ("factory", "workspace"),
    [
        ("NationalAdminFactory", "web:staff_queue"),
        ("AgencyAdminFactory", "web:staff_inbox"),
        ("UnitOfficerFactory", "web:staff_inbox"),
        ("OversightFactory", "oversight:dashboard"),
        ("ProgrammeOverseerFactory", "oversight:dashboard"),
        ("CitizenFactory", "web:home"),
    ],
)
def test_signing_in_without_a_page_to_return_to_lands_at_the_roles_workspace(
    client, factory, workspace
):
    user = getattr(factories, factory)()
    answer = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert answer.status_code == 302
    assert answer["Location"] == reverse(workspace)


def test_signing_in_with_a_page_to_return_to_goes_there(client):
    user = factories.NationalAdminFactory()
    answer = client.post(
        reverse("account_login") + "?next=/laporan/",
        {"login": user.email, "password": PASSWORD},
    )
    assert answer["Location"] == "/laporan/"
