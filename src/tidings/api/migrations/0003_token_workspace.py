"""A token acts in one workspace: those made before act in their person's own."""

from django.db import migrations, models

from tidings.workspaces.migration_ops import add_workspace

WS = ("workspaces", "0003_plan_and_balances")


class Migration(migrations.Migration):
    dependencies = [("api", "0002_apitoken_parent"), WS]

    operations = add_workspace("apitoken", "api_apitoken", related_name="api_tokens")
