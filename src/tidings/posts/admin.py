"""Posts and their targets. Nothing is edited by hand: cancel a post, send a failed target again, or settle one whose
send got no answer, by action; every call to the platform is shown on its target. Staff act as Tidings itself
(`Actor.system`) in the post's workspace."""

from collections import Counter

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tidings.ops.adminkit import ReadOnlyAdmin, run_each
from tidings.posts.models import MediaAsset, Post, PostTarget, PublishAttempt
from tidings.posts.retry import retry_target
from tidings.posts.services import cancel_post
from tidings.posts.unconfirmed import mark_did_not_go_out, mark_went_out
from tidings.workspaces.actors import Actor


class PostTargetInline(admin.TabularInline):
    model = PostTarget
    fields = ("id", "account", "status", "scheduled_at", "published_at", "attempts", "dispatch_round", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PublishAttemptInline(admin.TabularInline):
    model = PublishAttempt
    fields = ("number", "started_at", "duration_ms", "outcome", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ("id", "workspace", "short_text", "scheduled_at", "target_states", "created_at")
    list_filter = ("targets__status", "targets__platform", "created_at")
    search_fields = ("text", "workspace__name")
    list_select_related = ("workspace",)
    date_hierarchy = "created_at"
    raw_id_fields = ("workspace", "automation_rule")
    inlines = (PostTargetInline,)
    actions = ("cancel_action",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).prefetch_related("targets")

    @admin.display(description="text")
    def short_text(self, post: Post) -> str:
        return post.text[:80]

    @admin.display(description="targets")
    def target_states(self, post: Post) -> str:
        counts = Counter(target.status for target in post.targets.all())
        return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "-"

    @admin.action(description="Cancel (what has not gone out; credits released)", permissions=["change"])
    def cancel_action(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        run_each(
            self,
            request,
            queryset.select_related("workspace"),
            lambda post: f"{cancel_post(Actor.system(post.workspace), post.pk)} target(s) cancelled.",
        )


@admin.register(PostTarget)
class PostTargetAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "post",
        "account",
        "platform",
        "status",
        "scheduled_at",
        "published_at",
        "attempts",
        "dispatch_round",
        "short_error",
    )
    list_filter = ("status", "platform", "scheduled_at")
    search_fields = ("post__text", "post__workspace__name", "account__handle", "external_id", "error")
    list_select_related = ("post", "account")
    raw_id_fields = ("post", "account")
    inlines = (PublishAttemptInline,)
    actions = ("retry_action", "went_out_action", "did_not_go_out_action")

    @admin.display(description="error")
    def short_error(self, target: PostTarget) -> str:
        return target.error[:120]

    @admin.action(description="Send again (failed or skipped; reserves a credit)", permissions=["change"])
    def retry_action(self, request: HttpRequest, queryset: QuerySet[PostTarget]) -> None:
        def retry(target: PostTarget) -> str:
            retried = retry_target(Actor.system(target.post.workspace), target.pk)
            return f"scheduled again as {retried.workflow_id}."

        run_each(self, request, queryset.select_related("post__workspace"), retry)

    @admin.action(description="Mark: it went out (unconfirmed; its credit is spent)", permissions=["change"])
    def went_out_action(self, request: HttpRequest, queryset: QuerySet[PostTarget]) -> None:
        def went_out(target: PostTarget) -> str:
            mark_went_out(Actor.system(target.post.workspace), target.pk)
            return "marked as published; its credit is spent."

        run_each(self, request, queryset.select_related("post__workspace"), went_out)

    @admin.action(description="Mark: it did not go out (unconfirmed; its credit is released)", permissions=["change"])
    def did_not_go_out_action(self, request: HttpRequest, queryset: QuerySet[PostTarget]) -> None:
        def did_not_go_out(target: PostTarget) -> str:
            mark_did_not_go_out(Actor.system(target.post.workspace), target.pk)
            return "marked as not published; its credit is released and it can be sent again."

        run_each(self, request, queryset.select_related("post__workspace"), did_not_go_out)


@admin.register(MediaAsset)
class MediaAssetAdmin(ReadOnlyAdmin):
    list_display = ("id", "workspace", "post", "kind", "mime_type", "size_bytes", "created_at")
    list_filter = ("kind",)
    search_fields = ("workspace__name", "file", "alt_text")
    list_select_related = ("workspace", "post")
    raw_id_fields = ("workspace", "post")
