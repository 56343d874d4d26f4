from django.db import models


class BackupKind(models.TextChoices):
    MANUAL = "manual", "tidings backup"
    NIGHTLY = "nightly", "nightly"


class BackupRecord(models.Model):
    """An archive `tidings backup` wrote: when, where, and which generated secrets it holds (by sha256).

    Kept in the database rather than beside the archives so that every web process of a cluster can say how old the
    last backup is. A restore records the archive it came from: the restored keys are in it.
    """

    created_at = models.DateTimeField(db_index=True)
    location = models.CharField(max_length=1000, unique=True)
    kind = models.CharField(max_length=10, choices=BackupKind.choices)
    database_included = models.BooleanField()
    secrets = models.JSONField(default=dict)
    size_bytes = models.PositiveBigIntegerField()
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} backup {self.created_at:%Y-%m-%d %H:%M} {self.location}"
