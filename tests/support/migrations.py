"""The previous release's schema, for the upgrade tests: git commit 0bcc802, where each app had only its first
migration. Apps that did not exist then are not migrated at all in that state."""

from typing import Any

from django.db.migrations.loader import MigrationLoader

PREVIOUS_RELEASE = dict.fromkeys(
    ("accounts", "api", "automation", "credits", "generation", "jobs", "notifications", "platforms", "posts", "usage"),
    "0001_initial",
)


def our_apps(loader: MigrationLoader) -> list[str]:
    """The product's apps that have migrations (Django's own and third parties' are left as they are)."""
    return sorted({app for (app, _), migration in loader.disk_migrations.items() if is_ours(migration)})


def is_ours(migration: object) -> bool:
    return type(migration).__module__.startswith("tidings.")


def previous_release(loader: MigrationLoader) -> list[tuple[str, str | None]]:
    """Targets for MigrationExecutor.migrate: each app back to its state at the previous release (None: unapplied)."""
    return [(app, PREVIOUS_RELEASE.get(app)) for app in our_apps(loader)]


def previous_release_state(loader: MigrationLoader) -> Any:
    """The models as the previous release had them (historical models, for writing rows the way it wrote them)."""
    return loader.project_state([(app, name) for app, name in previous_release(loader) if name is not None]).apps


def latest(loader: MigrationLoader) -> list[tuple[str, str]]:
    return loader.graph.leaf_nodes()
