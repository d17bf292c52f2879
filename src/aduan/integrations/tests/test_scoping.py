"""An agency's integration token: the inbox and the workflow actions of its agency's
reports, the public reads, and nothing else."""

from __future__ import annotations

import pytest

from aduan.accounts.services import token_create
from aduan.api.tests.utils import bearer
from aduan.integrations.services import integration_token_create, integration_token_revoke
from aduan.reports.models import Report, Status

from .helpers import BODY, TITLE, disposed

pytestmark = pytest.mark.django_db


def auth(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def city_token(people) -> str:
    return integration_token_create(actor=people.city_admin, name="Aplikasi kota")[1]


@pytest.fixture
def other_token(people) -> str:
    return integration_token_create(actor=people.other_admin, name="Aplikasi lain")[1]


def test_the_token_reads_its_agencys_inbox_only(
    client, people, city_token, other_token, django_assert_max_num_queries
):
    ours = [disposed(people) for _n in range(3)]
    theirs = disposed(people, agency=people.other)
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/inbox", **auth(city_token))
    assert response.status_code == 200, response.content
    ids = {item["tracking_id"] for item in response.json()["results"]}
    assert ids == {report.tracking_id for report in ours}
    other = client.get("/api/v1/inbox", **auth(other_token)).json()["results"]
    assert [item["tracking_id"] for item in other] == [theirs.tracking_id]


def test_the_token_acts_on_its_agencys_reports(client, people, city_token):
    report = disposed(people)
    response = client.post(
        f"/api/v1/reports/{report.tracking_id}/actions/accept",
        {},
        content_type="application/json",
        **auth(city_token),
    )
    assert response.status_code == 200, response.content
    response = client.post(
        f"/api/v1/reports/{report.tracking_id}/actions/respond",
        {"body": "Lubang sudah kami tambal hari ini, terima kasih atas laporannya."},
        content_type="application/json",
        **auth(city_token),
    )
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    assert report.status == Status.RESPONDED
    event = report.events.order_by("-seq").first()
    assert event.actor.agency == people.city
    assert event.actor.full_name.startswith("Integration")
    detail = client.get(f"/api/v1/reports/{report.tracking_id}", **auth(city_token))
    assert detail.status_code == 200


@pytest.mark.parametrize(("confidential", "status"), [(False, 403), (True, 404)])
def test_the_token_cannot_touch_another_agencys_report(
    client, people, other_token, confidential, status
):
    """The workflow's own rule answers: a public report is visible but not theirs to act
    on (403), a confidential one does not exist for them (404)."""
    report = disposed(people, confidential=confidential)  # with the city
    response = client.post(
        f"/api/v1/reports/{report.tracking_id}/actions/accept",
        {},
        content_type="application/json",
        **auth(other_token),
    )
    assert response.status_code == status
    assert "integration token" not in response.json()["detail"]
    report.refresh_from_db()
    assert report.status == Status.DISPOSITIONED


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "post",
            "/api/v1/reports",
            {"classification": "complaint", "title": TITLE, "body": BODY},
        ),
        ("get", "/api/v1/auth/me", None),
        ("post", "/api/v1/akun/saluran/kode", {}),
        ("post", "/api/v1/reports/AB23CD45EF/attachments", {}),
        ("get", "/api/v1/akun/saluran", None),
    ],
)
def test_every_other_authenticated_endpoint_is_forbidden(
    client, people, city_token, method, path, body
):
    kwargs = {"content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(path, body or {}, **kwargs, **auth(city_token))
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "integration token" in response.json()["detail"]
    assert not Report.objects.exists()


def test_every_endpoint_that_takes_a_token_declares_whether_agency_systems_may_use_it():
    """The scope is declared where the endpoint is: only those below take an integration
    token; any other endpoint that authenticates refuses it (a new one fails closed)."""
    from aduan.accounts.auth import BearerToken
    from aduan.config.api import api

    assert api.urls  # binds the routers
    served = set()
    for router in api._get_bound_routers():  # django-ninja has no public walk of operations
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                takes = [a for a in operation.auth_callbacks if isinstance(a, BearerToken)]
                if any(a.agency_systems for a in takes):
                    served.add(operation.url_name)
    assert served == {
        "inbox",
        "report_list",
        "report_detail",
        "report_attachment",
        "agency_list",
        "category_list",
        "region_list",
        "report_response_with_files",
        "auth_token_revoke",
        *(f"report_action_{name}" for name in _action_names()),
    }


def _action_names() -> list[str]:
    from aduan.workflow.actions import ACTION_SPECS

    return [action.value for action in ACTION_SPECS]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/api/v1/auth/token", {"email": "x@example.id", "password": "x"}, 401),
        ("get", "/api/v1/no-such-endpoint", None, 404),
    ],
)
def test_endpoints_without_authentication_ignore_the_token(
    client, people, city_token, method, path, body, status
):
    """Signing in and an unknown path take no token: the caller is anonymous there, and the
    integration token grants nothing."""
    kwargs = {"content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(path, body or {}, **kwargs, **auth(city_token))
    assert response.status_code == status, response.content


def test_the_website_does_not_take_the_token(client, people, city_token):
    """A bearer token is no web credential: the staff inbox sends the caller to sign in."""
    response = client.get("/staf/kotak-masuk/", **auth(city_token))
    assert response.status_code == 302
    assert "/akun/masuk/" in response["Location"] or "login" in response["Location"]


def test_public_reads_are_allowed(client, people, city_token):
    for path in ("/api/v1/reports", "/api/v1/agencies", "/api/v1/categories", "/api/v1/regions"):
        assert client.get(path, **auth(city_token)).status_code == 200, path


def test_a_revoked_token_is_refused(client, people, city_token):
    from aduan.accounts.models import ApiToken

    token = ApiToken.objects.get(agency=people.city)
    integration_token_revoke(actor=people.city_admin, token_id=token.pk)
    assert client.get("/api/v1/inbox", **auth(city_token)).status_code == 401


def test_a_token_may_revoke_itself(client, people, city_token):
    assert client.delete("/api/v1/auth/token", **auth(city_token)).status_code in (200, 204)
    assert client.get("/api/v1/inbox", **auth(city_token)).status_code == 401


def test_an_ordinary_token_is_not_limited(client, people):
    """The scope applies to integration tokens only: a person's token still submits."""
    response = client.post(
        "/api/v1/reports",
        {"classification": "complaint", "title": TITLE, "body": BODY},
        content_type="application/json",
        **bearer(people.citizen),
    )
    assert response.status_code == 201, response.content
    _token, raw = token_create(user=people.city_admin)
    assert client.get("/api/v1/auth/me", **auth(raw)).status_code == 200


def test_the_service_account_cannot_sign_in(client, people, city_token):
    from aduan.accounts.models import ApiToken

    account = ApiToken.objects.get(agency=people.city).user
    assert account.email is None
    assert not account.has_usable_password()


def test_a_refused_integration_token_is_not_recorded_as_used(client, people, city_token):
    from aduan.accounts.models import ApiToken

    assert client.get("/api/v1/auth/me", **auth(city_token)).status_code == 403
    assert ApiToken.objects.get(agency=people.city).last_used_at is None
    assert client.get("/api/v1/inbox", **auth(city_token)).status_code == 200
    assert ApiToken.objects.get(agency=people.city).last_used_at is not None
