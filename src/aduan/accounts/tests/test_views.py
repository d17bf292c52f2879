import pytest
from django.conf import settings
from django.urls import reverse

from aduan.accounts.models import ApiToken
from aduan.accounts.services import token_authenticate, token_create
from aduan.accounts.tests.factories import UnitOfficerFactory, UserFactory

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
