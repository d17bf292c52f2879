import pytest
from django.urls import reverse

from aduan.accounts.tests.factories import UserFactory
from aduan.categories.loaders import categories_load

pytestmark = pytest.mark.django_db


def test_changelist_for_a_superuser(client, django_assert_max_num_queries):
    categories_load()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:categories_category_changelist"))
    assert response.status_code == 200
    assert "Administrasi Kependudukan" in response.text


def test_a_citizen_is_sent_to_the_login_page(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:categories_category_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_without_the_permission_is_refused(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:categories_category_changelist")).status_code == 403
