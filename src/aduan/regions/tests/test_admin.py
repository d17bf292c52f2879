import pytest
from django.urls import reverse

from aduan.accounts.tests.factories import UserFactory
from aduan.regions.loaders import regions_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.mark.parametrize("query", ["", "?q=32.73", "?q=bandung", "?level__exact=3"])
def test_changelist_for_a_superuser(client, superuser, query, django_assert_max_num_queries):
    regions_load(villages=False)
    client.force_login(superuser)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:regions_region_changelist") + query)
    assert response.status_code == 200
    if query == "?q=32.73":
        assert "KOTA BANDUNG" in response.text


def test_the_code_is_read_only_on_the_change_page(client, superuser):
    regions_load(villages=False)
    client.force_login(superuser)

    response = client.post(
        reverse("admin:regions_region_change", args=["32.73"]),
        {"code": "32.99", "name": "KOTA BANDUNG", "level": 2, "parent": "32"},
    )

    assert response.status_code == 302
    assert client.get(reverse("admin:regions_region_change", args=["32.73"])).status_code == 200


def test_a_citizen_is_sent_to_the_login_page(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:regions_region_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_without_the_permission_is_refused(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:regions_region_changelist")).status_code == 403
