"""What a backup's `manifest.json` says about its contents: versions, migration heads, row counts, unfinished work.

Read from the copies in the archive where it holds the databases (SQLite), else from the live database
(PostgreSQL, as a reference for the operator's own dump).
"""

import platform
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from django.apps import apps
from django.db.migrations.loader import MigrationLoader

import tidings

FORMAT = 1
# The tables whose row counts an operator compares after a restore.
COUNTED = (
    "accounts.User",
    "workspaces.Workspace",
    "workspaces.Membership",
    "credits.CreditLedgerEntry",
    "credits.CreditReservation",
    "platforms.SocialAccount",
    "posts.Post",
    "posts.PostTarget",
    "posts.MediaAsset",
    "automation.AutomationRule",
    "notifications.Notification",
    "jobs.JobLog",
)

Query = Callable[[str], Sequence[Sequence[Any]]]


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def versions() -> dict[str, str]:
    return {
        "tidings": tidings.__version__,
        "django": _version("django"),
        "dbos": _version("dbos"),
        "python": platform.python_version(),
    }


def _table(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def migration_heads(query: Query) -> dict[str, str]:
    """The newest applied migration of each app (Tidings' migrations are linear and numbered)."""
    heads: dict[str, str] = {}
    for app, name in query("SELECT app, name FROM django_migrations"):
        heads[app] = max(heads.get(app, ""), name)
    return dict(sorted(heads.items()))


def unknown_migrations(heads: dict[str, str]) -> list[str]:
    """Heads that this code does not have: the archive was made by a newer Tidings."""
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return [f"{app}.{name}" for app, name in heads.items() if (app, name) not in known and app in apps.app_configs]


# The table names below are our models' and DBOS's, never input: formatting them into SQL is safe.
def row_counts(query: Query) -> dict[str, Any]:
    counts: dict[str, Any] = {
        label: int(query(f'SELECT count(*) FROM "{_table(label)}"')[0][0])  # noqa: S608
        for label in COUNTED
    }
    rows = query(f'SELECT status, count(*) FROM "{_table("posts.PostTarget")}" GROUP BY status')  # noqa: S608
    counts["post targets by status"] = dict(sorted((str(status), int(n)) for status, n in rows))
    return counts


def workflows(query: Query, table: str) -> dict[str, Any]:
    """DBOS workflows by status, and whose the running ones are: an executor resumes only its own at start-up
    (enqueued ones have no executor yet; any worker takes them)."""
    by_status = {str(s): int(n) for s, n in query(f"SELECT status, count(*) FROM {table} GROUP BY status")}  # noqa: S608
    rows = query(
        f"SELECT executor_id, count(*) FROM {table} WHERE status = 'PENDING' AND executor_id IS NOT NULL "  # noqa: S608
        "GROUP BY executor_id"
    )
    return {"by status": dict(sorted(by_status.items())), "pending by executor": {str(e): int(n) for e, n in rows}}
