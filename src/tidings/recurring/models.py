from django.conf import settings
from django.db import models


class Unit(models.TextChoices):
    DAY = "day", "days"
    WEEK = "week", "weeks"


class Recurrence(models.Model):
    """How a post repeats: every `every` days or weeks (on `weekdays`, Monday 0), at `at_time` on the workspace's
    wall clock, from `starts_on`, until a date or a number of posts. The post itself is the first occurrence; each
    repeat is a copy of it, made and scheduled a little ahead of its time, so each reserves its own credit then.
    `next_at` is the next occurrence not made yet (None when the series has ended)."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="recurrences")
    post = models.OneToOneField("posts.Post", on_delete=models.CASCADE, related_name="recurrence")
    # Repeats are scheduled as this person, so their role applies (a contributor's repeats are proposed).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    every = models.PositiveSmallIntegerField(default=1)
    unit = models.CharField(max_length=8, choices=Unit.choices, default=Unit.WEEK)
    weekdays = models.JSONField(default=list, blank=True)
    at_time = models.TimeField()
    starts_on = models.DateField()
    until = models.DateField(null=True, blank=True)
    # How many posts the series makes in all, the first included; None for no limit.
    count = models.PositiveIntegerField(null=True, blank=True)
    made = models.PositiveIntegerField(default=1)
    rewrite = models.BooleanField(default=False, help_text="Have the AI reword each repeat so no two are identical.")
    next_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.post_id} every {self.every} {self.unit}"


class RepeatOutcome(models.TextChoices):
    PENDING = "pending", "Being made"
    SCHEDULED = "scheduled", "Scheduled"
    PROPOSED = "proposed", "Waiting for approval"
    KEPT_AS_DRAFT = "draft", "Kept as a draft"
    MISSED = "missed", "Missed"


class Repeat(models.Model):
    """One occurrence of a series: claimed once (unique per time, so a step run again makes nothing twice), then
    made into a post, or missed or kept as a draft with the reason."""

    recurrence = models.ForeignKey(Recurrence, on_delete=models.CASCADE, related_name="repeats")
    occurs_at = models.DateTimeField()
    post = models.ForeignKey("posts.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=16, choices=RepeatOutcome.choices, default=RepeatOutcome.PENDING)
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recurrence", "occurs_at"], name="one_repeat_per_occurrence")]
        ordering = ["-occurs_at"]

    def __str__(self) -> str:
        return f"{self.recurrence_id} at {self.occurs_at:%Y-%m-%d %H:%M}"
