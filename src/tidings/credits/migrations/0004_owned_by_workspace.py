"""Credits, reservations and the ledger belong to the workspace (each user's rows to their personal one)."""

from django.conf import settings
from django.db import migrations, models

from tidings.workspaces.migration_ops import replace_user

WS = ("workspaces", "0003_plan_and_balances")


class Migration(migrations.Migration):
    dependencies = [("credits", "0003_video_credits"), WS, migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.RemoveIndex("creditreservation", "reservation_user_status_idx"),
        migrations.RemoveConstraint("creditledgerentry", "one_renewal_per_cycle_and_balance"),
        *replace_user(
            "creditreservation",
            "credits_creditreservation",
            user_field=models.ForeignKey(
                on_delete=models.CASCADE, related_name="reservations", to=settings.AUTH_USER_MODEL
            ),
            related_name="reservations",
        ),
        *replace_user(
            "creditledgerentry",
            "credits_creditledgerentry",
            user_field=models.ForeignKey(on_delete=models.CASCADE, related_name="ledger", to=settings.AUTH_USER_MODEL),
            related_name="ledger",
        ),
        migrations.AddIndex(
            "creditreservation", models.Index(fields=["workspace", "status"], name="reservation_ws_status_idx")
        ),
        migrations.AddConstraint(
            "creditledgerentry",
            models.UniqueConstraint(
                condition=models.Q(kind="renewal"),
                fields=("workspace", "cycle_start", "balance"),
                name="one_renewal_per_cycle_and_balance",
            ),
        ),
    ]
