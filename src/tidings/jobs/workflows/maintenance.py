"""Housekeeping: DBOS keeps every finished workflow forever unless told otherwise."""

from datetime import datetime, timedelta
from typing import Any

from dbos import DBOS
from django.conf import settings

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
