from django.conf import settings
from django.db import models

from tidings.workspaces.roles import Role


class Workspace(models.Model):
    """Where work is done and paid for: it owns the plan, credits, accounts, posts and rules; people join it as
    members with a role. Every person has a personal workspace, so one person alone works as if there were none."""

    name = models.CharField(max_length=100)
    # The person whose own workspace this is (made at sign-up); null for one made to share.
    personal_owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="personal_workspace",
    )
    # Every post waits for an approver before it is scheduled (contributors' posts always do).
    posts_need_approval = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=[(r.value, r.label) for r in Role])
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_person"),
            models.UniqueConstraint(
                fields=["workspace"], condition=models.Q(role=Role.OWNER), name="one_owner_per_workspace"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.workspace_id} as {self.role}"
