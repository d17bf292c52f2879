from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from aduan.config.settings.base import json_setting
from aduan.sla.policy import check_policy, deadline_rule, sla_days


def test_defaults():
    assert sla_days("verification", "complaint") == 3
    assert sla_days("response", "complaint") == 5
    assert sla_days("completion", "complaint") == 60
    assert sla_days("autoclose", "aspiration") == 10
    assert sla_days("extension_max", "complaint") == 10
    assert sla_days("reopen_window", "complaint") == 10
    assert sla_days("reminder", None) == 1
    assert check_policy() == []


def test_information_requests_get_ten_working_days_to_respond():
    assert sla_days("response", "information_request") == 10
    assert sla_days("verification", "information_request") == 3
    assert deadline_rule("response", "information_request") == (10, None)
    assert deadline_rule("completion", "complaint") == (None, 60)


def test_per_classification_overrides_from_settings(settings):
    settings.ADUAN_SLA = {**settings.ADUAN_SLA, "response": 7}
    settings.ADUAN_SLA_BY_CLASSIFICATION = {"aspiration": {"response": 14, "extension_max": 0}}
    assert sla_days("response", "complaint") == 7
    assert sla_days("response", "aspiration") == 14
    assert sla_days("extension_max", "aspiration") == 0
    assert sla_days("response", "information_request") == 7


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown service level"):
        sla_days("lunch", "complaint")
    with pytest.raises(ValueError, match="unknown deadline kind"):
        deadline_rule("reminder", "complaint")


@pytest.mark.parametrize(
    ("sla", "by_classification", "problem"),
    [
        ({"response": "5"}, {}, "whole number"),
        ({"response": True}, {}, "whole number"),
        ({"response": 0}, {}, "between 1 and 366"),
        ({"lunch": 1}, {}, "unknown key 'lunch'"),
        ({}, {"petition": {"response": 3}}, "unknown classification"),
        ({}, {"complaint": {"reminder": 2}}, "can only be set in ADUAN_SLA"),
        ({}, {"complaint": 3}, "must be a dict"),
    ],
)
def test_a_bad_configuration_is_reported_and_refused(settings, sla, by_classification, problem):
    settings.ADUAN_SLA = {**settings.ADUAN_SLA, **sla}
    settings.ADUAN_SLA_BY_CLASSIFICATION = by_classification
    errors = check_policy()
    assert errors
    assert any(problem in error.msg for error in errors)
    assert all(error.id == "sla.E001" for error in errors)
    with pytest.raises(ImproperlyConfigured, match=problem):
        sla_days("verification", "complaint")


def test_a_missing_key_is_reported(settings):
    settings.ADUAN_SLA = {k: v for k, v in settings.ADUAN_SLA.items() if k != "autoclose"}
    assert any("'autoclose' is missing" in error.msg for error in check_policy())


def test_environment_json_is_parsed_and_checked():
    assert json_setting("ADUAN_SLA_JSON", None, {"a": 1}) == {"a": 1}
    assert json_setting("ADUAN_SLA_JSON", "  ", {}) == {}
    assert json_setting("ADUAN_SLA_JSON", '{"response": 7}', {}) == {"response": 7}
    with pytest.raises(ImproperlyConfigured, match="ADUAN_SLA_JSON is not valid JSON"):
        json_setting("ADUAN_SLA_JSON", "{response: 7}", {})
    with pytest.raises(ImproperlyConfigured, match="must be a JSON object"):
        json_setting("ADUAN_SLA_JSON", "[7]", {})


def test_the_environment_reaches_the_settings_and_manage_check(tmp_path):
    from conftest import run_manage, subprocess_env

    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_VAR_DIR=str(tmp_path),
        ADUAN_SLA_JSON='{"response": 7}',
        ADUAN_SLA_BY_CLASSIFICATION_JSON='{"aspiration": {"response": 0}}',
    )
    shown = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.ADUAN_SLA['response'])",
        env=env,
    )
    assert shown.stdout.strip().splitlines()[-1] == "7", shown.stderr
    check = run_manage("check", env=env)
    assert check.returncode != 0
    assert "sla.E001" in check.stderr
    assert "ADUAN_SLA_BY_CLASSIFICATION['aspiration']['response'] must be between 1" in check.stderr
    broken = run_manage("check", env={**env, "ADUAN_SLA_JSON": "{response: 7}"})
    assert broken.returncode != 0
    assert "ADUAN_SLA_JSON is not valid JSON" in broken.stderr
