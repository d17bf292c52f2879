from django.contrib import admin

from .models import ResponseTemplate


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "agency", "category", "is_active", "updated_at")
    list_filter = ("is_active", "category")
    search_fields = ("title", "body", "agency__name")
    autocomplete_fields = ("agency",)
    raw_id_fields = ("category",)
    readonly_fields = ("created_by", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
