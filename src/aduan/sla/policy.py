"""How long each step may take: ``settings.ADUAN_SLA`` with per-classification overrides.

``ADUAN_SLA`` holds the defaults (from ``ADUAN_SLA_JSON`` key by key), and
``ADUAN_SLA_BY_CLASSIFICATION`` maps a report classification to the keys it changes,
e.g. ``{"information_request": {"response": 10}}``. Every value is a whole number of
working days, except ``completion``, which counts calendar days (Perpres 76/2013 says
"60 hari"). ``reminder`` (how many working days before a deadline to remind) is global.

``manage.py check`` reports a bad configuration (unknown key or classification, a value
that is not a whole number in range); ``sla_days`` refuses one as well, because gunicorn
does not run the checks.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from aduan.reports.models import Classification

from .models import DeadlineKind

CALENDAR_DAY_KEYS = frozenset({DeadlineKind.COMPLETION.value})
# The smallest value that makes sense for each key (a deadline of 0 days would be due at
# the end of the day its clock starts; 0 disables an extension, a reopening, a reminder).
MINIMUM = {
    DeadlineKind.VERIFICATION.value: 1,
    DeadlineKind.RESPONSE.value: 1,
    DeadlineKind.COMPLETION.value: 1,
    DeadlineKind.AUTOCLOSE.value: 1,
    "extension_max": 0,
    "reopen_window": 0,
    "reminder": 0,
}
MAXIMUM = 366
GLOBAL_ONLY_KEYS = frozenset({"reminder"})


def _problems() -> list[str]:
    problems: list[str] = []

    def check_value(where: str, key: Any, value: Any) -> None:
        if key not in MINIMUM:
            problems.append(f"{where}: unknown key {key!r} (known: {', '.join(MINIMUM)})")
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{where}[{key!r}] must be a whole number of days, not {value!r}")
        elif not MINIMUM[key] <= value <= MAXIMUM:
            problems.append(f"{where}[{key!r}] must be between {MINIMUM[key]} and {MAXIMUM}")

    defaults = getattr(settings, "ADUAN_SLA", None)
    if not isinstance(defaults, dict):
        return ["ADUAN_SLA must be a dict"]
    for key in MINIMUM:
        if key not in defaults:
            problems.append(f"ADUAN_SLA: {key!r} is missing")
    for key, value in defaults.items():
        check_value("ADUAN_SLA", key, value)

    overrides = getattr(settings, "ADUAN_SLA_BY_CLASSIFICATION", {})
    if not isinstance(overrides, dict):
        return [*problems, "ADUAN_SLA_BY_CLASSIFICATION must be a dict"]
    for classification, values in overrides.items():
        where = f"ADUAN_SLA_BY_CLASSIFICATION[{classification!r}]"
        if classification not in Classification.values:
            problems.append(
                f"{where}: unknown classification (known: {', '.join(Classification.values)})"
            )
        elif not isinstance(values, dict):
            problems.append(f"{where} must be a dict")
        else:
            for key, value in values.items():
                if key in GLOBAL_ONLY_KEYS:
                    problems.append(f"{where}: {key!r} can only be set in ADUAN_SLA")
                else:
                    check_value(where, key, value)
    return problems


def check_policy(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [checks.Error(problem, id="sla.E001") for problem in _problems()]


def sla_days(kind: str, classification: str | None) -> int:
    """The number of days for ``kind`` (a deadline kind, ``extension_max``,
    ``reopen_window`` or ``reminder``) for a report of ``classification``."""
    if kind not in MINIMUM:
        raise ValueError(f"unknown service level {kind!r}")
    if problems := _problems():
        raise ImproperlyConfigured("; ".join(problems))
    if kind not in GLOBAL_ONLY_KEYS and classification:
        override = settings.ADUAN_SLA_BY_CLASSIFICATION.get(classification, {})
        if kind in override:
            return override[kind]
    return settings.ADUAN_SLA[kind]


def deadline_rule(kind: str, classification: str | None) -> tuple[int | None, int | None]:
    """``(working_days, calendar_days)`` for a deadline of ``kind``: exactly one is set."""
    if kind not in DeadlineKind.values:
        raise ValueError(f"unknown deadline kind {kind!r}")
    days = sla_days(kind, classification)
    return (None, days) if kind in CALENDAR_DAY_KEYS else (days, None)
