from django.db import models


class Metric(models.TextChoices):
    POSTS = "posts", "Published posts"
    GENERATIONS = "generations", "AI generations"


class DailyUsage(models.Model):
    """How much a workspace did on one of its local calendar days; `platform` is blank for metrics without one."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="daily_usage")
    day = models.DateField()
    metric = models.CharField(max_length=16, choices=Metric.choices)
    platform = models.CharField(max_length=32, blank=True, default="")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "day", "metric", "platform"], name="daily_usage_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.day} {self.metric} {self.platform or '-'}: {self.count}"
