"""`post/scheduled.process`: publish one post target, and the dispatcher that starts it when it is due."""

from datetime import datetime
from typing import Any

from dbos import DBOS, SetWorkflowID
from django.conf import settings

from tidings.jobs.models import JobLog, JobStatus
from tidings.jobs.queues import publish_queue
from tidings.jobs.workflows.steps import current_workflow_id, finish_job_log, orm_step, start_job_log
from tidings.posts import publishing
from tidings.posts.models import TargetStatus, publish_workflow_id

EVENT = "post/scheduled.process"


@orm_step("publish.begin")
def _begin(target_id: int) -> dict[str, str]:
    begin = publishing.begin_publish(target_id)
    return {"action": begin.action, "reason": begin.reason}


@orm_step("publish.send")
def _send(target_id: int) -> dict[str, Any]:
    return publishing.send_target(target_id).as_dict()


@orm_step("publish.complete")
def _complete(target_id: int, external_id: str, url: str) -> bool:
    return publishing.complete_publish(target_id, external_id=external_id, url=url)


@orm_step("publish.give_up")
def _give_up(target_id: int, reason: str) -> str:
    """Out of retries: failed, unless an earlier send went unanswered, when the post may exist: unconfirmed."""
    if publishing.has_unresolved_send(target_id):
        publishing.mark_unconfirmed(
            target_id, reason=f"{reason} An earlier attempt got no answer, so the post may have been published."
        )
        return "unconfirmed"
    publishing.finish_unsuccessfully(target_id, status=TargetStatus.FAILED, reason=reason)
    return "failed"


@orm_step("publish.fail")
def _fail(target_id: int, status: str, reason: str) -> bool:
    if status == TargetStatus.SKIPPED:
        return publishing.finish_unsuccessfully(target_id, status=TargetStatus.SKIPPED, reason=reason)
    return publishing.finish_unsuccessfully(target_id, status=TargetStatus.FAILED, reason=reason)


@orm_step("publish.unconfirmed")
def _unconfirmed(target_id: int, reason: str) -> bool:
    return publishing.mark_unconfirmed(target_id, reason=reason)


@orm_step("publish.reconnect")
def _needs_reconnect(target_id: int, reason: str) -> None:
    publishing.mark_account_for_reconnect(target_id, reason=reason)


@orm_step("publish.extend_lease")
def _extend_lease(target_id: int, seconds: float) -> None:
    publishing.extend_lease(target_id, seconds=seconds)


@orm_step("publish.platform")
def _can_resend_after_unknown(target_id: int) -> bool:
    from tidings.posts.models import PostTarget

    platform = PostTarget.objects.values_list("platform", flat=True).get(pk=target_id)
    return publishing.can_resend_after_unknown(platform)


@DBOS.workflow(name=EVENT)
def process_scheduled_post(target_id: int) -> str:
    """Publish one target: transient errors retry with exponential backoff, a rate limit waits its Retry-After,
    an auth error marks the account for reconnect and skips, and the final state always settles the credit."""
    workflow_id = current_workflow_id()
    start_job_log(EVENT, workflow_id, {"target_id": target_id})
    state, detail = _run(target_id)
    status = JobStatus.FAILED if state == "failed" else JobStatus.COMPLETED
    if state == "nothing to do":
        status = JobStatus.CANCELLED
    finish_job_log(workflow_id, status, result={"outcome": state}, error=detail if state == "failed" else "")
    return state


def _run(target_id: int) -> tuple[str, str]:
    begin = _begin(target_id)
    if begin["action"] == "done":
        return "nothing to do", begin["reason"]
    if begin["action"] in ("skip", "fail"):
        status = TargetStatus.SKIPPED if begin["action"] == "skip" else TargetStatus.FAILED
        _fail(target_id, status, begin["reason"])
        return str(status), begin["reason"]
    retries = rate_limit_waits = 0
    while True:
        outcome = _send(target_id)
        kind, message = outcome["kind"], outcome["message"]
        if kind == "published":
            _complete(target_id, outcome["external_id"], outcome["url"])
            return "published", ""
        if kind == "unknown" and not _can_resend_after_unknown(target_id):
            _unconfirmed(target_id, message)
            return "unconfirmed", message
        if kind in ("transient", "unknown"):
            retries += 1
            if retries > settings.TIDINGS_PUBLISH_RETRIES:
                reason = f"Gave up after {retries} attempts: {message}"
                return _give_up(target_id, reason), reason
            _wait(target_id, settings.TIDINGS_PUBLISH_BACKOFF_SECONDS * 2 ** (retries - 1))
            continue
        if kind == "rate_limited":
            rate_limit_waits += 1
            if rate_limit_waits > settings.TIDINGS_PUBLISH_MAX_RATE_LIMIT_WAITS:
                reason = f"The platform kept asking us to slow down: {message}"
                return _give_up(target_id, reason), reason
            _wait(target_id, float(outcome["retry_after"]))
            continue
        if kind == "auth":
            _needs_reconnect(target_id, message)
            _fail(target_id, TargetStatus.SKIPPED, f"{message} The account needs reconnecting.")
            return "skipped", message
        return _give_up(target_id, message), message


def _wait(target_id: int, seconds: float) -> None:
    """A durable sleep: a restart during the wait resumes it rather than starting over."""
    _extend_lease(target_id, seconds)
    DBOS.sleep(seconds)


@orm_step("dispatch.claim")
def _claim_due() -> list[tuple[int, str, int]]:
    claimed = publishing.claim_due_targets(limit=settings.TIDINGS_DISPATCH_BATCH)
    JobLog.objects.bulk_create(
        [
            JobLog(event=EVENT, workflow_id=publish_workflow_id(pk, rnd), data={"target_id": pk})
            for pk, _, rnd in claimed
        ],
        ignore_conflicts=True,
    )
    return claimed


@orm_step("dispatch.stale")
def _stale() -> list[tuple[int, str, int]]:
    """Stale targets that need their workflow started again; those whose workflow ended abnormally are failed."""
    redrive = []
    for target_id, platform, dispatch_round in publishing.stale_targets(limit=settings.TIDINGS_DISPATCH_BATCH):
        status = DBOS.get_workflow_status(publish_workflow_id(target_id, dispatch_round))
        if status is None:
            redrive.append((target_id, platform, dispatch_round))
        elif status.status in ("ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED", "SUCCESS"):
            publishing.finish_unsuccessfully(
                target_id,
                status=TargetStatus.FAILED,
                reason=f"The publishing job ended without a result ({status.status.lower()}); retry the post.",
            )
    return redrive


def enqueue_publish(target_id: int, platform: str, dispatch_round: int = 0) -> None:
    """Start the target's workflow on its platform's queue; a second start of the same round is a no-op."""
    with SetWorkflowID(publish_workflow_id(target_id, dispatch_round)):
        DBOS.enqueue_workflow(publish_queue(platform), process_scheduled_post, target_id)


@DBOS.workflow(name="post/dispatch")
def dispatch_due_posts(scheduled_at: datetime, context: Any) -> None:
    """The cron that turns due rows into workflows. The posts table decides *when*; DBOS runs *how*."""
    for _ in range(20):
        due = _claim_due()
        for target_id, platform, dispatch_round in due:
            enqueue_publish(target_id, platform, dispatch_round)
        if len(due) < settings.TIDINGS_DISPATCH_BATCH:
            break
    for target_id, platform, dispatch_round in _stale():
        enqueue_publish(target_id, platform, dispatch_round)
