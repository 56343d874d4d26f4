from django.contrib import admin

from tidings.ops.adminkit import ReadOnlyAdmin
from tidings.usage.models import DailyUsage


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyAdmin):
    list_display = ("user", "day", "metric", "platform", "count")
    list_filter = ("metric", "platform", "day")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    date_hierarchy = "day"
