"""Thousands of rows in one query parameter: a JSON array of arrays that PostgreSQL and SQLite both read as a table.

Set-based writes (the monthly renewal) send a chunk's computed values this way instead of a placeholder per value:
the database driver adapts one string instead of tens of thousands of parameters, which is what a many-row
`VALUES` list costs most. Each row is read back as `j.value ->> N` (both databases have the operator).
"""

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

# The table expression, with one placeholder for the JSON text, whose rows have one column: `j.value`.
_TABLE = {
    "postgresql": "json_array_elements(CAST(%s AS json)) AS j(value)",
    "sqlite": "json_each(%s) AS j",
}
# How a timestamp sent as text becomes the column's type (SQLite keeps Django's text form as it is).
_TIMESTAMP = {"postgresql": "CAST({} AS timestamptz)", "sqlite": "{}"}


def json_table(connection: BaseDatabaseWrapper) -> str:
    return _TABLE[connection.vendor]


def json_timestamp(connection: BaseDatabaseWrapper, expression: str) -> str:
    return _TIMESTAMP[connection.vendor].format(expression)


def timestamp_text(connection: BaseDatabaseWrapper, moment: datetime) -> str:
    """A moment as the text the database stores for it (UTC on SQLite, with its offset on PostgreSQL)."""
    return str(connection.ops.adapt_datetimefield_value(moment))


def dump_rows(rows: Iterable[Sequence[Any]]) -> str:
    return json.dumps(list(rows), separators=(",", ":"))
