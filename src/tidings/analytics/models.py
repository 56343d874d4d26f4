from django.db import models

from tidings.posts.models import PostTarget


class CountFields(models.Model):
    """The engagement counts a platform reports. NULL means the platform does not give that count to this app,
    which is never the same as zero and must never be shown as zero."""

    likes = models.PositiveBigIntegerField(null=True, blank=True)
    # Reposts, shares, reblogs, saves (Pinterest): the post passed on by someone else.
    reposts = models.PositiveBigIntegerField(null=True, blank=True)
    # Replies or comments.
    replies = models.PositiveBigIntegerField(null=True, blank=True)
    # Quote posts (Bluesky, Threads, X).
    quotes = models.PositiveBigIntegerField(null=True, blank=True)
    # Views, impressions or plays, as the platform counts them.
    views = models.PositiveBigIntegerField(null=True, blank=True)
    clicks = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        abstract = True


class TargetMetrics(CountFields):
    """The latest counts of one published target (a reading that gives none leaves those known before), and when
    to read them again."""

    target = models.OneToOneField(PostTarget, on_delete=models.CASCADE, related_name="metrics")
    fetched_at = models.DateTimeField(null=True, blank=True)
    # NULL once the post is too old to follow (or the platform will never give counts).
    next_fetch_at = models.DateTimeField(null=True, blank=True)
    # Why some or all counts are missing: the platform, the app's access or the scopes the user granted.
    unavailable_reason = models.TextField(blank=True, default="")
    # The last read that failed (the platform's words); cleared by the next read that works.
    last_error = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["next_fetch_at"], name="metrics_next_fetch_idx")]

    def __str__(self) -> str:
        return f"Metrics of target {self.target_id}"


class MetricsSample(CountFields):
    """The counts as read at one moment: the time series behind the charts."""

    target = models.ForeignKey(PostTarget, on_delete=models.CASCADE, related_name="metric_samples")
    fetched_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["target", "fetched_at"], name="metrics_sample_target_idx")]

    def __str__(self) -> str:
        return f"Sample of target {self.target_id} at {self.fetched_at:%Y-%m-%d %H:%M}"
