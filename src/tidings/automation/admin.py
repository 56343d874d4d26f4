from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tidings.automation.models import AutomationRule, FeedItem
from tidings.automation.services import set_rule_enabled
from tidings.ops.adminkit import ReadOnlyAdmin, run_each
from tidings.workspaces.actors import Actor


@admin.register(AutomationRule)
class AutomationRuleAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "name",
        "workspace",
        "enabled",
        "review",
        "schedule",
        "last_run_at",
        "last_outcome",
        "next_run_at",
        "last_feed_error",
    )
    list_filter = ("enabled", "review", "last_outcome")
    search_fields = ("name", "workspace__name")
    list_select_related = ("workspace",)
    filter_horizontal = ("accounts",)
    actions = ("disable_action", "enable_action")

    @admin.action(description="Pause", permissions=["change"])
    def disable_action(self, request: HttpRequest, queryset: QuerySet[AutomationRule]) -> None:
        run_each(self, request, queryset.select_related("workspace"), lambda rule: self._set(rule, enabled=False))

    @admin.action(description="Resume (within the plan's limit)", permissions=["change"])
    def enable_action(self, request: HttpRequest, queryset: QuerySet[AutomationRule]) -> None:
        run_each(self, request, queryset.select_related("workspace"), lambda rule: self._set(rule, enabled=True))

    @staticmethod
    def _set(rule: AutomationRule, *, enabled: bool) -> str:
        set_rule_enabled(Actor.system(rule.workspace), rule.pk, enabled=enabled)
        return "resumed." if enabled else "paused."


@admin.register(FeedItem)
class FeedItemAdmin(ReadOnlyAdmin):
    """What each watched feed showed and the post each item became, for an operator answering "why did this
    item (not) post?"."""

    list_display = ("id", "rule", "title", "published", "seen_at", "skipped", "post")
    list_filter = ("skipped",)
    search_fields = ("title", "link", "key", "rule__name")
    list_select_related = ("rule", "post")
    raw_id_fields = ("rule", "post")
