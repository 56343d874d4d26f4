"""A job's log names the workspace it ran for."""

from django.conf import settings
from django.db import migrations, models

from tidings.workspaces.migration_ops import replace_user

WS = ("workspaces", "0003_plan_and_balances")


class Migration(migrations.Migration):
    dependencies = [("jobs", "0002_metrics_index"), WS, migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = replace_user(
        "joblog",
        "jobs_joblog",
        user_field=models.ForeignKey(
            blank=True, null=True, on_delete=models.SET_NULL, related_name="job_logs", to=settings.AUTH_USER_MODEL
        ),
        related_name="job_logs",
        null=True,
        keep=True,
    )
