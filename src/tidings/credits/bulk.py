"""The renewal's set-based reads and writes: a chunk's pending reservations in one aggregate, its ledger rows in one
INSERT ... SELECT and its balances and cycle dates in one UPDATE ... FROM, each fed by one JSON parameter.

Standard SQL that PostgreSQL and SQLite (3.35+) both run; tables and columns are the credits' and workspaces'.
The caller holds the locks of every workspace it passes.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache, partial

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from tidings.core.jsonrows import dump_rows, json_table, json_timestamp, timestamp_text
from tidings.credits.models import ReservationStatus

_PENDING = (
    'SELECT "workspace_id", "balance", SUM("amount") FROM "credits_creditreservation" '
    'WHERE "status" = %s AND "workspace_id" IN (SELECT CAST(j.value ->> 0 AS bigint) FROM {table}) '
    'GROUP BY "workspace_id", "balance"'
)
_INSERT_LEDGER = (
    'INSERT INTO "credits_creditledgerentry" '
    '("workspace_id", "kind", "balance", "amount", "balance_after", "cycle_start", "reason", "created_at") '
    "SELECT CAST(j.value ->> 0 AS bigint), j.value ->> 1, j.value ->> 2, CAST(j.value ->> 3 AS integer), "
    "CAST(j.value ->> 4 AS integer), {cycle_start}, j.value ->> 6, %s FROM {table}"
)
_UPDATE_WORKSPACES = (
    'UPDATE "workspaces_workspace" SET "credits" = CAST(j.value ->> 1 AS integer), '
    '"video_credits" = CAST(j.value ->> 2 AS integer), "last_credit_reset" = {last}, "next_credit_reset" = {next} '
    'FROM {table} WHERE "workspaces_workspace"."id" = CAST(j.value ->> 0 AS bigint)'
)

# A ledger row as the chunk computes it: workspace, kind, balance, amount, balance after, cycle start, reason.
LedgerRow = tuple[int, str, str, int, int, datetime | None, str]
# A workspace's new state: id, credits, video credits, cycle start, next cycle start.
WorkspaceRow = tuple[int, int, int, datetime, datetime]


def pending_totals(workspace_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """What the workspaces' pending reservations hold, per (workspace, balance)."""
    connection = transaction.get_connection()
    sql = _PENDING.format(table=json_table(connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(ReservationStatus.PENDING), dump_rows([pk] for pk in workspace_ids)])
        return {(pk, balance): int(total) for pk, balance, total in cursor.fetchall()}


def insert_ledger_rows(rows: Sequence[LedgerRow]) -> None:
    """Append the rows in the order given (their ids follow it, so each balance's history reads in order)."""
    connection = transaction.get_connection()
    sql = _INSERT_LEDGER.format(table=json_table(connection), cycle_start=json_timestamp(connection, "j.value ->> 5"))
    stamp = _stamps(connection)
    payload = dump_rows(
        (ws, kind, balance, amount, after, None if start is None else stamp(start), reason[:300])
        for ws, kind, balance, amount, after, start, reason in rows
    )
    with connection.cursor() as cursor:
        # The row source's placeholder comes after the creation time's in the statement.
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(timezone.now()), payload])


def update_workspaces(rows: Sequence[WorkspaceRow]) -> None:
    connection = transaction.get_connection()
    sql = _UPDATE_WORKSPACES.format(
        table=json_table(connection),
        last=json_timestamp(connection, "j.value ->> 3"),
        next=json_timestamp(connection, "j.value ->> 4"),
    )
    stamp = _stamps(connection)
    payload = dump_rows(
        (pk, credits, video, stamp(start), stamp(following)) for pk, credits, video, start, following in rows
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [payload])


def _stamps(connection: BaseDatabaseWrapper) -> Callable[[datetime], str]:
    """`timestamp_text` for one statement, remembering each moment (a chunk's rows share cycle starts)."""
    return cache(partial(timestamp_text, connection))
