from django.db import models


class Review(models.TextChoices):
    """What happens to the posts a rule writes: scheduled at once, or proposed for a member's approval (their
    credits and queue places held until an approver decides)."""

    NONE = "none", "Schedule them straight away"
    REVIEW_FIRST = "review_first", "Wait for an approver (credits held meanwhile)"


class RunOutcome(models.TextChoices):
    NONE = "", "Not run yet"
    SCHEDULED = "scheduled", "Scheduled"
    REVIEW = "review", "Waiting for review"
    DRAFT = "draft", "Kept as a draft"
    FAILED = "failed", "Failed"


# The outcomes that tell the user something went wrong (and notify them, once per rule and cause).
FAILURES = (RunOutcome.DRAFT, RunOutcome.FAILED)


class AutomationRule(models.Model):
    """Write and schedule posts on a recurring schedule from a standing brief."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="automation_rules")
    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=False)
    # One or more five-field crons in the workspace's time zone, separated by "; ", for example "0 9 * * 1,4".
    schedule = models.CharField(max_length=200)
    brief = models.JSONField(default=dict, blank=True, help_text="Topic, tone, audience, call to action, ...")
    accounts = models.ManyToManyField("platforms.SocialAccount", blank=True, related_name="automation_rules")
    review = models.CharField(max_length=16, choices=Review.choices, default=Review.NONE)
    # Per-platform post options for what the rule writes, keyed by platform, validated like a post's.
    platform_options = models.JSONField(default=dict, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    # What the last finished run did, and why when it did not schedule its post (shown on the rule).
    last_outcome = models.CharField(max_length=16, choices=RunOutcome.choices, default=RunOutcome.NONE, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_post = models.ForeignKey(
        "posts.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The last run's."
    )
    # The cause of the current run of failures and when it began: a failure notifies once per rule and cause
    # until a run succeeds again.
    failure_cause = models.CharField(max_length=100, blank=True, default="")
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["workspace", "enabled"], name="rule_workspace_enabled_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def failed(self) -> bool:
        return self.last_outcome in FAILURES
