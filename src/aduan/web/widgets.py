"""Widgets of the list pages' filter bars, rendered without a template per option."""

from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict) -> str:
    """Django's ``attrs.html`` in Python: ``False`` leaves the attribute out, ``True`` writes
    its name alone."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class FastSelect(forms.Select):
    """``forms.Select`` with the markup of Django's templates, built in Python.

    A filter bar offers hundreds of options (topics, units, regions) on every page of a
    list; Django renders each option with its own template and cost more than the list
    itself (bench/README.md, "Pages").
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            parts.extend(
                f'\n  <option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
