"""Connected accounts belong to the workspace; a pending connection also keeps who signed in."""

from django.conf import settings
from django.db import migrations, models

from tidings.workspaces.migration_ops import add_workspace, replace_user

WS = ("workspaces", "0003_plan_and_balances")


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0002_account_options_pending_connection"),
        WS,
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint("socialaccount", "one_connection_per_account"),
        migrations.RemoveIndex("socialaccount", "account_user_platform_idx"),
        *replace_user(
            "socialaccount",
            "platforms_socialaccount",
            user_field=models.ForeignKey(
                on_delete=models.CASCADE, related_name="social_accounts", to=settings.AUTH_USER_MODEL
            ),
            related_name="social_accounts",
        ),
        migrations.AddConstraint(
            "socialaccount",
            models.UniqueConstraint(fields=("workspace", "platform", "external_id"), name="one_connection_per_account"),
        ),
        migrations.AddIndex(
            "socialaccount",
            models.Index(fields=["workspace", "platform", "status"], name="account_workspace_platform_idx"),
        ),
        *add_workspace("pendingconnection", "platforms_pendingconnection", related_name="pending_connections"),
    ]
