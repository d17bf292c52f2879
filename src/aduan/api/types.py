"""Field types of the API's inputs that accept only what they say: pydantic's lax mode
took ``true`` for the id 1 and ``0`` for the date 1970-01-01 (schemathesis, issue 12);
and ``text_rule``, which tells the OpenAPI document how long a text must be."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

import annotated_types
from django.utils.translation import gettext
from pydantic import BeforeValidator, Strict, WithJsonSchema

# The largest id a database column holds (bigint).
MAX_ID = 2**63 - 1


def _whole(value: object) -> object:
    # JSON Schema's integer is any number without a fraction: 4.0 is one, true is not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A whole number in a JSON body (a count of days, a score): 3 or 3.0, not true or "3".
JsonInt = Annotated[int, Strict(), BeforeValidator(_whole)]
# An id in a JSON body: a whole number within a bigint, as strict.
JsonId = Annotated[
    int, Strict(), annotated_types.Ge(1), annotated_types.Le(MAX_ID), BeforeValidator(_whole)
]
# A flag in a JSON body: true or false, not 1 or "yes".
JsonBool = Annotated[bool, Strict()]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError(gettext("Enter a date as YYYY-MM-DD."))


# A date in a query string or a body: YYYY-MM-DD only (not a number of seconds).
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


# Dropped before any check sees the text (``aduan.core.text.storable``, by the API's
# parser); the services also trim and squeeze whitespace before they count.
_CONTROL = r"\x00-\x1f\x7f-\x9f"
_UNCOUNTED = r"\s" + _CONTROL


def text_patterns(minimum: int, maximum: int, *, blank: bool = False) -> list[dict[str, str]]:
    """JSON Schema for a text the services count after cleaning it: at least ``minimum``
    characters that are not spaces or control characters (``blank``: or none at all), at
    most ``maximum`` that are not control characters."""
    counted = f"(?:[{_UNCOUNTED}]*[^{_UNCOUNTED}]){{{minimum}}}"
    at_least = f"^(?:[{_UNCOUNTED}]*$|{counted})" if blank else f"^{counted}"
    at_most = f"^[{_CONTROL}]*(?:[^{_CONTROL}][{_CONTROL}]*){{0,{maximum}}}$"
    return [{"pattern": at_least}, {"pattern": at_most}]


def text_rule(minimum: int, maximum: int, *, blank: bool = False) -> dict[str, Any]:
    """``Field`` arguments for such a text, so that the OpenAPI document says what is
    accepted. The services keep the rule and its message; pydantic refuses a text past
    ``maximum`` before they clean it."""

    def document(schema: dict[str, Any]) -> None:
        # maxLength would count the control characters, which are dropped unread.
        schema.pop("maxLength", None)
        schema["allOf"] = text_patterns(minimum, maximum, blank=blank)

    return {"max_length": maximum, "json_schema_extra": document}


# An Idempotency-Key header as the document states it (no spaces at the ends, which HTTP
# drops); ``workflow.idempotency`` checks it and says what is wrong in the user's language.
IdempotencyKey = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "pattern": "^[\\x21-\\x7e](?:[\\x20-\\x7e]{0,253}[\\x21-\\x7e])?$"}
    ),
]
