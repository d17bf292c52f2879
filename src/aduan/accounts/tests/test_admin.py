import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from aduan.accounts.models import ApiToken, Role, User
from aduan.accounts.services import token_authenticate, token_create
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory

pytestmark = pytest.mark.django_db

USERS = reverse("admin:accounts_user_changelist")
ADD_USER = reverse("admin:accounts_user_add")
TOKENS = reverse("admin:accounts_apitoken_changelist")


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def national_admin():
    return _staff(NationalAdminFactory())


def _add_payload(**overrides):
    data = {
        "email": "Petugas.Baru@Example.id",
        "full_name": "Petugas Baru",
        "phone": "",
        "role": Role.UNIT_OFFICER,
        "agency": "",
        "password1": "teh-manis-hangat-9",
        "password2": "teh-manis-hangat-9",
    }
    data.update(overrides)
    return data


def test_national_admin_adds_a_unit_officer_who_can_sign_in(client, national_admin):
    unit = UnitFactory()
    client.force_login(national_admin)
    response = client.post(ADD_USER, _add_payload(agency=str(unit.pk)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="petugas.baru@example.id")
    assert (user.role, user.agency) == (Role.UNIT_OFFICER, unit)
    assert user.check_password("teh-manis-hangat-9")
    assert EmailAddress.objects.get(user=user).verified
    client.logout()
    signed_in = client.post(
        reverse("account_login"),
        {"login": "petugas.baru@example.id", "password": "teh-manis-hangat-9"},
    )
    assert signed_in["Location"] == reverse("web:staff_inbox")


def test_staff_role_without_agency_is_a_form_error_not_a_crash(client, national_admin):
    client.force_login(national_admin)
    response = client.post(ADD_USER, _add_payload(agency=""))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "agency" in form.errors
    assert "must belong to an agency" in str(form.errors["agency"])
    assert not User.objects.filter(email="petugas.baru@example.id").exists()


def test_role_and_agency_kind_must_fit(client, national_admin):
    client.force_login(national_admin)
    response = client.post(
        ADD_USER, _add_payload(role=Role.NATIONAL_ADMIN, agency=str(AgencyFactory().pk))
    )
    assert response.status_code == 200
    assert "agency" in response.context["adminform"].form.errors


def test_duplicate_email_in_another_case_is_refused(client, national_admin):
    UserFactory(email="petugas.baru@example.id")
    client.force_login(national_admin)
    response = client.post(ADD_USER, _add_payload(agency=str(UnitFactory().pk)))
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors


def test_changing_a_staff_member_to_no_agency_is_a_form_error(client, national_admin):
    officer = UnitOfficerFactory()
    client.force_login(national_admin)
    url = reverse("admin:accounts_user_change", args=[officer.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert officer.password not in page.content.decode()  # only the hash summary
    data = {
        "email": officer.email,
        "full_name": officer.full_name,
        "phone": officer.phone,
        "nik": "",
        "language": "id",
        "role": Role.UNIT_OFFICER,
        "agency": "",
        "is_active": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "08:00:00",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "agency" in response.context["adminform"].form.errors
    officer.refresh_from_db()
    assert officer.agency_id is not None


def test_user_changelist_search_and_filters(client, national_admin, django_assert_max_num_queries):
    for _ in range(5):
        UnitOfficerFactory()
    UserFactory(full_name="Siti Nurhaliza")
    client.force_login(national_admin)
    with django_assert_max_num_queries(15):
        response = client.get(USERS)
    assert response.status_code == 200
    found = client.get(USERS, {"q": "Nurhaliza"})
    assert list(found.context["cl"].result_list.values_list("full_name", flat=True)) == [
        "Siti Nurhaliza"
    ]
    officers = client.get(USERS, {"role__exact": Role.UNIT_OFFICER})
    assert officers.context["cl"].result_count == 5


def test_agency_admin_sees_and_appoints_only_their_own_staff(client):
    ministry = AgencyFactory()
    unit = UnitFactory(parent=ministry)
    admin = _staff(AgencyAdminFactory(agency=ministry))
    own = UnitOfficerFactory(agency=unit)
    foreign = UnitOfficerFactory()
    citizen = UserFactory()
    client.force_login(admin)

    listed = set(client.get(USERS).context["cl"].result_list)
    assert own in listed
    assert admin in listed
    assert foreign not in listed
    assert citizen not in listed
    assert client.get(reverse("admin:accounts_user_change", args=[foreign.pk])).status_code == 302
    assert client.get(reverse("admin:accounts_user_change", args=[citizen.pk])).status_code == 302

    form = client.get(ADD_USER).context["adminform"].form
    assert {value for value, _ in form.fields["role"].choices} == {
        Role.AGENCY_ADMIN,
        Role.UNIT_OFFICER,
    }
    assert "is_superuser" not in form.fields

    # Appointing a national admin, or staff of another agency, is refused.
    refused = client.post(ADD_USER, _add_payload(role=Role.NATIONAL_ADMIN, agency=str(ministry.pk)))
    assert "role" in refused.context["adminform"].form.errors
    refused = client.post(ADD_USER, _add_payload(agency=str(foreign.agency_id)))
    assert "agency" in refused.context["adminform"].form.errors
    accepted = client.post(ADD_USER, _add_payload(agency=str(unit.pk)))
    assert accepted.status_code == 302
    assert User.objects.get(email="petugas.baru@example.id").agency == unit


@pytest.mark.parametrize("factory", [UnitOfficerFactory, OversightFactory, UserFactory])
def test_other_roles_get_no_staff_screens_even_with_admin_access(client, factory):
    user = _staff(factory())
    client.force_login(user)
    assert client.get(USERS).status_code == 403
    assert client.get(ADD_USER).status_code == 403
    assert client.get(TOKENS).status_code == 403


def test_anonymous_visitor_is_sent_to_the_admin_login(client):
    response = client.get(USERS)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_token_admin_never_shows_the_hash_and_revokes(client, national_admin):
    owner = UserFactory()
    token, raw = token_create(user=owner, name="ponsel")
    client.force_login(national_admin)
    listing = client.get(TOKENS)
    assert listing.status_code == 200
    detail = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert detail.status_code == 200
    for page in (listing, detail):
        assert token.key_hash not in page.content.decode()
        assert raw not in page.content.decode()
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403

    response = client.post(
        TOKENS, {"action": "revoke", "_selected_action": [str(token.pk)]}, follow=True
    )
    assert response.status_code == 200
    assert "1 token revoked." in response.content.decode()
    assert token_authenticate(raw) is None


def test_agency_admin_token_screen_is_scoped(client):
    ministry = AgencyFactory()
    admin = _staff(AgencyAdminFactory(agency=ministry))
    own_token, own_raw = token_create(user=UnitOfficerFactory(agency=ministry))
    other_token, other_raw = token_create(user=UnitOfficerFactory())
    client.force_login(admin)
    listed = set(client.get(TOKENS).context["cl"].result_list)
    assert listed == {own_token}
    client.post(
        TOKENS,
        {"action": "revoke", "_selected_action": [str(own_token.pk), str(other_token.pk)]},
    )
    assert token_authenticate(own_raw) is None
    assert token_authenticate(other_raw) is not None
    assert ApiToken.objects.get(pk=other_token.pk).revoked_at is None


def test_the_admin_login_is_the_sites_own_sign_in(client):
    """One lock-out for every way in: the admin signs in through allauth's page."""
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/akun/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_an_admin_setting_a_new_password_revokes_the_accounts_api_tokens(client, national_admin):
    officer = UnitOfficerFactory()
    _token, raw = token_create(user=officer)
    _own, own_raw = token_create(user=national_admin)
    client.force_login(national_admin)
    new = "Kebun-Jeruk-Malam-7391"
    response = client.post(
        reverse("admin:auth_user_password_change", args=[officer.pk]),
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302, response.context["form"].errors
    officer.refresh_from_db()
    assert officer.check_password(new)
    assert token_authenticate(raw) is None
    assert token_authenticate(own_raw) == national_admin
