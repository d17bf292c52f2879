from django.contrib import admin

from aduan.categories.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_id", "name_en", "parent", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_active", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name_id", "name_en")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    ordering = ("parent__sort_order", "sort_order", "name_id")

    def get_readonly_fields(self, request, obj=None):
        # Loaders and integrations match categories by code.
        return ("code",) if obj is not None else ()
