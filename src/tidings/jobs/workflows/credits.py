"""The credit jobs: `credits/check.expiry`, `credits/reset.monthly`, `credits/check.low`."""

from datetime import datetime
from typing import Any

from dbos import DBOS
from django.db import transaction

from tidings.credits import alerts, renewal
from tidings.credits.services import lock_workspace
from tidings.jobs.models import JobStatus
from tidings.jobs.workflows.steps import current_workflow_id, finish_job_log, orm_step, start_job_log
from tidings.workspaces.models import Workspace

BATCH = 1000


@orm_step("credits.notify_expiring")
def _notify_expiring(now: datetime) -> int:
    return alerts.notify_expiring_credits(now=now)


@DBOS.workflow(name="credits/check.expiry")
def check_credit_expiry(scheduled_at: datetime, context: Any = None) -> None:
    """Warn the workspaces whose unused credits will expire at their renewal in the next three days."""
    workflow_id = current_workflow_id()
    start_job_log("credits/check.expiry", workflow_id, {})
    warned = _notify_expiring(scheduled_at)
    finish_job_log(workflow_id, JobStatus.COMPLETED, result={"warned": warned})


@orm_step("credits.renew_chunk")
def _renew_chunk(*, now: datetime, after_id: int, limit: int) -> renewal.RenewalChunk:
    return renewal.renew_due_chunk(now=now, after_id=after_id, limit=limit)


@DBOS.workflow(name="credits/reset.monthly")
def reset_monthly_credits(scheduled_at: datetime, context: Any = None) -> None:
    """Renew every workspace whose cycle is due, a checkpointed chunk at a time; renewing is idempotent per cycle,
    so a chunk that runs again after a crash changes nothing twice."""
    workflow_id = current_workflow_id()
    start_job_log("credits/reset.monthly", workflow_id, {})
    renewed = renewal.renew_due_workspaces(now=scheduled_at, batch_size=BATCH, run_chunk=_renew_chunk)
    finish_job_log(workflow_id, JobStatus.COMPLETED, result={"renewed": renewed})


@orm_step("credits.check_low")
def _check_low(workspace_id: int) -> bool:
    """Under the workspace's lock, as every other check: the once-per-cycle memo is read and written in one
    place."""
    if not Workspace.objects.filter(pk=workspace_id).exists():
        return False
    with transaction.atomic():
        return alerts.check_low_credits(lock_workspace(workspace_id))


@DBOS.workflow(name="credits/check.low")
def check_low_credits(at: datetime, data: Any = None) -> None:
    """Notify one workspace whose available credits fell to 20% of the monthly amount (once per cycle)."""
    workspace_id = int((data or {})["workspace_id"])
    workflow_id = current_workflow_id()
    start_job_log("credits/check.low", workflow_id, {"workspace_id": workspace_id}, workspace_id=workspace_id)
    notified = _check_low(workspace_id)
    finish_job_log(workflow_id, JobStatus.COMPLETED, result={"notified": notified})
