from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tidings.notifications.models import Notification
from tidings.notifications.services import mark_read
from tidings.ops.adminkit import ReadOnlyAdmin, run_each


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "workspace", "type", "title", "created_at", "read_at")
    list_filter = ("type", ("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("user__username", "workspace__name", "title", "message", "dedupe_key")
    list_select_related = ("user", "workspace")
    date_hierarchy = "created_at"
    actions = ("mark_read_action",)

    @admin.action(description="Mark as read", permissions=["change"])
    def mark_read_action(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        run_each(
            self,
            request,
            queryset.select_related("user"),
            lambda note: "marked read." if mark_read(note.user, notification_ids=[note.pk]) else "",
        )
