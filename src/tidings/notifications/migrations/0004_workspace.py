"""A notification names the workspace it is about; it stays addressed to its person."""

from django.db import migrations, models

from tidings.workspaces.migration_ops import add_workspace

WS = ("workspaces", "0003_plan_and_balances")


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_post_review"), WS]

    operations = add_workspace("notification", "notifications_notification", related_name="notifications", null=True)
