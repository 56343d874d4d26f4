"""`automation/rule.execute`: write a rule's posts with its workspace's AI provider and schedule them (or hold them
for review)."""

from datetime import datetime
from typing import Any

from dbos import DBOS, EnqueueOptions
from django.utils import timezone

from tidings.automation import feeds
from tidings.automation import services as automation
from tidings.automation.models import RunOutcome
from tidings.core.errors import DomainError
from tidings.jobs import runtime
from tidings.jobs.models import JobStatus
from tidings.jobs.queues import JOBS_QUEUE
from tidings.jobs.workflows.steps import current_workflow_id, finish_job_log, orm_step, start_job_log

EVENT = automation.EVENT


@orm_step("automation.write")
def _write(rule_id: int, run_at: datetime, manual: bool) -> dict[str, Any]:
    try:
        return {"drafts": automation.write_rule_posts(rule_id, manual=manual)}
    except DomainError as refusal:
        automation.record_rule_failure(rule_id, refusal, run_at=run_at)
        return {"refused": refusal.as_dict()}


@orm_step("automation.feed")
def _fetch_feed(rule_id: int, run_at: datetime, manual: bool) -> dict[str, Any]:
    try:
        return {"items": feeds.refresh_feed(rule_id, manual=manual)}
    except DomainError as refusal:
        automation.record_rule_failure(rule_id, refusal, run_at=run_at)
        return {"refused": refusal.as_dict()}


@orm_step("automation.feed_item")
def _post_item(rule_id: int, item_id: int, manual: bool) -> dict[str, Any]:
    try:
        post = feeds.post_feed_item(rule_id, item_id, manual=manual)
    except DomainError as refusal:
        automation.record_rule_failure(rule_id, refusal)
        return {"refused": refusal.as_dict()}
    if post is None:
        return {}
    return {"post_id": post.pk, "outcome": automation.last_outcome(rule_id), "draft_reason": post.draft_reason}


def _watch_feed(workflow_id: str, rule_id: int, items: list[int], manual: bool) -> None:
    """Each waiting item becomes a post, one step each; a refusal to write stops the run (the rest would meet it
    too) and the items left wait for the next run."""
    posts: list[int] = []
    errors: list[str] = []
    for item_id in items:
        result = _post_item(rule_id, item_id, manual)
        if "refused" in result:
            errors.append(result["refused"]["message"])
            break
        if "post_id" in result:
            posts.append(result["post_id"])
            if result["outcome"] == RunOutcome.DRAFT:
                errors.append(result["draft_reason"])
    summary = {"items": len(items), "post_ids": posts, **({"post_id": posts[-1]} if posts else {})}
    if errors:
        finish_job_log(workflow_id, JobStatus.FAILED, result=summary, error=errors[0])
    else:
        finish_job_log(workflow_id, JobStatus.COMPLETED, result=summary)


@orm_step("automation.schedule")
def _schedule(rule_id: int, run_at: datetime, drafts: list[dict[str, Any]], manual: bool) -> dict[str, Any]:
    try:
        post = automation.schedule_rule_post(rule_id, run_at=run_at, drafts=drafts, manual=manual)
    except DomainError as refusal:
        automation.record_rule_failure(rule_id, refusal, run_at=run_at)
        return {"refused": refusal.as_dict()}
    return {
        "post_id": post.pk,
        "scheduled": post.scheduled_at is not None,
        "outcome": automation.last_outcome(rule_id),
        "draft_reason": post.draft_reason,
    }


@DBOS.workflow(name=EVENT)
def execute_automation_rule(at: datetime, data: Any = None) -> None:
    """Check the plan allows automation, write the posts (one from the brief, or one per new item of the rule's
    feed), schedule them (reserving credits) or hold them for review. Every refusal is recorded on the job log and
    the rule; a post that cannot be scheduled stays a draft with the reason. A manual run ("Run now") runs a
    paused rule too."""
    rule_id = int((data or {})["rule_id"])
    run_at = datetime.fromisoformat(data["run_at"]) if data.get("run_at") else at
    manual = bool(data.get("manual"))
    workflow_id = current_workflow_id()
    start_job_log(EVENT, workflow_id, {"rule_id": rule_id, "run_at": run_at.isoformat(), "manual": manual})
    feed = _fetch_feed(rule_id, run_at, manual)
    if "refused" in feed:
        finish_job_log(workflow_id, JobStatus.FAILED, result=feed, error=feed["refused"]["message"])
        return
    if feed["items"] is not None:
        _watch_feed(workflow_id, rule_id, feed["items"], manual)
        return
    written = _write(rule_id, run_at, manual)
    if "refused" in written:
        finish_job_log(workflow_id, JobStatus.FAILED, result=written, error=written["refused"]["message"])
        return
    result = _schedule(rule_id, run_at, written["drafts"], manual)
    if "refused" in result:
        finish_job_log(workflow_id, JobStatus.FAILED, result=result, error=result["refused"]["message"])
    elif result["outcome"] == RunOutcome.DRAFT:
        finish_job_log(workflow_id, JobStatus.FAILED, result=result, error=result["draft_reason"])
    else:
        finish_job_log(workflow_id, JobStatus.COMPLETED, result=result)


@orm_step("automation.claim")
def _claim_and_enqueue() -> int:
    claimed = automation.claim_due_rules()
    if not claimed:
        return 0
    client = runtime.client()
    with runtime.system_database_writer().begin() as connection:
        for rule_id, run_at in claimed:
            options: EnqueueOptions = {
                "workflow_name": EVENT,
                "queue_name": JOBS_QUEUE,
                "workflow_id": f"rule-{rule_id}-{run_at.isoformat()}",
                "app_version": runtime.APPLICATION_VERSION,
            }
            client.enqueue_in_transaction(
                connection, options, timezone.now(), {"rule_id": rule_id, "run_at": run_at.isoformat()}
            )
    return len(claimed)


@DBOS.workflow(name="automation/dispatch")
def dispatch_due_rules(scheduled_at: datetime, context: Any) -> None:
    """Every minute: start each enabled rule whose time has come, once per run time."""
    _claim_and_enqueue()
