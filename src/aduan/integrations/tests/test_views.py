"""The integration page: who may open it (a matrix), the secret and token shown once,
the delivery log and its query count, the buttons."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aduan.accounts.models import ApiToken
from aduan.integrations.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from aduan.integrations.payloads import delivery_payload

from .helpers import ALL_EVENTS, disposed, endpoint_for

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.216.34/aduan"


@pytest.fixture
def endpoint(people) -> WebhookEndpoint:
    return endpoint_for(people.city_admin, PUBLIC_URL)[0]


def urls(endpoint_pk: int, token_pk: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("webhooks:integration")),
        ("post", reverse("webhooks:integration")),
        ("get", reverse("webhooks:endpoint_log", args=[endpoint_pk])),
        ("post", reverse("webhooks:endpoint_disable", args=[endpoint_pk])),
        ("post", reverse("webhooks:endpoint_enable", args=[endpoint_pk])),
        ("post", reverse("webhooks:endpoint_secret", args=[endpoint_pk])),
        ("post", reverse("webhooks:endpoint_test", args=[endpoint_pk])),
        ("get", reverse("webhooks:endpoint_delete", args=[endpoint_pk])),
        ("post", reverse("webhooks:endpoint_delete", args=[endpoint_pk])),
        ("post", reverse("webhooks:token_create")),
        ("post", reverse("webhooks:token_revoke", args=[token_pk])),
    ]


@pytest.fixture
def token(people) -> ApiToken:
    from aduan.integrations.services import integration_token_create

    return integration_token_create(actor=people.city_admin, name="Aplikasi kota")[0]


def test_anonymous_visitors_are_sent_to_sign_in(client, endpoint, token):
    for method, url in urls(endpoint.pk, token.pk):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/login" in response["Location"] or "masuk" in response["Location"]


@pytest.mark.parametrize("who", ["citizen", "officer", "national_admin"])
def test_other_roles_get_403(client, people, endpoint, token, who):
    client.force_login(getattr(people, who))
    for method, url in urls(endpoint.pk, token.pk):
        assert getattr(client, method)(url).status_code == 403, (who, url)
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize("who", ["other_admin", "province_admin"])
def test_another_agencys_admin_gets_404_for_its_endpoints_and_tokens(
    client, people, endpoint, token, who
):
    client.force_login(getattr(people, who))
    for method, url in urls(endpoint.pk, token.pk)[2:]:
        if url == reverse("webhooks:token_create"):
            continue
        assert getattr(client, method)(url).status_code == 404, (who, url)
    # Their own page lists nothing of the city's.
    page = client.get(reverse("webhooks:integration"))
    assert page.status_code == 200
    assert PUBLIC_URL not in page.content.decode()
    assert "Aplikasi kota" not in page.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_a_new_webhook_shows_its_secret_once(client, people):
    client.force_login(people.city_admin)
    response = client.post(
        reverse("webhooks:integration"),
        {"url": PUBLIC_URL, "description": "Aplikasi Lapor Bandung", "events": ALL_EVENTS[:2]},
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ALL_EVENTS[:2]
    assert endpoint.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    page = client.get(reverse("webhooks:integration")).content.decode()
    assert PUBLIC_URL in page
    assert endpoint.secret not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "http://93.184.216.34/x", "events": ["report.disposed"]}, "must use https"),
        ({"url": "https://10.0.0.1/x", "events": ["report.disposed"]}, "private or local"),
        ({"url": PUBLIC_URL, "events": []}, "Choose at least one event"),
        ({"url": PUBLIC_URL, "events": ["report.nope"]}, "not one of the available choices"),
    ],
)
def test_a_bad_webhook_is_explained(client, people, data, message):
    client.force_login(people.city_admin)
    response = client.post(reverse("webhooks:integration"), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert response.context["form"].data["url"] == data["url"]
    assert not response.context["token_form"].is_bound
    assert not WebhookEndpoint.objects.exists()


def test_disable_enable_new_secret_and_delete(client, people, endpoint):
    client.force_login(people.city_admin)
    disposed(people)
    response = client.post(reverse("webhooks:endpoint_disable", args=[endpoint.pk]))
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert WebhookDelivery.objects.get().state == DeliveryState.CANCELLED
    page = client.get(reverse("webhooks:integration")).content.decode()
    assert "Disabled" in page or "Dinonaktifkan" in page

    client.post(reverse("webhooks:endpoint_enable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.is_active

    old_secret = endpoint.secret
    response = client.post(reverse("webhooks:endpoint_secret", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret
    assert endpoint.secret in response.content.decode()

    assert client.get(reverse("webhooks:endpoint_delete", args=[endpoint.pk])).status_code == 200
    client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()


def test_send_test_event_queues_a_ping(client, people, endpoint):
    client.force_login(people.city_admin)
    response = client.post(reverse("webhooks:endpoint_test", args=[endpoint.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks:endpoint_log", args=[endpoint.pk])
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "ping"
    assert delivery_payload(delivery)["event"]["agency"]["name"] == people.city.name


def test_the_delivery_log_in_a_bounded_number_of_queries(
    client, people, endpoint, django_assert_max_num_queries
):
    reports = [disposed(people) for _n in range(6)]
    WebhookDelivery.objects.filter(report=reports[0]).update(
        state=DeliveryState.FAILED, attempts=6, last_status_code=500, last_error="HTTP 500: boom"
    )
    client.force_login(people.city_admin)
    url = reverse("webhooks:endpoint_log", args=[endpoint.pk])
    with django_assert_max_num_queries(8):
        response = client.get(url)
    page = response.content.decode()
    for report in reports:
        assert report.tracking_id in page
    with django_assert_max_num_queries(8):
        failed = client.get(url + "?failed=1").content.decode()
    assert reports[0].tracking_id in failed
    assert "HTTP 500: boom" in failed
    assert reports[1].tracking_id not in failed


def test_the_integration_page_in_a_bounded_number_of_queries(
    client, people, django_assert_max_num_queries
):
    for n in range(5):
        endpoint_for(people.city_admin, f"{PUBLIC_URL}/{n}")
    from aduan.integrations.services import integration_token_create

    for n in range(3):
        integration_token_create(actor=people.city_admin, name=f"Token {n}")
    client.force_login(people.city_admin)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("webhooks:integration"))
    assert response.content.decode().count(PUBLIC_URL) >= 5


def test_an_integration_token_is_shown_once_and_can_be_revoked(client, people):
    client.force_login(people.city_admin)
    response = client.post(reverse("webhooks:token_create"), {"name": "Aplikasi kota"})
    assert response.status_code == 200
    token = ApiToken.objects.get(agency=people.city)
    page = response.content.decode()
    raw = re.search(r'id="shown-once"[^>]*value="([^"]+)"', page).group(1)
    assert raw.startswith("adn_int_")
    assert raw not in client.get(reverse("webhooks:integration")).content.decode()
    client.post(reverse("webhooks:token_revoke", args=[token.pk]))
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_a_token_needs_a_name(client, people):
    client.force_login(people.city_admin)
    response = client.post(reverse("webhooks:token_create"), {"name": ""})
    assert response.status_code == 422
    assert response.context["token_form"].errors["name"] == ["This field is required."]
    assert not response.context["form"].is_bound
    assert not ApiToken.objects.exists()
