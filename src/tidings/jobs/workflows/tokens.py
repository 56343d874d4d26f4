"""`tokens/refresh.expiring`: refresh the tokens that run out soon, ahead of the posts that need them, and warn the
owners of tokens that cannot be renewed before they run out."""

from datetime import datetime
from typing import Any

from dbos import DBOS

from tidings.jobs.models import JobStatus
from tidings.jobs.workflows.steps import current_workflow_id, finish_job_log, orm_step, start_job_log
from tidings.platforms import renewal

EVENT = "tokens/refresh.expiring"


@orm_step("tokens.expiring_accounts")
def _expiring(now: datetime) -> list[int]:
    # Each platform's lead (`refresh_ahead`) spans several of these 10-minute runs.
    return renewal.expiring_account_ids(now=now)


@orm_step("tokens.refresh_account")
def _refresh(account_id: int) -> str:
    return renewal.refresh_account(account_id)


@orm_step("tokens.warn_expiring")
def _warn(now: datetime) -> int:
    return renewal.warn_expiring_tokens(now=now)


@DBOS.workflow(name=EVENT)
def refresh_expiring_tokens(scheduled_at: datetime, context: Any = None) -> None:
    """Each account is its own step: a crash resumes after the accounts already refreshed, so no refresh token
    is spent twice (platforms that rotate them accept each one once)."""
    workflow_id = current_workflow_id()
    start_job_log(EVENT, workflow_id, {})
    counts = {"refreshed": 0, "reconnect_needed": 0, "failed": 0, "skipped": 0}
    for account_id in _expiring(scheduled_at):
        outcome = _refresh(account_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    counts["warned"] = _warn(scheduled_at)
    finish_job_log(workflow_id, JobStatus.COMPLETED, result=counts)
