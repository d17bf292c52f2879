"""The API against its own OpenAPI document (/api/v1/openapi.json), with Schemathesis.

Every operation is called with generated requests, valid and invalid (Schemathesis's
examples, coverage and fuzzing phases), in turn as each kind of caller: none, and a token
of each role. Reports in several states and an attachment exist, and ids in paths are
theirs or generated. The seed is fixed and the examples bounded, so a run repeats and
stays inside the suite's time. Each answer must be no server error, with a status code,
content type and body the document declares, and the document must be right about what
is valid: invalid input refused, valid input accepted (``SEMANTIC`` lists the rules a
schema cannot state).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from aduan.accounts.services import token_create
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.reports.tests.factories import AttachmentFactory
from aduan.web.tests.staff_helpers import closed, disposed, in_progress, responded, submitted

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]

# Rules on valid-looking input that a JSON schema cannot state, so a 422 naming only
# these fields is not "valid input refused": whether an id names an active agency,
# category, programme, region or report; a password's strength and an address being
# free; a file's type, recognised from its content; a point inside Indonesia (and a
# blank coordinate, which the document's pattern for a decimal in a string refuses with a
# look-ahead that the generator does not read); an end date before its start; an
# Idempotency-Key already used for another body.
SEMANTIC = {
    "agency_id",
    "category_id",
    "programme_ids",
    "region_code",
    "into",
    "email",
    "password",
    "phone",
    "file",
    "files",
    "latitude",
    "longitude",
    "incident_date",
    "working_days",
    "created_to",
    "closed_to",
    "returned_to",
    "Idempotency-Key",
}

ROLES = [None, "citizen", "other_citizen", "national_admin", "agency_admin", "unit_officer"]
ROLES += ["oversight"]


def _api_schema():
    from aduan.config.api import api

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
    loaded.app = WSGIHandler()
    return loaded


schema = _api_schema()
# The objects the running test made, for the ids in paths (filled by ``world``).
EXISTING: dict[str, list] = {}
# Each operation's examples go as the roles in turn, from the first, whatever ran before.
TURN = {"next": 0}


@schema.hook
def flatmap_path_parameters(ctx, path_parameters):
    """A generated id, or one of an object that exists."""
    options = [path_parameters]
    for name, values in EXISTING.items():
        if name in (path_parameters or {}):
            options += [{**path_parameters, name: value} for value in values]
    return st.sampled_from(options)


@pytest.fixture
def in_test_transaction():
    """Requests go to Django's WSGI handler, which closes the database connection after
    each (that would end the test's transaction on PostgreSQL); Django's test client
    holds the same signal back."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


@pytest.fixture
def world(db, in_test_transaction):
    """People in every role with a token each, and reports in several states."""
    agency = AgencyFactory(name="Kementerian Pekerjaan Umum", short_name="PU")
    unit = UnitFactory(parent=agency, name="Direktorat Jalan", short_name="Ditjal")
    citizen = UserFactory()
    admin = NationalAdminFactory()
    agency_admin = AgencyAdminFactory(agency=agency)
    people = {
        "citizen": citizen,
        "other_citizen": UserFactory(),
        "national_admin": admin,
        "agency_admin": agency_admin,
        "unit_officer": UnitOfficerFactory(agency=unit),
        "oversight": OversightFactory(),
    }
    staff = {"admin": admin, "agency": agency, "agency_admin": agency_admin}
    reports = [
        submitted(citizen),
        disposed(citizen, admin=admin, agency=agency),
        in_progress(citizen, **staff),
        responded(citizen, **staff),
        closed(citizen, **staff),
        disposed(citizen, admin=admin, agency=agency, confidential=True),
    ]
    attachment = AttachmentFactory(report=reports[2])
    TURN["next"] = 0
    EXISTING["tracking_id"] = [report.tracking_id for report in reports]
    EXISTING["attachment_id"] = [attachment.pk]
    yield {role: token_create(user=user)[1] for role, user in people.items()}
    EXISTING.clear()


def _semantic_refusal(failure, response) -> bool:
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 422:
        return False
    fields = set(response.json().get("errors", {}))
    return bool(fields) and fields <= SEMANTIC


@schema.parametrize()
@settings(
    max_examples=5,
    derandomize=True,
    database=None,
    deadline=None,
    # The people and reports are made once per operation, for all its examples.
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_document_says(case, world):
    role = ROLES[TURN["next"] % len(ROLES)]
    TURN["next"] += 1
    headers = {"Authorization": f"Bearer {world[role]}"} if role else {}
    # The WSGI transport hands the body over as sent; uncompressed, so it can be read.
    headers["Accept-Encoding"] = "identity"
    response = case.call(headers=headers)
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as group:
        left = [f for f in group.exceptions if not _semantic_refusal(f, response)]
        if left:
            answer = f"{response.status_code} {response.text[:500]}"
            raise FailureGroup(left, f"as {role or 'anonymous'}: {answer}") from None
