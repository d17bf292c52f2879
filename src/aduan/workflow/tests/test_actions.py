"""Each action's input is declared once (``workflow.actions``): the schema the API checks
is the service's own keyword list, and the web's form supplies every field of it."""

from __future__ import annotations

import inspect

import pytest

from aduan.core.errors import PermissionDenied
from aduan.reports.tests.factories import ReportFactory
from aduan.web.action_forms import ACTION_FORMS
from aduan.workflow.actions import ACTION_SPECS, action_spec
from aduan.workflow.transitions import TRANSITIONS, Action

# Who acts on what, and from where; files come as uploads (the web form, the API's
# multipart response), not in the JSON body the schema describes.
CONTEXT = {"report", "actor", "ip_address", "files"}


@pytest.mark.parametrize("action", list(ACTION_SPECS), ids=str)
def test_the_schema_is_the_services_keyword_list(action):
    spec = ACTION_SPECS[action]
    parameters = {
        name: parameter
        for name, parameter in inspect.signature(spec.service).parameters.items()
        if name not in CONTEXT
    }
    fields = spec.schema.model_fields
    assert set(fields) == set(parameters)
    for name, field in fields.items():
        required = parameters[name].default is inspect.Parameter.empty
        assert field.is_required() == required, name


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(ACTION_FORMS), ids=str)
def test_the_web_form_supplies_every_field_of_the_schema(action):
    """A field added to an action reaches the page too: its form names it, or maps its own
    field to it (``service_fields``)."""
    report = ReportFactory()
    form = ACTION_FORMS[action](report=report, user=report.reporter)
    named = set(form.base_fields) | set(form.fields) | set(form.service_fields)
    assert set(ACTION_SPECS[action].schema.model_fields) <= named


def test_every_action_a_person_takes_has_a_spec():
    assert set(ACTION_SPECS) == set(TRANSITIONS) - {Action.AUTO_CLOSE}
    with pytest.raises(PermissionDenied):
        action_spec(Action.AUTO_CLOSE)
