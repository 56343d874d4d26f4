"""`recurring/repeats.make`: every few minutes, make the repeats whose time is within the lead."""

from datetime import datetime
from typing import Any

from dbos import DBOS

from tidings.jobs.models import JobStatus
from tidings.jobs.workflows.steps import current_workflow_id, finish_job_log, orm_step, start_job_log
from tidings.recurring import repeats


@orm_step("recurring.claim")
def _claim(now: datetime) -> list[int]:
    claimed = (repeats.claim_repeat(series_id, now=now) for series_id in repeats.due_series(now=now))
    return [repeat_id for repeat_id in claimed if repeat_id is not None]


@orm_step("recurring.make")
def _make(repeat_id: int) -> str:
    return repeats.make_repeat(repeat_id)


@DBOS.workflow(name="recurring/repeats.make")
def make_due_repeats(scheduled_at: datetime, context: Any = None) -> None:
    """Claim each due series' next occurrence in one step, then make each repeat in a step of its own, so a crash
    resumes with the ones not made yet (and claiming again finds nothing twice)."""
    workflow_id = current_workflow_id()
    start_job_log("recurring/repeats.make", workflow_id, {})
    outcomes = [_make(repeat_id) for repeat_id in _claim(scheduled_at)]
    finish_job_log(workflow_id, JobStatus.COMPLETED, result={"made": len(outcomes)})
