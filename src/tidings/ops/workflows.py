"""DBOS workflows for the staff dashboard, through the DBOS client only (web processes never launch DBOS)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tidings.core.errors import Conflict, DomainError, NotFound
from tidings.jobs import runtime

STATUSES = ("ENQUEUED", "DELAYED", "PENDING", "SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED")
# Still to run: counted whenever they started; finished ones only over the recent window.
UNFINISHED = ("ENQUEUED", "DELAYED", "PENDING")
RESUMABLE = ("PENDING", "ENQUEUED", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED")
CANCELLABLE = ("PENDING", "ENQUEUED", "DELAYED")
COUNT_CAP = 1000


class WorkflowStoreUnavailable(DomainError):
    code = "dbos_unavailable"


@dataclass(frozen=True)
class Workflow:
    workflow_id: str
    name: str
    status: str
    queue: str
    executor_id: str
    created_at: datetime | None
    updated_at: datetime | None
    recovery_attempts: int
    error: str

    @property
    def can_resume(self) -> bool:
        return self.status in RESUMABLE

    @property
    def can_cancel(self) -> bool:
        return self.status in CANCELLABLE


def _when(epoch_ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC) if epoch_ms else None


def _workflow(status: Any) -> Workflow:
    return Workflow(
        workflow_id=status.workflow_id,
        name=status.name or "",
        status=status.status,
        queue=status.queue_name or "",
        executor_id=status.executor_id or "",
        created_at=_when(status.created_at),
        updated_at=_when(status.updated_at),
        recovery_attempts=int(status.recovery_attempts or 0),
        error=str(status.error or "")[:500],
    )


def _list(**filters: Any) -> list[Any]:
    try:
        return runtime.client().list_workflows(load_input=False, load_output=False, **filters)
    except DomainError:
        raise
    except Exception as error:
        text = str(error)
        if "no such table" in text or "does not exist" in text:
            raise WorkflowStoreUnavailable(
                "DBOS has not created its tables yet: no worker has started on this database. Start "
                "`tidings worker` (or `tidings serve`) once."
            ) from None
        raise WorkflowStoreUnavailable(
            f"The DBOS system database cannot be read ({type(error).__name__}): {text[:200]}"
        ) from None


def counts_by_status(now: datetime, *, hours: int = 24) -> dict[str, int]:
    """Workflows per status: all unfinished ones, and those started in the last `hours` for the others. Each
    count stops at COUNT_CAP + 1 (shown as "1000+"): the dashboard must not read a huge table whole."""
    since = (now - timedelta(hours=hours)).isoformat()
    counts = {}
    for status in STATUSES:
        window = {} if status in UNFINISHED else {"start_time": since}
        counts[status] = len(_list(status=status, limit=COUNT_CAP + 1, **window))
    return counts


def stuck(now: datetime, *, older_than_minutes: int = 10, limit: int = 50) -> list[Workflow]:
    """Workflows that need a look: unfinished and untouched for a while, or ended in an error recently."""
    quiet_since = (now - timedelta(minutes=older_than_minutes)).isoformat()
    recent = (now - timedelta(hours=24)).isoformat()
    found = _list(status=["PENDING", "ENQUEUED"], end_time=quiet_since, limit=limit, sort_desc=True)
    found += _list(status=["ERROR", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"], start_time=recent, limit=limit, sort_desc=True)
    quiet_ms = (now - timedelta(minutes=older_than_minutes)).timestamp() * 1000
    return [
        _workflow(s)
        for s in found
        if s.status not in ("PENDING", "ENQUEUED") or (s.updated_at or s.created_at or 0) <= quiet_ms
    ]


def get_workflow(workflow_id: str) -> Workflow:
    found = _list(workflow_ids=[workflow_id], limit=1)
    if not found:
        raise NotFound(f"No workflow {workflow_id!r}.")
    return _workflow(found[0])


def resume_workflow(workflow_id: str) -> Workflow:
    """Continue a workflow from its last finished step (steps that completed do not run again)."""
    workflow = get_workflow(workflow_id)
    if not workflow.can_resume:
        raise Conflict(f"Workflow {workflow_id} is {workflow.status}; only unfinished or failed ones resume.")
    try:
        runtime.client().resume_workflow(workflow_id)
    except Exception as error:
        raise WorkflowStoreUnavailable(f"DBOS did not resume {workflow_id}: {str(error)[:200]}") from None
    return get_workflow(workflow_id)


def cancel_workflow(workflow_id: str) -> Workflow:
    """Stop a workflow at its next step. A publish workflow's target is then failed by the stale sweep, which
    releases its credit."""
    workflow = get_workflow(workflow_id)
    if not workflow.can_cancel:
        raise Conflict(f"Workflow {workflow_id} is {workflow.status}; only unfinished ones can be cancelled.")
    try:
        runtime.client().cancel_workflow(workflow_id)
    except Exception as error:
        raise WorkflowStoreUnavailable(f"DBOS did not cancel {workflow_id}: {str(error)[:200]}") from None
    return get_workflow(workflow_id)
