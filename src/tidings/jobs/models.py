from django.db import models


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class JobLog(models.Model):
    """One run of a job under the product's event name, for the workspace and the staff dashboard."""

    event = models.CharField(max_length=64, help_text="For example post/scheduled.process.")
    workflow_id = models.CharField(max_length=200, blank=True, default="")
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.SET_NULL, null=True, blank=True, related_name="job_logs"
    )
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    data = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["event", "status"], name="joblog_event_status_idx"),
            # Runs that finished in a recent window, by status (the /metrics scrape).
            models.Index(fields=["status", "finished_at"], name="joblog_status_finished_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow_id"], condition=~models.Q(workflow_id=""), name="one_log_per_workflow"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.status}"
