"""Generation logs and a bring-your-own AI provider belong to the workspace."""

from django.conf import settings
from django.db import migrations, models

from tidings.workspaces.migration_ops import replace_user

WS = ("workspaces", "0003_plan_and_balances")


class Migration(migrations.Migration):
    dependencies = [("generation", "0002_metrics_index"), WS, migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.RemoveIndex("generationlog", "generation_user_created_idx"),
        *replace_user(
            "generationlog",
            "generation_generationlog",
            user_field=models.ForeignKey(
                on_delete=models.CASCADE, related_name="generation_logs", to=settings.AUTH_USER_MODEL
            ),
            related_name="generation_logs",
        ),
        migrations.AddIndex(
            "generationlog", models.Index(fields=["workspace", "created_at"], name="generation_ws_created_idx")
        ),
        *replace_user(
            "aiproviderconfig",
            "generation_aiproviderconfig",
            user_field=models.OneToOneField(
                on_delete=models.CASCADE, related_name="ai_provider", to=settings.AUTH_USER_MODEL
            ),
            related_name="ai_provider",
            one_to_one=True,
        ),
    ]
