"""Input that pydantic refused, told in the user's language: one wording for the API and
for every caller that checks a mapping against an action's schema (``workflow.actions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _


def input_error_message(error: Mapping[str, Any]) -> str:
    """One pydantic error's message: pydantic's English replaced by a translatable one for
    the usual cases."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("string_type", "string_unicode"):
        return _("Enter text.")
    if kind == "string_too_short":
        return _("Enter at least %(n)s characters.") % {"n": ctx.get("min_length")}
    if kind == "string_too_long":
        return _("Enter at most %(n)s characters.") % {"n": ctx.get("max_length")}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type"):
        return _("Enter a number.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Enter a value of at least %(n)s.") % {"n": ctx.get("ge", ctx.get("gt"))}
    if kind in ("less_than_equal", "less_than"):
        return _("Enter a value of at most %(n)s.") % {"n": ctx.get("le", ctx.get("lt"))}
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind.startswith(("date", "datetime")):
        return _("Enter a date as YYYY-MM-DD.")
    if kind in ("enum", "literal_error"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind in ("model_type", "model_attributes_type", "dict_type", "json_invalid"):
        return _("Send a JSON object.")
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", ""))
    return _("This value is not valid.")


def input_field_errors(errors: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """pydantic's ``errors()`` of one model as field name → messages (``__all__`` for the
    model as a whole)."""
    result: dict[str, list[str]] = {}
    for error in errors:
        field = ".".join(str(part) for part in error.get("loc", ())) or "__all__"
        result.setdefault(field, []).append(input_error_message(error))
    return result
