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


class FeedMode(models.TextChoices):
    """How a watched feed's new items become posts."""

    AI = "ai", "The AI writes a post from each item"
    VERBATIM = "verbatim", "Post each item's title and link as they are"


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
    # A watched feed (RSS or Atom): each new item becomes a post, instead of one post per run from the brief.
    feed_url = models.URLField(max_length=2000, blank=True, default="")
    feed_mode = models.CharField(max_length=16, choices=FeedMode.choices, default=FeedMode.AI)
    # The last good fetch's validators (sent back for a conditional GET), its time, and why the last fetch failed.
    feed_etag = models.CharField(max_length=500, blank=True, default="")
    feed_last_modified = models.CharField(max_length=100, blank=True, default="")
    feed_fetched_at = models.DateTimeField(null=True, blank=True)
    last_feed_error = models.CharField(max_length=500, blank=True, default="")
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


class FeedItem(models.Model):
    """An item a rule's feed has shown, recorded once per rule and key: the row is what keeps an item from ever
    becoming two posts. `post` is set in the transaction that creates the item's post; `skipped` items were in
    the feed before the rule watched it."""

    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="feed_items")
    # The item's guid or id, else its link, else a hash of its title and link.
    key = models.CharField(max_length=500)
    title = models.CharField(max_length=500, blank=True, default="")
    link = models.URLField(max_length=2000, blank=True, default="")
    summary = models.TextField(blank=True, default="")
    published = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(auto_now_add=True)
    skipped = models.BooleanField(default=False)
    post = models.ForeignKey("posts.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-seen_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="one_feed_item_per_rule_key")]

    def __str__(self) -> str:
        return self.title or self.link or self.key
