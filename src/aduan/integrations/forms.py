from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SUBSCRIBABLE_EVENTS
from .urlguard import URL_MAX_LENGTH


class EndpointForm(forms.Form):
    # A CharField: the service's guard gives the one clear message for every bad URL.
    url = forms.CharField(
        label=_("Receiver URL"),
        max_length=URL_MAX_LENGTH,
        help_text=_("An https:// address of your system that accepts POST requests."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=SUBSCRIBABLE_EVENTS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("Which system uses it, e.g. “City complaint app”."),
    )
