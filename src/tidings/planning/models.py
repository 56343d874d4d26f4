"""The posting schedule: weekly wall-clock slots that "Add to queue" fills, for one account or the whole workspace."""

from django.db import models


class PostingSlot(models.Model):
    """A weekday and a local time in the workspace's zone. With no account, the slot is the workspace's schedule,
    used by every account that has no slots of its own."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="posting_slots")
    account = models.ForeignKey(
        "platforms.SocialAccount", on_delete=models.CASCADE, null=True, blank=True, related_name="posting_slots"
    )
    weekday = models.PositiveSmallIntegerField(help_text="0 is Monday, 6 is Sunday.")
    time = models.TimeField(help_text="Wall-clock time in the workspace's time zone.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["weekday", "time", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "account", "weekday", "time"], name="one_slot_per_account_time"
            ),
            # NULLs are distinct in a unique constraint: the workspace-wide schedule needs its own.
            models.UniqueConstraint(
                fields=["workspace", "weekday", "time"],
                condition=models.Q(account__isnull=True),
                name="one_workspace_slot_per_time",
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="slot_weekday_in_week"),
        ]

    def __str__(self) -> str:
        return f"Slot {self.weekday} {self.time:%H:%M} in {self.workspace_id}"
