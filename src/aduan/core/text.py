"""Text from outside made storable: one rule for every form, API body and channel.

What no database column can hold, whatever a client or channel delivers: NUL
(PostgreSQL refuses it in text, and in a query's parameters too: a NUL in a search box
is an error there) and the other control characters (C0, DEL and C1), and a lone UTF-16
surrogate (JSON's ``"\\ud800"``), which no driver can encode to UTF-8.

Where it is applied: the JSON API reads every body and query string through
``storable_tree`` (``aduan.config.api``); the channels clean what they receive
(``channels.services.clean_text``, Open311's parameters); the report and workflow
services clean the texts they store. Django's forms refuse NUL themselves
(``ProhibitNullCharactersValidator``) and decode form data with replacement characters.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # keeps \t \n \r
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(value: object, *, one_line: bool = False) -> str:
    """``value`` as text that can be stored: control characters dropped (tabs and line
    breaks kept unless ``one_line``), a lone surrogate replaced by U+FFFD."""
    text = "" if value is None else str(value)
    text = (_CONTROL if one_line else _CONTROL_IN_TEXT).sub("", text)
    return _LONE_SURROGATE.sub("\ufffd", text)


def storable_tree(value: object) -> object:
    """``storable`` applied to every string in parsed JSON or a dict of parameters
    (values, not keys); anything else (numbers, uploaded files) is left as it is."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {key: storable_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable_tree(item) for item in value]
    return value


def as_pk(value) -> int | None:
    """A primary key from outside input (a form, a query string, a URL, JSON), or None
    when it cannot be one: not a bool, a whole number, positive, within a bigint."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


# Dropped before any check sees the text (``storable``, by the API's
# parser); the services also trim and squeeze whitespace before they count.
_CONTROL_CLASS = r"\x00-\x1f\x7f-\x9f"
_UNCOUNTED_CLASS = r"\s" + _CONTROL_CLASS


def text_patterns(minimum: int, maximum: int, *, blank: bool = False) -> list[dict[str, str]]:
    """JSON Schema for a text the services count after cleaning it: at least ``minimum``
    characters that are not spaces or control characters (``blank``: or none at all), at
    most ``maximum`` that are not control characters."""
    counted = f"(?:[{_UNCOUNTED_CLASS}]*[^{_UNCOUNTED_CLASS}]){{{minimum}}}"
    at_least = f"^(?:[{_UNCOUNTED_CLASS}]*$|{counted})" if blank else f"^{counted}"
    at_most = f"^[{_CONTROL_CLASS}]*(?:[^{_CONTROL_CLASS}][{_CONTROL_CLASS}]*){{0,{maximum}}}$"
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
