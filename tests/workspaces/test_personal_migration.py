"""The migration that brings workspaces gives everyone already signed up their personal workspace."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0005_onboarding"), ("workspaces", "0001_workspaces")]
AFTER = [("accounts", "0005_onboarding"), ("workspaces", "0002_personal_workspaces")]


@pytest.mark.django_db(transaction=True)
def test_each_existing_person_becomes_the_owner_of_their_own_workspace() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps.get_model("accounts", "User")
        old.objects.create(username="dana", first_name="Dana", last_name="Scully", password="!")
        old.objects.create(username="eve", password="!")
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        rows = apps.get_model("workspaces", "Membership").objects.values_list(
            "user__username", "role", "workspace__name", "workspace__personal_owner__username"
        )
        assert sorted(rows) == [
            ("dana", "owner", "Dana Scully's workspace", "dana"),
            ("eve", "owner", "eve's workspace", "eve"),
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
