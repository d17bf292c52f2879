"""Field types of the API's inputs that accept only what they say: pydantic's lax mode
took ``true`` for the id 1 and ``0`` for the date 1970-01-01 (schemathesis, issue 12)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from django.utils.translation import gettext
from pydantic import BeforeValidator, Strict

# An id in a JSON body: an integer, not true, 1.0 or "1".
JsonId = Annotated[int, Strict()]
# A whole number in a JSON body (a count of days, a score), as strict.
JsonInt = Annotated[int, Strict()]
# A flag in a JSON body: true or false, not 1 or "yes".
JsonBool = Annotated[bool, Strict()]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError(gettext("Enter a date as YYYY-MM-DD."))


# A date in a query string or a body: YYYY-MM-DD only (not a number of seconds).
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
