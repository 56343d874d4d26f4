"""Every person who signed up before workspaces gets the personal workspace a new sign-up gets, as its owner."""

from django.db import migrations


def give_everyone_a_workspace(apps, schema_editor):  # type: ignore[no-untyped-def]
    User = apps.get_model("accounts", "User")
    Workspace = apps.get_model("workspaces", "Workspace")
    Membership = apps.get_model("workspaces", "Membership")
    for user in User.objects.filter(personal_workspace__isnull=True).iterator():
        name = f"{' '.join(p for p in (user.first_name, user.last_name) if p) or user.username}'s workspace"
        workspace = Workspace.objects.create(name=name[:100], personal_owner=user)
        Membership.objects.create(workspace=workspace, user=user, role="owner")


class Migration(migrations.Migration):
    dependencies = [("workspaces", "0001_workspaces")]
    operations = [migrations.RunPython(give_everyone_a_workspace, migrations.RunPython.noop)]
