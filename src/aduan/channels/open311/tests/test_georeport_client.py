"""The endpoint as a real Open311 client reads it: the PyPI package ``georeport`` (written
by others against the specification), over HTTP to a live server, in JSON and in XML.

georeport 0.3 reads only (it has no method to post), so posting goes through ``requests``
with the form encoding the specification prescribes, and the result is read back with
georeport.
"""

from __future__ import annotations

import gc
import threading
from decimal import Decimal

import pytest
import requests
from georeport import GeoReport

from aduan.accounts.tests.factories import NationalAdminFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.reports.models import EventAction, Report, Status
from aduan.reports.tests.factories import ReportEventFactory, ReportFactory
from aduan.workflow.services import report_dispose

from .conftest import DESCRIPTION

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _server_requests_finished():
    """Let the live server's request threads end after each test. A response object the
    test still references (an ``HTTPError``'s, say) keeps its keep-alive socket open, and
    with it the server thread and that thread's database connection, which would race the
    test database's teardown. Collecting those responses closes the sockets; the threads
    then finish their request and close their connections."""
    yield
    gc.collect()
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=10)


@pytest.fixture
def reports(categories):
    agency = AgencyFactory(name="Dinas Perhubungan Kota Bandung")
    light = ReportFactory(
        category=categories[1],
        agency=agency,
        status=Status.IN_PROGRESS,
        latitude=Decimal("-6.914744"),
        longitude=Decimal("107.609810"),
    )
    ReportEventFactory(report=light, action=EventAction.RESPONDED, note="Petugas dijadwalkan.")
    road = ReportFactory(category=categories[0], status=Status.CLOSED)
    hidden = ReportFactory(category=categories[0], confidential=True)
    return light, road, hidden


def client_for(live_server, fmt: str, **kwargs) -> GeoReport:
    return GeoReport(root_address=live_server.url + "/open311/v2", output_format=fmt, **kwargs)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_and_definitions(live_server, categories, fmt):
    client = client_for(live_server, fmt)
    services = client.get_service_list()
    assert {s["service_code"]: s["service_name"] for s in services} == {
        "jalan": "Jalan",
        "lampu-jalan": "Lampu jalan",
    }
    definition = client.get_service_definition("lampu-jalan")
    assert definition["service_code"] == "lampu-jalan"
    with pytest.raises(requests.HTTPError) as missing:
        client.get_service_definition("sampah")
    assert missing.value.response.status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_public_requests_only(live_server, reports, fmt):
    light, road, hidden = reports
    client = client_for(live_server, fmt)
    listed = client.get_service_requests()
    assert [r["service_request_id"] for r in listed] == [road.tracking_id, light.tracking_id]
    assert [r["status"] for r in listed] == ["closed", "open"]

    open_only = client.get_service_requests(status="open")
    # georeport hands back XML's single <request> as a mapping, JSON's as a list of one.
    open_only = open_only if isinstance(open_only, list) else [open_only]
    assert [r["service_request_id"] for r in open_only] == [light.tracking_id]

    one = client.get_service_request(light.tracking_id)
    assert one["service_request_id"] == light.tracking_id
    assert one["status_notes"] == "Petugas dijadwalkan."
    assert one["agency_responsible"] == "Dinas Perhubungan Kota Bandung"
    assert float(one["lat"]) == pytest.approx(-6.914744)
    assert one["service_code"] == "lampu-jalan"

    with pytest.raises(requests.HTTPError) as missing:
        client.get_service_request(hidden.tracking_id)
    assert missing.value.response.status_code == 404


def test_georeport_with_a_jurisdiction(live_server, reports, settings):
    settings.ADUAN_OPEN311_JURISDICTION = "aduan.example.go.id"
    assert (
        len(client_for(live_server, "json", jurisdiction="aduan.example.go.id").get_service_list())
        == 2
    )
    with pytest.raises(requests.HTTPError) as refused:
        client_for(live_server, "xml", jurisdiction="kota-lain.go.id").get_service_requests()
    assert refused.value.response.status_code == 404


def test_a_report_posted_over_http_is_read_back_by_georeport(live_server, post_data):
    response = requests.post(
        live_server.url + "/open311/v2/requests.json", data=post_data, timeout=30
    )
    assert response.status_code == 201, response.text
    [created] = response.json()
    report = Report.objects.get(tracking_id=created["service_request_id"])
    assert report.channel == "open311"
    with pytest.raises(requests.HTTPError) as unverified:  # public once the desk verified it
        client_for(live_server, "json").get_service_request(report.tracking_id)
    assert unverified.value.response.status_code == 404
    report_dispose(report=report, actor=NationalAdminFactory(), agency_id=AgencyFactory().pk)

    for fmt in ("json", "xml"):
        read = client_for(live_server, fmt).get_service_request(created["service_request_id"])
        assert read["status"] == "open"
        assert read["service_code"] == "lampu-jalan"
        assert read["description"].startswith(DESCRIPTION)

    refused = requests.post(
        live_server.url + "/open311/v2/requests.xml",
        data={**post_data, "api_key": "o311_wrong"},
        timeout=30,
    )
    assert refused.status_code == 403
    assert "<errors><error><code>403</code>" in refused.text
