from django.contrib import admin

from aduan.regions.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    # "^code" is a prefix match, so "32.73" finds Bandung and everything in it.
    search_fields = ("^code", "name")
    list_select_related = ("parent",)
    ordering = ("code",)
    raw_id_fields = ("parent",)
    list_per_page = 50
    # Counting 91,592 rows on every page of a filtered search is wasted work.
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # The code is the primary key and what reports and agencies point at.
        return ("code",) if obj is not None else ()
