from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from tidings.accounts.models import NO_CYCLE_YET, default_time_zone, one_month_from_now, validate_time_zone
from tidings.tiers.plans import Limits, Tier, resolve_limits, validate_tier_limits
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

    # The plan and its balances. `credits` is the balance; the ledger in `credits` is its history.
    tier = models.CharField(max_length=16, choices=[(t.value, t.name.title()) for t in Tier], default=Tier.FREE)
    # The zone of the workspace's days (the daily limits) and of the wall-clock times its posts are planned in.
    time_zone = models.CharField(max_length=64, default=default_time_zone, validators=[validate_time_zone])
    credits = models.IntegerField(default=0)
    # The second balance: a post whose media includes a video spends one of these instead of a credit.
    video_credits = models.IntegerField(default=0)
    # The cycle repeats monthly from the anchor; last_credit_reset is the start of the current cycle.
    credit_cycle_anchor = models.DateTimeField(default=timezone.now)
    last_credit_reset = models.DateTimeField(default=timezone.now)
    next_credit_reset = models.DateTimeField(default=one_month_from_now, db_index=True)
    tier_limits = models.JSONField(default=dict, blank=True, validators=[validate_tier_limits])
    # The start of the cycle whose low-credit alert has been sent: the alert goes once per cycle, so the publish
    # path reads this off the row it already locks instead of looking the notification up on every post.
    low_credits_alerted_cycle = models.DateTimeField(null=True, blank=True, editable=False)
    low_video_credits_alerted_cycle = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(credits__gte=0), name="workspace_credits_not_negative"),
            models.CheckConstraint(
                condition=models.Q(video_credits__gte=0), name="workspace_video_credits_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def limits(self) -> Limits:
        return resolve_limits(self.tier, self.tier_limits)

    @property
    def awaiting_first_cycle(self) -> bool:
        """A personal workspace whose owner has not confirmed their email: no cycle, no credits, no renewal date."""
        return self.next_credit_reset >= NO_CYCLE_YET

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


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


class Invitation(models.Model):
    """An emailed link to join a workspace with a role: for one address, single use, until it expires. Only the
    SHA-256 of its secret is stored, as for API tokens."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=[(r.value, r.label) for r in Role if r != Role.OWNER])
    secret_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} to {self.workspace_id} as {self.role}"

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now
