"""Housekeeping: DBOS keeps every finished workflow forever unless told otherwise; the nightly backup."""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dbos import DBOS
from django.conf import settings

from tidings.jobs.workflows.steps import orm_step
from tidings.ops.backup import create_backup, prune_backups
from tidings.ops.models import BackupKind

PAGE = 1000


@DBOS.step(name="maintenance.delete_old_workflows")
def _delete_page(cutoff_iso: str) -> int:
    old = DBOS.list_workflows(
        status=["SUCCESS", "ERROR", "CANCELLED"],
        completed_before=cutoff_iso,
        limit=PAGE,
        load_input=False,
        load_output=False,
    )
    ids = [status.workflow_id for status in old]
    if ids:
        DBOS.delete_workflows(ids)
    return len(ids)


@DBOS.workflow(name="maintenance/cleanup")
def cleanup_finished_workflows(scheduled_at: datetime, context: Any) -> None:
    """Delete finished workflows older than TIDINGS_WORKFLOW_RETENTION_DAYS (job logs in our tables stay)."""
    cutoff = (scheduled_at - timedelta(days=settings.TIDINGS_WORKFLOW_RETENTION_DAYS)).isoformat()
    while _delete_page(cutoff) > 0:
        pass


@contextmanager
def one_backup_at_a_time(folder: Path) -> Iterator[None]:
    """Nightly runs overlap when a schedule is backfilled or catches up; one run's pruning must not delete the
    archive another is still recording. A lock on the folder itself (no lock file among the operator's files)
    holds across worker processes on this machine."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@orm_step("maintenance.backup")
def _back_up(directory: str, tick_iso: str, keep: int) -> str:
    """Named by the tick, so a step run again after a crash rewrites the same archive rather than adding one."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    with one_backup_at_a_time(folder):
        made = create_backup(folder, kind=BackupKind.NIGHTLY, at=datetime.fromisoformat(tick_iso))
        prune_backups(folder, keep=keep)
    return str(made.path)


@DBOS.workflow(name="maintenance/backup")
def back_up_nightly(scheduled_at: datetime, context: Any) -> None:
    """A dated `tidings backup` into TIDINGS_BACKUP_DIR, keeping the newest TIDINGS_BACKUP_KEEP."""
    if settings.TIDINGS_BACKUP_DIR:
        _back_up(settings.TIDINGS_BACKUP_DIR, scheduled_at.isoformat(), settings.TIDINGS_BACKUP_KEEP)
