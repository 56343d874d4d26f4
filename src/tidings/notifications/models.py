from django.conf import settings
from django.db import models


class NotificationType(models.TextChoices):
    LOW_CREDITS = "low_credits", "Low credits"
    CREDITS_EXPIRING = "credits_expiring", "Credits expiring"
    POST_SKIPPED = "post_skipped", "Post skipped"
    POST_FAILED = "post_failed", "Post failed"
    TIER_LIMIT_REACHED = "tier_limit_reached", "Plan limit reached"
    ACCOUNT_RECONNECT = "account_reconnect", "Account needs reconnecting"
    RULE_FAILED = "rule_failed", "Automation rule failed"
    POST_REVIEW = "post_review", "Post waiting for review"
    POST_DECIDED = "post_decided", "Post approved, sent back or rejected"
    POST_COMMENT = "post_comment", "Comment on a post"
    REPEAT_FAILED = "repeat_failed", "Repeat not scheduled"
    WEBHOOK_FAILING = "webhook_failing", "Webhook endpoint failing"


class Notification(models.Model):
    """Something the user should know. `dedupe_key` names the period an alert belongs to, so it exists once.

    `data` names what it is about, so the notification can lead there: `post_id` (and `target_id`), `account_id`,
    `rule_id`, or for a plan limit the decision's `limit_name` (see `notifications.links`).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # The workspace it is about (none for what concerns the person alone).
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    type = models.CharField(max_length=32, choices=NotificationType.choices)
    title = models.CharField(max_length=200)
    message = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    # NULL, not "", for "no dedupe": the partial unique constraint must ignore those rows.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=models.Q(dedupe_key__isnull=False),
                name="notification_dedupe",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
