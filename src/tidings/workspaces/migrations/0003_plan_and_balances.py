"""The plan, the balances and their cycle, and the time zone of the days, move from the person to their personal
workspace (accounts' 0006 then drops them from the person)."""

import django.utils.timezone
from django.db import migrations, models

import tidings.accounts.models
import tidings.tiers.plans

MOVED = (
    "tier",
    "time_zone",
    "credits",
    "video_credits",
    "credit_cycle_anchor",
    "last_credit_reset",
    "next_credit_reset",
    "tier_limits",
    "low_credits_alerted_cycle",
    "low_video_credits_alerted_cycle",
)


def copy_from_people(apps, schema_editor):  # type: ignore[no-untyped-def]
    Workspace = apps.get_model("workspaces", "Workspace")
    # A person made without one since 0002 (`createsuperuser` made none) gets theirs now: every row a person owns
    # moves to their personal workspace next, and their plan and balances with it.
    User, Membership = apps.get_model("accounts", "User"), apps.get_model("workspaces", "Membership")
    for user in User.objects.filter(personal_workspace__isnull=True).iterator():
        name = f"{' '.join(p for p in (user.first_name, user.last_name) if p) or user.username}'s workspace"
        workspace = Workspace.objects.create(name=name[:100], personal_owner=user)
        Membership.objects.create(workspace=workspace, user=user, role="owner")
    for workspace in Workspace.objects.filter(personal_owner__isnull=False).select_related("personal_owner"):
        for name in MOVED:
            setattr(workspace, name, getattr(workspace.personal_owner, name))
        workspace.save(update_fields=MOVED)
    if schema_editor.connection.vendor == "postgresql":
        # Check the keys of the rows written here now: PostgreSQL alters no table with checks still pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def copy_back_to_owners(apps, schema_editor):  # type: ignore[no-untyped-def]
    Workspace = apps.get_model("workspaces", "Workspace")
    for workspace in Workspace.objects.filter(personal_owner__isnull=False).select_related("personal_owner"):
        owner = workspace.personal_owner
        for name in MOVED:
            setattr(owner, name, getattr(workspace, name))
        owner.save(update_fields=MOVED)


class Migration(migrations.Migration):
    dependencies = [("workspaces", "0002_personal_workspaces"), ("accounts", "0005_onboarding")]

    operations = [
        migrations.AddField(
            "workspace",
            "tier",
            models.CharField(
                choices=[("free", "Free"), ("pro", "Pro"), ("business", "Business")], default="free", max_length=16
            ),
        ),
        migrations.AddField(
            "workspace",
            "time_zone",
            models.CharField(
                default=tidings.accounts.models.default_time_zone,
                max_length=64,
                validators=[tidings.accounts.models.validate_time_zone],
            ),
        ),
        migrations.AddField("workspace", "credits", models.IntegerField(default=0)),
        migrations.AddField("workspace", "video_credits", models.IntegerField(default=0)),
        migrations.AddField(
            "workspace", "credit_cycle_anchor", models.DateTimeField(default=django.utils.timezone.now)
        ),
        migrations.AddField("workspace", "last_credit_reset", models.DateTimeField(default=django.utils.timezone.now)),
        migrations.AddField(
            "workspace",
            "next_credit_reset",
            models.DateTimeField(db_index=True, default=tidings.accounts.models.one_month_from_now),
        ),
        migrations.AddField(
            "workspace",
            "tier_limits",
            models.JSONField(blank=True, default=dict, validators=[tidings.tiers.plans.validate_tier_limits]),
        ),
        migrations.AddField(
            "workspace", "low_credits_alerted_cycle", models.DateTimeField(blank=True, editable=False, null=True)
        ),
        migrations.AddField(
            "workspace", "low_video_credits_alerted_cycle", models.DateTimeField(blank=True, editable=False, null=True)
        ),
        migrations.RunPython(copy_from_people, copy_back_to_owners),
        migrations.AddConstraint(
            "workspace", models.CheckConstraint(condition=models.Q(credits__gte=0), name="workspace_credits_not_negative")
        ),
        migrations.AddConstraint(
            "workspace",
            models.CheckConstraint(condition=models.Q(video_credits__gte=0), name="workspace_video_credits_not_negative"),
        ),
    ]
