from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from tidings.jobs.models import JobLog
from tidings.ops.adminkit import ReadOnlyAdmin


@admin.register(JobLog)
class JobLogAdmin(ReadOnlyAdmin):
    """Job runs; resume or cancel a workflow from the staff dashboard (/ops/)."""

    list_display = ("id", "event", "status", "workflow_link", "workspace", "created_at", "started_at", "finished_at")
    list_filter = ("event", "status", "created_at")
    search_fields = ("workflow_id", "workspace__name", "error")
    list_select_related = ("workspace",)
    date_hierarchy = "created_at"

    @admin.display(description="workflow", ordering="workflow_id")
    def workflow_link(self, log: JobLog) -> str:
        if not log.workflow_id:
            return "-"
        url = reverse("ops:workflow") + "?" + urlencode({"id": log.workflow_id})
        return format_html('<a href="{}">{}</a>', url, log.workflow_id)
