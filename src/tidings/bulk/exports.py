"""Exports as CSV: every post target with its outcome, and both credit balances' ledger. Rows are read in chunks and
written as they come, so a large workspace streams instead of being held in memory.

Every member may export (the queue and the ledger are on pages every member sees). A cell that a spreadsheet would
run as a formula (it starts with = + - @, a tab or a carriage return) is written with a leading apostrophe."""

import csv
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from django.http import StreamingHttpResponse

from tidings.bulk.models import ImportJob
from tidings.credits.models import CreditLedgerEntry
from tidings.posts.models import PostTarget
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

CHUNK = 500
POST_COLUMNS = (
    "post_id",
    "target_id",
    "text",
    "link",
    "account_id",
    "account",
    "platform",
    "status",
    "scheduled_at_local",
    "scheduled_at_utc",
    "published_at_local",
    "published_at_utc",
    "published_url",
    "error",
)
LEDGER_COLUMNS = (
    "time_local",
    "time_utc",
    "balance",
    "kind",
    "amount",
    "balance_after",
    "reason",
    "post_id",
    "target_id",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as text, defused for spreadsheets (OWASP "CSV Injection"); a number stays a number."""
    if isinstance(value, int):
        return str(value)
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _times(workspace: Workspace, at: datetime | None) -> tuple[str, str]:
    """(local with its offset, UTC): the offset keeps a time in the hour that happens twice unambiguous."""
    if at is None:
        return "", ""
    local = at.astimezone(workspace.zone).isoformat(timespec="seconds")
    return local, at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def post_rows(actor: Actor) -> Iterator[list[object]]:
    """One row per target (a post on one account), posts oldest first."""
    actor.require(Action.VIEW)
    workspace = actor.workspace
    yield list(POST_COLUMNS)
    targets = (
        PostTarget.objects.filter(post__workspace=workspace).select_related("post", "account").order_by("post_id", "pk")
    )
    for target in targets.iterator(chunk_size=CHUNK):
        yield [
            target.post_id,
            target.pk,
            target.text,
            target.post.link,
            target.account_id,
            # As an import names it: it goes back into a file as it is, and "@handle" alone would be defused.
            f"{target.platform}:{target.account.handle}",
            target.platform,
            target.status,
            *_times(workspace, target.scheduled_at),
            *_times(workspace, target.published_at),
            target.safe_external_url,
            target.error,
        ]


def ledger_rows(actor: Actor) -> Iterator[list[object]]:
    """Every entry of both balances, oldest first, with the post and target a consume or release was for."""
    actor.require(Action.VIEW)
    workspace = actor.workspace
    yield list(LEDGER_COLUMNS)
    entries = (
        CreditLedgerEntry.objects.filter(workspace=workspace)
        .select_related("reservation__target")
        .order_by("created_at", "pk")
    )
    for entry in entries.iterator(chunk_size=CHUNK):
        target = entry.reservation.target if entry.reservation else None
        yield [
            *_times(workspace, entry.created_at),
            entry.balance,
            entry.kind,
            entry.amount,
            entry.balance_after,
            entry.reason,
            target.post_id if target else "",
            target.pk if target else "",
        ]


def report_rows(job: ImportJob) -> Iterator[list[object]]:
    """An import's report: each row of the file, whether it was created (and as which post) or why not."""
    yield ["row", "result", "post_id", "reason"]
    for line in job.outcomes:
        result = "created" if line.get("created") else ("ready" if line.get("ok") else "refused")
        yield [line["row"], result, line.get("post_id") or "", line.get("reason", "")]


class _Line:
    """A file-like object whose write returns what is written: csv.writer then yields one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[object]]) -> Iterator[str]:
    """The rows as CSV lines, every cell defused; a byte order mark first so spreadsheets read UTF-8."""
    writer = csv.writer(_Line())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def csv_download(rows: Iterator[list[object]], file_name: str) -> StreamingHttpResponse:
    """A streamed CSV attachment. The first row is taken here, so a refusal (the role check) raises before any
    byte is sent."""
    header = next(rows)
    response = StreamingHttpResponse(csv_lines(_prepend(header, rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def _prepend(first: list[object], rest: Iterator[list[object]]) -> Iterator[list[object]]:
    yield first
    yield from rest
