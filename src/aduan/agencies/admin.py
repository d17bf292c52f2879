from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aduan.agencies.models import Agency


class UnitInline(admin.TabularInline):
    model = Agency
    fk_name = "parent"
    fields = ("code", "name", "short_name", "kind", "is_active")
    extra = 0
    show_change_link = True
    verbose_name = _("unit")
    verbose_name_plural = _("units directly below")
    ordering = ("name",)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "short_name",
        "kind",
        "parent",
        "region",
        "timezone",
        "unit_count",
        "is_active",
    )
    list_filter = ("kind", "is_active", "timezone")
    search_fields = ("name", "short_name", "code")
    list_select_related = ("parent", "region")
    autocomplete_fields = ("parent", "region")
    readonly_fields = ("timezone", "path")
    fields = ("code", "name", "short_name", "kind", "parent", "region", "timezone", "is_active")
    inlines = (UnitInline,)
    actions = ("activate", "deactivate")
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(unit_count=Count("children"))

    def get_fields(self, request, obj=None):
        return (*self.fields, "path") if obj is not None else self.fields

    @admin.display(description=_("units"), ordering="unit_count")
    def unit_count(self, obj: Agency) -> int:
        return obj.unit_count

    @admin.action(description=_("Activate the selected agencies"))
    def activate(self, request, queryset):
        self._set_active(request, queryset, active=True)

    @admin.action(description=_("Deactivate the selected agencies"))
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, active=False)

    def _set_active(self, request, queryset, *, active: bool) -> None:
        count = queryset.update(is_active=active)
        self.message_user(
            request,
            ngettext("%(n)d agency updated.", "%(n)d agencies updated.", count) % {"n": count},
            messages.SUCCESS,
        )
