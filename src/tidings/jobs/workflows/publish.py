"""`post/scheduled.process`: publish one post target, and the dispatcher that starts it when it is due.

A successful publish is one step, so one checkpoint: check and mark (one transaction), the platform call, then the
completion (published, credit consumed, usage counted and job log closed in one transaction). A crash between the
platform's answer and the completion leaves the send in doubt (`sending_since`), exactly as a crash before a
checkpoint would, and the step's next run resolves it the same way.
"""

from datetime import datetime
from typing import Any

from dbos import DBOS, EnqueueOptions
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from tidings.jobs import runtime
from tidings.jobs.models import JobLog, JobStatus
from tidings.jobs.queues import publish_queue
from tidings.jobs.workflows.steps import current_workflow_id, orm_step
from tidings.posts import publishing
from tidings.posts.models import PostTarget, TargetStatus, publish_workflow_id

EVENT = "post/scheduled.process"


def _log(workflow_id: str, target_id: int, status: JobStatus, *, outcome: str = "", error: str = "") -> None:
    """Move the run's job log on; part of the caller's transaction. Runs started by send-event have no row yet."""
    now = timezone.now()
    fields: dict[str, Any] = {"status": status}
    if status == JobStatus.RUNNING:
        fields["started_at"] = now
    else:
        fields["finished_at"] = now
        fields["error"] = error[:5000]
        fields["data"] = {"target_id": target_id, "outcome": outcome}
    if not JobLog.objects.filter(workflow_id=workflow_id).update(**fields):
        fields.setdefault("data", {"target_id": target_id})
        JobLog.objects.create(event=EVENT, workflow_id=workflow_id, **fields)


@orm_step("publish.attempt")
def _attempt(target_id: int, workflow_id: str) -> dict[str, Any]:
    """Begin, send and, when published, complete. The outcome says `completed` so the workflow knows not to."""
    with transaction.atomic():
        begin = publishing.begin_publish(target_id)
        if begin.first:
            _log(workflow_id, target_id, JobStatus.RUNNING)
    if begin.action != "publish":
        return {"kind": begin.action, "message": begin.reason}
    # The platform call takes far longer than the database work around it: give the connection back to the pool
    # meanwhile, so a pool smaller than the worker's concurrency does not make publishes wait for each other.
    close_old_connections()
    outcome = publishing.send_target(target_id, first=begin.first, target=begin.target, content=begin.content)
    result = outcome.as_dict()
    if outcome.kind == "published":
        _complete_published(target_id, workflow_id, outcome.external_id, outcome.url)
        result["completed"] = True
    return result


def _complete_published(target_id: int, workflow_id: str, external_id: str, url: str) -> None:
    with transaction.atomic():
        publishing.complete_publish(target_id, external_id=external_id, url=url)
        _log(workflow_id, target_id, JobStatus.COMPLETED, outcome="published")


@orm_step("publish.complete")
def _complete(target_id: int, workflow_id: str, external_id: str, url: str) -> None:
    """The completion as a step of its own: only for attempts recorded before `_attempt` completed publishes."""
    _complete_published(target_id, workflow_id, external_id, url)


@orm_step("publish.end")
def _end(target_id: int, workflow_id: str, ending: str, reason: str) -> str:
    """Settle a target that will not be published: skipped, failed, unconfirmed, or nothing to do."""
    with transaction.atomic():
        if ending == "fail" and publishing.has_unresolved_send(target_id):
            ending = "unconfirmed"
            reason = f"{reason} An earlier attempt got no answer, so the post may have been published."
        if ending == "unconfirmed":
            publishing.mark_unconfirmed(target_id, reason=reason)
        elif ending == "skip":
            publishing.finish_unsuccessfully(target_id, status=TargetStatus.SKIPPED, reason=reason)
        elif ending == "fail":
            publishing.finish_unsuccessfully(target_id, status=TargetStatus.FAILED, reason=reason)
        job_status = {"done": JobStatus.CANCELLED, "fail": JobStatus.FAILED}.get(ending, JobStatus.COMPLETED)
        outcome = {"done": "nothing to do", "skip": "skipped", "fail": "failed"}.get(ending, ending)
        _log(workflow_id, target_id, job_status, outcome=outcome, error=reason if ending == "fail" else "")
    return outcome


@orm_step("publish.reconnect")
def _needs_reconnect(target_id: int, reason: str) -> None:
    publishing.mark_account_for_reconnect(target_id, reason=reason)


@orm_step("publish.extend_lease")
def _extend_lease(target_id: int, seconds: float) -> None:
    publishing.extend_lease(target_id, seconds=seconds)


@orm_step("publish.resend_safe")
def _can_resend_after_unknown(target_id: int) -> bool:
    platform = PostTarget.objects.values_list("platform", flat=True).get(pk=target_id)
    return publishing.can_resend_after_unknown(platform)


