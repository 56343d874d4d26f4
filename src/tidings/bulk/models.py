from django.conf import settings
from django.db import models


class ImportStatus(models.TextChoices):
    # Checked and shown to the person; nothing created yet.
    PREVIEWED = "previewed", "Previewed"
    # Being created: claimed by one commit, so a second click creates nothing twice.
    RUNNING = "running", "Creating"
    # The rows that passed were created (or refused at commit, each with its reason).
    DONE = "done", "Done"


class ImportJob(models.Model):
    """One CSV file brought into a workspace: who sent it, when, the file as sent, and what became of each row.

    The file is kept from the preview to the commit, so "Create N posts" creates from the very rows the person saw
    checked; `outcomes` is the per-row report (row number, created or refused, the reason, the post made)."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="imports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="imports"
    )
    file_name = models.CharField(max_length=255)
    content = models.TextField()
    rows = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    # The row numbers that passed the preview: the commit creates only these (and re-checks each).
    accepted = models.JSONField(default=list, blank=True)
    # One dict per row: {"row", "created", "reason", "post_id"}.
    outcomes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "created_at"], name="import_workspace_created_idx")]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.file_name}, {self.status})"

    @property
    def created_count(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.get("created"))

    @property
    def refused_count(self) -> int:
        return sum(1 for outcome in self.outcomes if not outcome.get("created"))
