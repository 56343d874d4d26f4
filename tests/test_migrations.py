"""Migrations: none missing, each one reversible or marked irreversible on purpose, and the way back to the
previous release's schema and forward again works on a real database (SQLite and PostgreSQL).

A migration that cannot be undone says so with a module-level `IRREVERSIBLE = "why"` (docs/deployment.md):
going back past it then needs the backup taken before the upgrade.
"""

import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, migrations, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation

from tests.support.migrations import is_ours, latest, previous_release


@pytest.mark.django_db
def test_every_model_change_has_a_migration() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def irreversible_without_a_reason(migration: migrations.Migration) -> list[str]:
    """The operations of `migration` that cannot be undone, unless its module says why with IRREVERSIBLE."""
    reason = getattr(sys.modules[type(migration).__module__], "IRREVERSIBLE", "")
    if isinstance(reason, str) and reason.strip():
        return []
    return [
        f"{migration.app_label}.{migration.name}: {op.describe()}" for op in migration.operations if not op.reversible
    ]


def test_every_migration_is_reversible_or_says_why_not() -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = [migration for migration in loader.disk_migrations.values() if is_ours(migration)]
    assert len(ours) >= 10
    problems = [problem for migration in ours for problem in irreversible_without_a_reason(migration)]
    assert not problems, "Give these a reverse, or IRREVERSIBLE = '<why>' in their module:\n" + "\n".join(problems)


def example(*operations: Operation) -> migrations.Migration:
    migration_class = type("Migration", (migrations.Migration,), {"operations": list(operations)})
    return migration_class("0099_example", "posts")


def test_the_check_catches_a_data_migration_without_a_reverse() -> None:
    def forward(apps: object, schema_editor: object) -> None:
        pass

    assert irreversible_without_a_reason(example(migrations.RunPython(forward), migrations.RunSQL("SELECT 1"))) == [
        "posts.0099_example: Raw Python operation",
        "posts.0099_example: Raw SQL operation",
    ]
    index = models.Index(fields=["created_at"], name="example_idx")
    reversible = example(migrations.RunPython(forward, migrations.RunPython.noop), migrations.AddIndex("post", index))
    assert irreversible_without_a_reason(reversible) == []


@pytest.mark.django_db(transaction=True)
def test_back_to_the_previous_release_and_forward_again() -> None:
    executor = MigrationExecutor(connection)
    newest, previous = latest(executor.loader), previous_release(executor.loader)
    try:
        executor.migrate(previous)
        executor = MigrationExecutor(connection)
        applied = {key for key in executor.loader.applied_migrations if is_ours(executor.loader.graph.nodes[key])}
        assert applied == {(app, name) for app, name in previous if name is not None}
        tables = connection.introspection.table_names()
        assert "posts_posttarget" in tables
        assert "posts_publishattempt" not in tables  # new since the previous release
        executor.migrate(newest)
        executor = MigrationExecutor(connection)
        assert executor.migration_plan(newest) == []
        assert "posts_publishattempt" in connection.introspection.table_names()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