@DBOS.workflow(name=EVENT)
def process_scheduled_post(target_id: int) -> str:
    """Publish one target: transient errors retry with exponential backoff, a rate limit waits its Retry-After,
    an auth error marks the account for reconnect and skips, and the final state always settles the credit."""
    workflow_id = current_workflow_id()
    retries = rate_limit_waits = 0
    while True:
        outcome = _attempt(target_id, workflow_id)
        kind, message = outcome["kind"], outcome["message"]
        if kind == "published":
            if not outcome.get("completed"):
                # An attempt recorded by the earlier two-step version of this workflow: replay takes this branch
                # for it, so its history still matches, and completes the publish as that version did.
                _complete(target_id, workflow_id, outcome["external_id"], outcome["url"])
            return "published"
        if kind in ("done", "skip", "fail"):
            return _end(target_id, workflow_id, kind, message)
        if kind == "unknown" and not _can_resend_after_unknown(target_id):
            return _end(target_id, workflow_id, "unconfirmed", message)
        if kind in ("transient", "unknown"):
            retries += 1
            if retries > settings.TIDINGS_PUBLISH_RETRIES:
                return _end(target_id, workflow_id, "fail", f"Gave up after {retries} attempts: {message}")
            _wait(target_id, settings.TIDINGS_PUBLISH_BACKOFF_SECONDS * 2 ** (retries - 1))
            continue
        if kind == "rate_limited":
            rate_limit_waits += 1
            if rate_limit_waits > settings.TIDINGS_PUBLISH_MAX_RATE_LIMIT_WAITS:
                return _end(target_id, workflow_id, "fail", f"The platform kept asking us to slow down: {message}")
            _wait(target_id, float(outcome["retry_after"]))
            continue
        if kind == "auth":
            _needs_reconnect(target_id, message)
            return _end(target_id, workflow_id, "skip", f"{message} The account needs reconnecting.")
        return _end(target_id, workflow_id, "fail", message)


def _wait(target_id: int, seconds: float) -> None:
    """A durable sleep: a restart during the wait resumes it rather than starting over."""
    _extend_lease(target_id, seconds)
    DBOS.sleep(seconds)


def enqueue_publish(target_id: int, platform: str, dispatch_round: int = 0) -> None:
    """Start one target's workflow on its platform's queue; a second start of the same round is a no-op."""
    enqueue_publishes([(target_id, platform, dispatch_round)])


def enqueue_publishes(targets: list[tuple[int, str, int]]) -> None:
    """Enqueue many publish workflows in one system-database transaction (one commit, not one per target)."""
    if not targets:
        return
    client = runtime.client()
    with runtime.system_database_writer().begin() as connection:
        for target_id, platform, dispatch_round in targets:
            options: EnqueueOptions = {
                "workflow_name": EVENT,
                "queue_name": publish_queue(platform),
                "workflow_id": publish_workflow_id(target_id, dispatch_round),
                "app_version": runtime.APPLICATION_VERSION,
            }
            client.enqueue_in_transaction(connection, options, target_id)


@orm_step("dispatch.claim")
def _claim_and_enqueue() -> int:
    """Claim due targets, open their job logs, and enqueue their workflows. A crash between the claim and the
    enqueue leaves targets queued without a workflow; the stale sweep starts them once their lease runs out."""
    with transaction.atomic():
        claimed = publishing.claim_due_targets(limit=settings.TIDINGS_DISPATCH_BATCH)
        JobLog.objects.bulk_create(
            [
                JobLog(event=EVENT, workflow_id=publish_workflow_id(pk, rnd), data={"target_id": pk})
                for pk, _, rnd in claimed
            ],
            ignore_conflicts=True,
        )
    enqueue_publishes(claimed)
    return len(claimed)


@orm_step("dispatch.stale")
def _redrive_stale() -> int:
    """Targets held past their lease: start their workflow if it is missing; fail them if it ended abnormally."""
    missing = []
    for target_id, platform, dispatch_round in publishing.stale_targets(limit=settings.TIDINGS_DISPATCH_BATCH):
        status = DBOS.get_workflow_status(publish_workflow_id(target_id, dispatch_round))
        if status is None:
            missing.append((target_id, platform, dispatch_round))
        elif status.status in ("ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED", "SUCCESS"):
            publishing.finish_unsuccessfully(
                target_id,
                status=TargetStatus.FAILED,
                reason=f"The publishing job ended without a result ({status.status.lower()}); retry the post.",
            )
    enqueue_publishes(missing)
    return len(missing)


@DBOS.workflow(name="post/dispatch")
def dispatch_due_posts(scheduled_at: datetime, context: Any) -> None:
    """The cron that turns due rows into workflows. The posts table decides *when*; DBOS runs *how*."""
    for _ in range(20):
        if _claim_and_enqueue() < settings.TIDINGS_DISPATCH_BATCH:
            break
    _redrive_stale()
