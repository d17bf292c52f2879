"""Open311 keys and submissions in the admin site, for the national admin only.

A key is issued by adding one (only the organisation's name is asked): the raw key is
shown once, in the message after saving, and only its hash is kept. Keys are revoked by
an action, never edited or deleted (reports point at them). Submissions hold the
personal details an Open311 client sent: read-only, and for the national admin alone.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from aduan.accounts.capabilities import may_manage_installation

from .models import Open311ApiKey, Open311Submission
from .services import api_key_issue, api_key_revoke


def _is_national_admin(request: HttpRequest) -> bool:
    return may_manage_installation(request.user)


class NationalAdminOnly(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_national_admin(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_national_admin(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class IssueKeyForm(forms.ModelForm):
    class Meta:
        model = Open311ApiKey
        fields = ("organisation",)

    def clean_organisation(self) -> str:
        name = " ".join(self.cleaned_data["organisation"].split())
        if len(name) < 3:
            raise forms.ValidationError(_("Name the organisation in 3 to 200 characters."))
        return name


@admin.register(Open311ApiKey)
class Open311ApiKeyAdmin(NationalAdminOnly):
    list_display = (
        "organisation",
        "hint",
        "is_active",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("is_active", "created_at")
    list_select_related = ("created_by",)
    search_fields = ("organisation", "hint")
    # The hash is never shown.
    readonly_fields = (
        "organisation",
        "account",
        "hint",
        "is_active",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    actions = ("revoke",)
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_national_admin(request)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = IssueKeyForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj=None):
        return self.readonly_fields if obj is not None else ("organisation",)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        key, raw = api_key_issue(actor=request.user, organisation=form.cleaned_data["organisation"])
        obj.pk = key.pk
        obj.refresh_from_db()
        self.message_user(
            request,
            _(
                "Open311 API key for %(organisation)s: %(key)s — copy it now and hand it over "
                "safely; it is not shown again."
            )
            % {"organisation": key.organisation, "key": raw},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset) -> None:
        revoked = 0
        for key in queryset.filter(is_active=True):
            api_key_revoke(key=key, actor=request.user)
            revoked += 1
        self.message_user(request, _("%(n)d key(s) revoked.") % {"n": revoked})


@admin.register(Open311Submission)
class Open311SubmissionAdmin(NationalAdminOnly):
    list_display = ("report", "api_key", "created_at")
    list_select_related = ("report", "api_key")
    search_fields = ("report__tracking_id", "api_key__organisation", "email")
    readonly_fields = (
        "report",
        "api_key",
        "email",
        "first_name",
        "last_name",
        "phone",
        "device_id",
        "account_id",
        "address_string",
        "address_id",
        "media_url",
        "created_at",
    )
    fields = readonly_fields
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
