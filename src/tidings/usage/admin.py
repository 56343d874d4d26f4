from django.contrib import admin

from tidings.ops.adminkit import ReadOnlyAdmin
from tidings.usage.models import DailyUsage


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyAdmin):
    list_display = ("workspace", "day", "metric", "platform", "count")
    list_filter = ("metric", "platform", "day")
    search_fields = ("workspace__name",)
    list_select_related = ("workspace",)
    date_hierarchy = "day"
