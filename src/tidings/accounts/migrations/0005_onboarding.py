from django.db import migrations, models
from django.db.models import F


def existing_users_chose_their_zone(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Users from before the checklist picked their time zone on the sign-up form."""
    apps.get_model("accounts", "User").objects.update(time_zone_confirmed_at=F("date_joined"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_video_credits"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="onboarding_dismissed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="time_zone_confirmed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(existing_users_chose_their_zone, migrations.RunPython.noop),
    ]
