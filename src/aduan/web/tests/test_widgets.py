"""``FastSelect`` writes exactly what Django's ``Select`` templates write."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.safestring import mark_safe

from aduan.web.widgets import FastSelect

CHOICES = [
    ("", "All <x>"),
    (1, 'A "q" & b'),
    ("group", [("a", "in the group"), ("b", mark_safe("<b>safe</b>"))]),
    (3, "three"),
]


@pytest.mark.parametrize("value", ["", "1", "a", None, 3, ["1", "a"]])
@pytest.mark.parametrize(
    "attrs",
    [None, {"hx-get": '/x?a=1&b="2"', "required": True, "disabled": False, "id": "id_f"}],
)
def test_same_markup_as_django(value, attrs):
    expected = forms.Select(choices=CHOICES).render("f", value, attrs)
    assert FastSelect(choices=CHOICES).render("f", value, attrs) == expected


def test_a_filter_form_renders_its_selects_fast():
    from aduan.web.staff_forms import WorkListFilterForm

    names = ["status", "overdue", "order", "category", "province", "regency", "district"]
    assert all(isinstance(WorkListFilterForm.base_fields[n].widget, FastSelect) for n in names)
