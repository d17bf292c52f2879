import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from aduan.accounts.tests.factories import UserFactory
from aduan.agencies.models import Agency, AgencyKind
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def test_changelist_for_a_superuser_with_bounded_queries(
    client, superuser, directory, django_assert_max_num_queries
):
    client.force_login(superuser)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:agencies_agency_changelist"))
    assert response.status_code == 200
    assert "Admin Nasional SP4N-LAPOR!" in response.text  # first by name


@pytest.mark.parametrize(
    "query",
    ["?q=bandung", "?kind__exact=city", "?is_active__exact=0", "?timezone__exact=Asia/Jayapura"],
)
def test_changelist_search_and_filters(client, superuser, directory, query):
    client.force_login(superuser)
    response = client.get(reverse("admin:agencies_agency_changelist") + query)
    assert response.status_code == 200
    if query == "?q=bandung":
        assert "Pemerintah Kota Bandung" in response.text


def test_change_page_shows_path_and_units(client, superuser):
    ministry = AgencyFactory(name="Kementerian Kesehatan")
    UnitFactory(parent=ministry, name="Direktorat Jenderal Kesehatan Lanjutan")
    client.force_login(superuser)

    response = client.get(reverse("admin:agencies_agency_change", args=[ministry.pk]))

    assert response.status_code == 200
    assert ministry.path in response.text
    assert "Direktorat Jenderal Kesehatan Lanjutan" in response.text


def test_moving_an_agency_under_its_own_unit_is_refused(client, superuser):
    ministry = AgencyFactory()
    unit = UnitFactory(parent=ministry)
    client.force_login(superuser)
    data = {
        "code": ministry.code,
        "name": ministry.name,
        "short_name": ministry.short_name,
        "kind": AgencyKind.MINISTRY,
        "parent": unit.pk,
        "region": "",
        "is_active": "on",
        "children-TOTAL_FORMS": "1",
        "children-INITIAL_FORMS": "1",
        "children-0-id": unit.pk,
        "children-0-parent": ministry.pk,
        "children-0-code": unit.code,
        "children-0-name": unit.name,
        "children-0-short_name": unit.short_name,
        "children-0-kind": AgencyKind.UNIT,
        "children-0-is_active": "on",
    }

    response = client.post(reverse("admin:agencies_agency_change", args=[ministry.pk]), data)

    assert response.status_code == 200
    assert "cannot be placed under itself" in response.text
    ministry.refresh_from_db()
    assert ministry.parent_id is None


def test_deactivate_action(client, superuser):
    agencies = AgencyFactory.create_batch(2)
    client.force_login(superuser)

    response = client.post(
        reverse("admin:agencies_agency_changelist"),
        {"action": "deactivate", "_selected_action": [a.pk for a in agencies]},
    )

    assert response.status_code == 302
    assert not Agency.objects.filter(is_active=True).exists()


def test_a_citizen_is_sent_to_the_login_page(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:agencies_agency_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("admin:agencies_agency_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_without_the_permission_is_refused(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.get(reverse("admin:agencies_agency_changelist"))
    assert response.status_code == 403


def test_staff_with_the_view_permission_may_look(client):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_agency"))
    client.force_login(user)
    response = client.get(reverse("admin:agencies_agency_changelist"))
    assert response.status_code == 200
