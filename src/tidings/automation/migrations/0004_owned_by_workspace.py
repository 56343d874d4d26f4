"""Automation rules belong to the workspace."""

from django.conf import settings
from django.db import migrations, models

from tidings.workspaces.migration_ops import replace_user

WS = ("workspaces", "0003_plan_and_balances")


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0003_automationrule_platform_options"),
        WS,
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex("automationrule", "rule_user_enabled_idx"),
        *replace_user(
            "automationrule",
            "automation_automationrule",
            user_field=models.ForeignKey(
                on_delete=models.CASCADE, related_name="automation_rules", to=settings.AUTH_USER_MODEL
            ),
            related_name="automation_rules",
        ),
        migrations.AddIndex(
            "automationrule", models.Index(fields=["workspace", "enabled"], name="rule_workspace_enabled_idx")
        ),
    ]
