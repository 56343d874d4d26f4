"""`post/scheduled.process`: publish one post target, through its retries, waits and checks.

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


def attempt_target(target_id: int, workflow_id: str) -> dict[str, Any]:
    """Begin, send and, when published, complete: one step of a target's own workflow, or one of a batch's sends
    (`tidings.jobs.workflows.batches`). `workflow_id` is the target's run, whose job log this moves on."""
    with publishing.write_turn(), transaction.atomic():
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
        with publishing.write_turn(), transaction.atomic():
            publishing.complete_publish(
                target_id, external_id=outcome.external_id, url=outcome.url, notice=outcome.notice
            )
            _log(workflow_id, target_id, JobStatus.COMPLETED, outcome="published")
    return outcome.as_dict()


# One step for a successful publish (one checkpoint).
_attempt = orm_step("publish.attempt")(attempt_target)


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


def new_run(workflow_id: str) -> dict[str, Any]:
    """A run's state across its workflows: its id (its job log) and its counts so far."""
    return {"workflow_id": workflow_id, "retries": 0, "rate_limit_waits": 0, "checks": 0}


def follow_up(target_id: int, run: dict[str, Any], outcome: dict[str, Any]) -> str | float:
    """What a run does after an attempt: its result when the outcome ends the run here (published, settled, or
    handed to a continuation to check later), else the seconds to wait before the next attempt. Counts the
    retries and waits in `run`. Called from workflows only: the endings are steps."""
    workflow_id = str(run["workflow_id"])
    kind, message = outcome["kind"], outcome["message"]
    if kind == "published":
        return "published"
    if kind == "processing":
        if int(run["checks"]) >= MAX_CHECKS:
            return _end(target_id, workflow_id, "fail", f"Gave up after {MAX_CHECKS} checks: {message}")
        return _check_later(target_id, run, float(outcome["retry_after"]))
    if kind in ("done", "skip", "fail"):
        return _end(target_id, workflow_id, kind, message)
    if kind == "unknown" and not _can_resend_after_unknown(target_id):
        return _end(target_id, workflow_id, "unconfirmed", message)
    if kind in ("transient", "unknown"):
        run["retries"] = retries = int(run["retries"]) + 1
        if retries > settings.TIDINGS_PUBLISH_RETRIES:
            return _end(target_id, workflow_id, "fail", f"Gave up after {retries} attempts: {message}")
        return float(settings.TIDINGS_PUBLISH_BACKOFF_SECONDS * 2 ** (retries - 1))
    if kind == "rate_limited":
        run["rate_limit_waits"] = waits = int(run["rate_limit_waits"]) + 1
        if waits > settings.TIDINGS_PUBLISH_MAX_RATE_LIMIT_WAITS:
            return _end(target_id, workflow_id, "fail", f"The platform kept asking us to slow down: {message}")
        return float(outcome["retry_after"])
    if kind == "auth":
        _needs_reconnect(target_id, message)
        return _end(target_id, workflow_id, "skip", f"{message} The account needs reconnecting.")
    return _end(target_id, workflow_id, "fail", message)


@DBOS.workflow(name=EVENT)
def process_scheduled_post(target_id: int, carried: dict[str, Any] | None = None) -> str:
    """Publish one target: transient errors retry with exponential backoff, a rate limit waits its Retry-After,
    media still processing is checked again later by a continuation of this run (`_check_later`), an auth error
    marks the account for reconnect and skips, and the final state always settles the credit.

    `carried` is a continuation's run (`new_run`); from a batch that handed the target over, it also says how long
    to `wait` before this run's first attempt (the batch's attempt asked for a retry or a rate limit's wait).
    """
    run = {**new_run(current_workflow_id()), **(carried or {})}
    wait = run.pop("wait", None)
    while True:
        if wait is None:
            decided = follow_up(target_id, run, _attempt(target_id, str(run["workflow_id"])))
            if isinstance(decided, str):
                return decided
            wait = decided
        _wait(target_id, float(wait))
        wait = None


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


def enqueue_publishes(targets: list[tuple[int, str, int]], carried: dict[int, dict[str, Any]] | None = None) -> None:
    """Enqueue many publish workflows in one system-database transaction (one commit, not one per target);
    `carried` gives some of them what a batch handed over (see `process_scheduled_post`)."""
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
            extra = (carried[target_id],) if carried and target_id in carried else ()
            client.enqueue_in_transaction(connection, options, target_id, *extra)


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
