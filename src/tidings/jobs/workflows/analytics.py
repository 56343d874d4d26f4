"""`analytics/metrics.sync`: read the counts of published posts that are due, within the platforms' quotas and
without taking what publishing needs (`tidings.analytics.reads` says how).

Each read is its own step, so a restart goes on after the reads already made; a read that fails for a reason no
platform error explains is logged and left to its claim, which brings it back in a few minutes.
"""

import logging
from datetime import datetime
from typing import Any

from dbos import DBOS
from django.conf import settings

from tidings.analytics import reads, services
from tidings.jobs.models import JobStatus
from tidings.jobs.workflows.steps import current_workflow_id, finish_job_log, orm_step, start_job_log

EVENT = "analytics/metrics.sync"
logger = logging.getLogger("tidings.analytics")


@orm_step("analytics.claim_reads")
def _claim(now_iso: str) -> list[int]:
    return reads.claim_reads(now=datetime.fromisoformat(now_iso), limit=settings.TIDINGS_METRICS_BATCH)


@orm_step("analytics.sync_metrics")
def _sync(target_id: int) -> str:
    try:
        metrics = services.sync_metrics(target_id)
    except Exception:
        logger.exception("metrics.error target=%s", target_id)
        return "error"
    if metrics is None:
        return "gone"
    return "failed" if metrics.last_error else "synced"


@DBOS.workflow(name=EVENT)
def sync_due_metrics(scheduled_at: datetime, context: Any = None) -> None:
    """One tick: claim the reads that fit, then make them one by one. A tick with nothing due leaves no job log
    (there is one a minute); one that reads records how each read went."""
    claimed = _claim(scheduled_at.isoformat())
    if not claimed:
        return
    counts = {"claimed": len(claimed), "synced": 0, "failed": 0, "error": 0, "gone": 0}
    workflow_id = current_workflow_id()
    start_job_log(EVENT, workflow_id, {})
    for target_id in claimed:
        counts[_sync(target_id)] += 1
    finish_job_log(workflow_id, JobStatus.COMPLETED, result=counts)
