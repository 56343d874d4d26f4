"""`post/scheduled.process`: publish one post target, and the dispatcher that starts it when it is due.

A successful publish is one step, so one checkpoint: check and mark (one transaction), the platform call, then the
completion (published, credit consumed, usage counted and job log closed in one transaction). A crash between the
platform's answer and the completion leaves the send in doubt (`sending_since`), exactly as a crash before a
checkpoint would, and the step's next run resolves it the same way.
"""

import logging
from datetime import datetime
from typing import Any

from dbos import DBOS, EnqueueOptions, SetEnqueueOptions, SetWorkflowID
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from tidings.jobs import runtime
from tidings.jobs.models import JobLog, JobStatus
from tidings.jobs.queues import publish_queue
from tidings.jobs.workflows.steps import current_workflow_id, orm_step
from tidings.posts import publishing, unconfirmed
from tidings.posts.models import PostTarget, TargetStatus, publish_workflow_id

EVENT = "post/scheduled.process"
logger = logging.getLogger("tidings.publish")


FINISHED_LOGS = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


def _log(workflow_id: str, target_id: int, status: JobStatus, *, outcome: str = "", error: str = "") -> None:
    """Move the run's job log on; part of the caller's transaction. Runs started by send-event have no row yet.

    A finished log is never rewritten as "cancelled": a step replayed after a crash finds its target already
    settled ("nothing to do"), and that says nothing about how the run really ended.
    """
    now = timezone.now()
    fields: dict[str, Any] = {"status": status}
    if status == JobStatus.RUNNING:
        fields["started_at"] = now
    else:
        fields["finished_at"] = now
        fields["error"] = error[:5000]
        fields["data"] = {"target_id": target_id, "outcome": outcome}
    logs = JobLog.objects.filter(workflow_id=workflow_id)
    if status == JobStatus.CANCELLED:
        logs = logs.exclude(status__in=FINISHED_LOGS)
        if JobLog.objects.filter(workflow_id=workflow_id, status__in=FINISHED_LOGS).exists():
            return
    if not logs.update(**fields):
        fields.setdefault("data", {"target_id": target_id})
        JobLog.objects.create(event=EVENT, workflow_id=workflow_id, **fields)


@orm_step("publish.attempt")
def _attempt(target_id: int, workflow_id: str) -> dict[str, Any]:
    """Begin, send and, when published, complete, in one step (one checkpoint for a successful publish)."""
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
    if outcome.kind == "published":
        with transaction.atomic():
            publishing.complete_publish(
                target_id, external_id=outcome.external_id, url=outcome.url, notice=outcome.notice
            )
            _log(workflow_id, target_id, JobStatus.COMPLETED, outcome="published")
    return outcome.as_dict()


ENDINGS = {"skip": TargetStatus.SKIPPED, "fail": TargetStatus.FAILED, "unconfirmed": TargetStatus.UNCONFIRMED}


@orm_step("publish.end")
def _end(target_id: int, workflow_id: str, ending: str, reason: str) -> str:
    """Settle a target that will not be published; `publishing.end_target` decides how it really ends (a send in
    doubt ends unconfirmed whatever followed it)."""
    with transaction.atomic():
        ended = publishing.end_target(target_id, status=ENDINGS[ending], reason=reason) if ending in ENDINGS else ""
        outcome = {"skipped": "skipped", "failed": "failed", "unconfirmed": "unconfirmed"}.get(ended, "nothing to do")
        job_status = {"failed": JobStatus.FAILED, "nothing to do": JobStatus.CANCELLED}.get(
            outcome, JobStatus.COMPLETED
        )
        _log(workflow_id, target_id, job_status, outcome=outcome, error=reason if outcome == "failed" else "")
    return outcome


@orm_step("publish.reconnect")
def _needs_reconnect(target_id: int, reason: str) -> None:
    publishing.mark_account_for_reconnect(target_id, reason=reason)


@orm_step("publish.extend_lease")
def _extend_lease(target_id: int, seconds: float) -> None:
    publishing.extend_lease(target_id, seconds=seconds)


@orm_step("publish.resend_safe")
def _can_resend_after_unknown(target_id: int) -> bool:
    return publishing.can_resend_after_unknown(target_id)


@orm_step("publish.hold_for_check")
def _hold_for_check(target_id: int, seconds: float) -> str:
    """Keep the target from looking stale until its next check; the platform, whose queue the check runs on."""
    publishing.extend_lease(target_id, seconds=seconds)
    return PostTarget.objects.values_list("platform", flat=True).get(pk=target_id)


