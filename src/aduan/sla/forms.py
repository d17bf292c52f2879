from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DayOff


class DayOffForm(forms.Form):
    """Only parses the input; the rules (range, duplicates, already a day off) are in
    ``services.day_off_add``."""

    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=_("A working day that becomes a day off, e.g. a newly decreed collective leave."),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=DayOff._meta.get_field("name").max_length,
        help_text=_("What the day is, and the decree that sets it."),
    )
