"""The unique-email migration applies to a database filled before it, where one address may have many accounts."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("accounts", "0002_low_credits_alerted_cycle")
AFTER = ("accounts", "0003_unique_email")


@pytest.mark.django_db(transaction=True)
def test_the_first_account_keeps_a_shared_email_and_later_ones_lose_it() -> None:
    executor = MigrationExecutor(connection)
    # Back to before workspaces too: at accounts 0002 there were none, so people made there get theirs on the way
    # forward, as every person did.
    executor.migrate([BEFORE, ("workspaces", None)])
    try:
        old = executor.loader.project_state([BEFORE]).apps.get_model("accounts", "User")
        for username, email in [
            ("first", "Dana@example.com"),
            ("second", "dana@EXAMPLE.com"),
            ("third", "dana@example.com"),
            ("eve", "eve@example.com"),
            ("staff1", ""),
            ("staff2", ""),
        ]:
            old.objects.create(username=username, email=email, password="!")
        executor = MigrationExecutor(connection)
        executor.migrate([AFTER])
        new = executor.loader.project_state([AFTER]).apps.get_model("accounts", "User")
        assert dict(new.objects.values_list("username", "email")) == {
            "first": "Dana@example.com",
            "second": "",
            "third": "",
            "eve": "eve@example.com",
            "staff1": "",
            "staff2": "",
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