@DBOS.workflow(name=EVENT)
def process_scheduled_post(target_id: int, carried: dict[str, Any] | None = None) -> str:
    """Publish one target: transient errors retry with exponential backoff, a rate limit waits its Retry-After,
    media still processing is checked again later by a continuation of this run (`_check_later`), an auth error
    marks the account for reconnect and skips, and the final state always settles the credit.

    `carried` is a continuation's: the run's own workflow id (its job log) and counts so far.
    """
    run = carried or {"workflow_id": current_workflow_id(), "retries": 0, "rate_limit_waits": 0, "checks": 0}
    workflow_id = str(run["workflow_id"])
    retries, rate_limit_waits = int(run["retries"]), int(run["rate_limit_waits"])
    while True:
        outcome = _attempt(target_id, workflow_id)
        kind, message = outcome["kind"], outcome["message"]
        if kind == "published":
            return "published"
        if kind == "processing":
            if int(run["checks"]) >= MAX_CHECKS:
                return _end(target_id, workflow_id, "fail", f"Gave up after {MAX_CHECKS} checks: {message}")
            counts = {"retries": retries, "rate_limit_waits": rate_limit_waits}
            return _check_later(target_id, {**run, **counts}, float(outcome["retry_after"]))
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


CHECKING = "waiting for the platform"
# Each connector bounds its own total wait (`waiting.Patience.most`); this only stops a run that never ends.
MAX_CHECKS = 200


def _check_later(target_id: int, run: dict[str, Any], seconds: float) -> str:
    """End this run and enqueue its continuation to start in `seconds`, on the same queue.

    A workflow in `DBOS.sleep` keeps its place in the queue's concurrency (measured in
    tests/jobs/test_processing_waits.py): a delayed enqueue gives the slot to other posts meanwhile. The
    continuation's id follows from the run's, so a replay after a crash finds it rather than making another; what
    the platform made so far waits on the target (`progress`).
    """
    run = {**run, "checks": int(run["checks"]) + 1}
    platform = _hold_for_check(target_id, seconds)
    check_id = check_workflow_id(str(run["workflow_id"]), run["checks"])
    with SetWorkflowID(check_id), SetEnqueueOptions(delay_seconds=seconds, app_version=runtime.APPLICATION_VERSION):
        DBOS.enqueue_workflow(publish_queue(platform), process_scheduled_post, target_id, run)
    return CHECKING


def check_workflow_id(workflow_id: str, check: int) -> str:
    return f"{workflow_id}-check-{check}"


def latest_check(workflow_id: str) -> Any:
    """The newest continuation of a run that handed back to wait for processing, or None."""
    found = DBOS.list_workflows(
        workflow_id_prefix=f"{workflow_id}-check-", sort_desc=True, limit=1, load_input=False, load_output=False
    )
    return found[0] if found else None


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


ABNORMAL_ENDS = ("ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED", "SUCCESS")


@orm_step("dispatch.stale")
def _redrive_stale() -> int:
    """Targets held past their lease: start their workflow if it is missing, resume it on a live worker if its
    executor stopped driving it, and end the target if the workflow ended without settling it."""
    missing, abandoned = [], []
    for target_id, platform, dispatch_round in publishing.stale_targets(limit=settings.TIDINGS_DISPATCH_BATCH):
        workflow_id = publish_workflow_id(target_id, dispatch_round)
        status = DBOS.get_workflow_status(workflow_id)
        if status is not None and status.status == "SUCCESS":
            # A run that handed back to wait for processing goes on in its newest continuation; one still waiting
            # for its start on the queue (ENQUEUED, DELAYED) is late, not stale, and is left to start.
            status = latest_check(workflow_id) or status
            workflow_id = status.workflow_id
        if status is None:
            missing.append((target_id, platform, dispatch_round))
        elif status.status in ABNORMAL_ENDS:
            publishing.end_target(
                target_id,
                status=TargetStatus.FAILED,
                reason=f"The publishing job ended without a result ({status.status.lower()}); retry the post.",
            )
        elif status.status == "PENDING":
            # Its executor has not touched the target for a whole lease (waits extend it): an executor id that
            # never came back, such as a renamed container. Back on its queue, any live worker resumes it from
            # its last checkpoint; a send in doubt stays in doubt there.
            abandoned.append((workflow_id, platform))
    enqueue_publishes(missing)
    if abandoned:
        client = runtime.client()
        for workflow_id, platform in abandoned:
            client.resume_workflow(workflow_id, queue_name=publish_queue(platform))
            logger.warning("publish.resumed workflow=%s platform=%s reason=lease_expired", workflow_id, platform)
    return len(missing) + len(abandoned)


@DBOS.workflow(name="post/dispatch")
def dispatch_due_posts(scheduled_at: datetime, context: Any) -> None:
    """The cron that turns due rows into workflows. The posts table decides *when*; DBOS runs *how*."""
    for _ in range(20):
        if _claim_and_enqueue() < settings.TIDINGS_DISPATCH_BATCH:
            break
    _redrive_stale()


@orm_step("unconfirmed.list")
def _unconfirmed_to_check() -> list[int]:
    return unconfirmed.unconfirmed_to_check()


@orm_step("unconfirmed.check")
def _check_unconfirmed(target_id: int) -> str:
    return unconfirmed.check_unconfirmed(target_id)


@DBOS.workflow(name="post/unconfirmed.check")
def check_unconfirmed_sends(scheduled_at: datetime, context: Any) -> None:
    """Look for sends in doubt on platforms that can be asked, so most resolve before anyone has to; one step per
    target, so a restart goes on where it stopped."""
    for target_id in _unconfirmed_to_check():
        _check_unconfirmed(target_id)
