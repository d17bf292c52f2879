"""Staff management in the admin site.

Who sees and edits what is decided by ``capabilities`` and ``selectors``: the national
admin manages every account, an agency admin the staff of their own agency and its units
(and can only appoint agency admins and unit officers there); the Django superuser is the
operator. Nobody else gets these screens, whatever Django permissions they hold.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, BaseUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .capabilities import may_manage_staff, may_manage_user, may_revoke_token, roles_assignable_by
from .models import ApiToken, User
from .selectors import agencies_managed_by, users_managed_by
from .services import token_revoke, token_revoke_all, user_sync_email_address
from .validators import validate_staff_assignment


class _StaffAssignmentMixin:
    """Role and agency must fit together; said on the form, not as a database error."""

    def clean(self):
        cleaned = super().clean()  # type: ignore[misc]
        if "role" in cleaned and "agency" in cleaned:
            try:
                validate_staff_assignment(cleaned["role"], cleaned["agency"])
            except ValidationError as exc:
                self.add_error(None, exc)  # type: ignore[attr-defined]
        return cleaned

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip().lower()  # type: ignore[attr-defined]
        if not email:
            raise ValidationError(_("Staff and citizens sign in with an e-mail address."))
        clash = User.objects.filter(email__iexact=email)
        if self.instance.pk:  # type: ignore[attr-defined]
            clash = clash.exclude(pk=self.instance.pk)  # type: ignore[attr-defined]
        if clash.exists():
            raise ValidationError(_("An account with this e-mail address already exists."))
        return email


class StaffCreationForm(_StaffAssignmentMixin, BaseUserCreationForm):
    """Add an account with a password the admin chooses (and passes on to the person)."""

    class Meta:
        model = User
        fields = ("email", "full_name", "phone", "role", "agency", "is_staff")


class StaffChangeForm(_StaffAssignmentMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}


class StaffPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change password": like every password change, it revokes the
    account's API tokens (``accounts.listeners``)."""

    def save(self, commit: bool = True):
        user = super().save(commit=commit)
        if commit:
            token_revoke_all(user=user)
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    change_password_form = StaffPasswordChangeForm
    list_display = ("email", "full_name", "role", "agency", "is_active", "is_staff", "date_joined")
    list_filter = ("role", "is_active", "is_staff", "agency__kind", "language")
    list_select_related = ("agency",)
    search_fields = ("email", "full_name", "phone", "agency__name", "agency__code")
    ordering = ("email",)
    raw_id_fields = ("agency",)
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ("groups", "user_permissions")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal details"), {"fields": ("full_name", "phone", "nik", "language")}),
        (_("Role"), {"fields": ("role", "agency", "is_active", "is_staff")}),
        (
            _("Django permissions"),
            {"classes": ("collapse",), "fields": ("is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "phone",
                    "role",
                    "agency",
                    "is_staff",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    # --- who may do what -------------------------------------------------------------
    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_manage_staff(request.user)

    def has_view_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return self.has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_manage_staff(request.user)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is None:
            return may_manage_staff(request.user)
        return may_manage_user(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Accounts carry reports and audit events: they are deactivated, not deleted.
        return bool(request.user.is_superuser)

    def get_queryset(self, request: HttpRequest):
        return users_managed_by(actor=request.user).select_related("agency")

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # Only the operator hands out Django's own permissions.
        return tuple(fs for fs in fieldsets if "is_superuser" not in fs[1]["fields"])

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = agencies_managed_by(actor=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "role":
            allowed = set(roles_assignable_by(request.user))
            kwargs["choices"] = [
                (value, label) for value, label in db_field.choices if value in allowed
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: User, form: forms.Form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change or "email" in form.changed_data:
            # The admin vouches for the address of an account they create or re-address.
            user_sync_email_address(user=obj, verified=True)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "name",
        "hint",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created_at")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__full_name", "name", "hint")
    # The hash is never shown: ``key_hash`` is in no list, form or detail.
    fields = ("user", "name", "hint", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke",)
    ordering = ("-created_at",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_manage_staff(request.user)

    def has_view_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        if obj is None:
            return may_manage_staff(request.user)
        return may_manage_user(request.user, obj.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A token is shown once, to its owner: they create it on their own token page.
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        users = users_managed_by(actor=request.user)
        return super().get_queryset(request).filter(user__in=users)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset) -> None:
        revoked = 0
        for token in queryset.select_related("user", "user__agency").filter(
            revoked_at__isnull=True
        ):
            if may_revoke_token(request.user, token):
                token_revoke(token=token, actor=request.user)
                revoked += 1
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", revoked) % {"n": revoked},
            messages.SUCCESS,
        )
