"""`tokens/refresh.expiring`: refresh the tokens that run out soon, ahead of the posts that need them."""

from datetime import datetime, timedelta
from typing import Any

from dbos import DBOS

from tidings.jobs.models import JobStatus
from tidings.jobs.workflows.steps import current_workflow_id, finish_job_log, orm_step, start_job_log
from tidings.platforms import connect

EVENT = "tokens/refresh.expiring"
# The cron runs every 10 minutes: a token is refreshed up to three times before it would run out.
WITHIN = timedelta(minutes=30)


@orm_step("tokens.expiring_accounts")
def _expiring(now: datetime) -> list[int]:
    return connect.expiring_account_ids(now=now, within=WITHIN)


@orm_step("tokens.refresh_account")
def _refresh(account_id: int) -> str:
    return connect.refresh_account(account_id)


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
    finish_job_log(workflow_id, JobStatus.COMPLETED, result=counts)
