"""Daily usage is counted per workspace."""

from django.conf import settings
from django.db import migrations, models

from tidings.workspaces.migration_ops import replace_user

WS = ("workspaces", "0003_plan_and_balances")


class Migration(migrations.Migration):
    dependencies = [("usage", "0001_initial"), WS, migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.RemoveConstraint("dailyusage", "daily_usage_unique"),
        *replace_user(
            "dailyusage",
            "usage_dailyusage",
            user_field=models.ForeignKey(
                on_delete=models.CASCADE, related_name="daily_usage", to=settings.AUTH_USER_MODEL
            ),
            related_name="daily_usage",
        ),
        migrations.AddConstraint(
            "dailyusage",
            models.UniqueConstraint(fields=("workspace", "day", "metric", "platform"), name="daily_usage_unique"),
        ),
    ]
