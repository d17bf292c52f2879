"""Field types of the API's inputs that accept only what they say: pydantic's lax mode
took ``true`` for the id 1 and ``0`` for the date 1970-01-01 (schemathesis, issue 12)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

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


# An Idempotency-Key header as the document states it (no spaces at the ends, which HTTP
# drops); ``workflow.idempotency`` checks it and says what is wrong in the user's language.
IdempotencyKey = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "pattern": "^[\\x21-\\x7e](?:[\\x20-\\x7e]{0,253}[\\x21-\\x7e])?$"}
    ),
]
