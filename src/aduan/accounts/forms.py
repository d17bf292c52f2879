from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import User
from .validators import normalise_phone


class SignupForm(AllauthSignupForm):
    """allauth's sign-up (e-mail and password) plus the name we address the reporter by and
    an optional phone number for SMS updates. Set as ``ACCOUNT_FORMS["signup"]``."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=20,
        required=False,
        help_text=_("For SMS updates, e.g. 081234567890."),
    )

    field_order = ["full_name", "email", "phone", "password1", "password2"]

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise ValidationError(_("Enter your name."))
        return name

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "").strip()
        return normalise_phone(raw) if raw else ""

    def signup(self, request, user) -> None:
        # Called by allauth right after it created the user, before the e-mail is set up.
        user.full_name = self.cleaned_data["full_name"]
        user.phone = self.cleaned_data.get("phone", "")
        user.save(update_fields=["full_name", "phone"])


class ProfileForm(forms.Form):
    """What a user may change about themselves; the rules are in ``user_update_profile``."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=24,
        required=False,
        help_text=_("For SMS updates, e.g. 081234567890 or +6281234567890."),
    )
    nik = forms.CharField(
        label=_("NIK"),
        max_length=20,
        required=False,
        help_text=_("Your 16-digit national identity number (optional)."),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=User._meta.get_field("language").choices
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("Where you will use it, e.g. “My phone”."),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Give the token a name."))
        return name
