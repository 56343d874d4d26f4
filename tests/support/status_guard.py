"""Fails any test in which product code writes a post target's status other than through `move_targets`.

Installed on every database connection the suite opens (DBOS worker threads included). A status write is an
UPDATE of `posts_posttarget` that sets "status", or an INSERT of a target in any state but draft. Writes made by
test code itself (setting up a state) are allowed; the nearest project frame on the stack decides who wrote.
"""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db.backends.signals import connection_created

from tidings.posts import lifecycle

SRC = str(Path(lifecycle.__file__).resolve().parents[1])
TESTS = str(Path(__file__).resolve().parents[1])
TABLE = '"posts_posttarget"'
violations: list[str] = []


def _writes_status(sql: str, params: Any) -> bool:
    head = sql.lstrip()[:200].upper()
    if head.startswith(f"UPDATE {TABLE.upper()}"):
        return '"status"' in sql.split(" WHERE ", 1)[0]
    if head.startswith(f"INSERT INTO {TABLE.upper()}"):
        columns = [c.strip().strip('"') for c in sql[sql.index("(") + 1 : sql.index(")")].split(",")]
        if "status" not in columns or not params:
            return False
        values = list(params)
        index = columns.index("status")
        if "UNNEST" in sql.upper():  # PostgreSQL's bulk insert sends one array per column
            return any(value != "draft" for value in values[index])
        return any(values[i] != "draft" for i in range(index, len(values), len(columns)))
    return False


def _written_by_product() -> str | None:
    """The product frame that issued the write, or None when test code (or nothing of ours) did."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(TESTS):
            return None
        if filename.startswith(SRC):
            return f"{filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


def guard(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    if not lifecycle.is_moving() and _writes_status(sql, params):
        where = _written_by_product()
        if where is not None:
            violations.append(f"{where}: {sql[:200]}")
    return execute(sql, params, many, context)


def _install(sender: Any, connection: Any, **kwargs: Any) -> None:
    if guard not in connection.execute_wrappers:
        connection.execute_wrappers.append(guard)


def install_everywhere() -> None:
    from django.db import connections

    connection_created.connect(_install, weak=False)
    for connection in connections.all(initialized_only=True):
        _install(None, connection)
