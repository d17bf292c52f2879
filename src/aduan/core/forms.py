"""A service's refusal shown on the form that was sent: the one way every page does it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import forms

from .errors import DomainError


def form_add_errors(
    form: forms.Form,
    field_errors: Mapping[str | None, Sequence[str]],
    *,
    field_map: Mapping[str, str] | None = None,
    only_clean_fields: bool = False,
) -> None:
    """Put each message next to the field it is about (a key the service names differently
    is translated by ``field_map``; one the form lacks, or ``None``, goes on top). A
    message a field already shows is not repeated; ``only_clean_fields`` leaves alone the
    fields that already show an error."""
    for key, messages in field_errors.items():
        name = (field_map or {}).get(key, key) if key else None
        target = name if name in form.fields else None
        if only_clean_fields and target in form.errors:
            continue
        for message in messages:
            if target in form.errors and message in form.errors[target]:
                continue
            form.add_error(target, message)


def form_add_service_errors(
    form: forms.Form, error: DomainError, *, field_map: Mapping[str, str] | None = None
) -> None:
    """``error``'s field errors next to their fields, or its message on top when it names
    no field."""
    form_add_errors(form, error.field_errors or {None: [error.message]}, field_map=field_map)
