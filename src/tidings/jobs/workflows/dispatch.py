"""`post/dispatch`: the cron that turns due rows into batch workflows, and the sweep of targets held too long.

The posts table decides *when*, and this the pace (the platforms' quotas, `tidings.posts.budgets`); DBOS runs *how*.
"""

import logging
from datetime import datetime
from typing import Any

from dbos import DBOS
from django.conf import settings
from django.db import transaction

from tidings.jobs import runtime
from tidings.jobs.models import JobLog
from tidings.jobs.queues import BATCH_QUEUE, publish_queue
from tidings.jobs.workflows import batches
from tidings.jobs.workflows.publish import EVENT, enqueue_publishes, latest_check
from tidings.jobs.workflows.steps import orm_step
from tidings.posts import publishing
from tidings.posts.models import PostTarget, TargetStatus, publish_workflow_id

logger = logging.getLogger("tidings.publish")


@orm_step("dispatch.claim")
def _claim_and_enqueue() -> int:
    """Claim due targets, open their job logs, mark their batches, and enqueue the batches. A crash between the
    claim and the enqueue leaves targets queued without a workflow; the stale sweep starts them once their lease
    runs out."""
    with transaction.atomic():
        claimed = publishing.claim_due_targets(limit=settings.TIDINGS_DISPATCH_BATCH)
        JobLog.objects.bulk_create(
            [
                JobLog(event=EVENT, workflow_id=publish_workflow_id(pk, rnd), data={"target_id": pk})
                for pk, _, rnd in claimed
            ],
            ignore_conflicts=True,
        )
        made = batches.assign_batches(claimed)
    batches.enqueue_batches(made)
    return len(claimed)


ABNORMAL_ENDS = ("ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED", "SUCCESS")


@orm_step("dispatch.stale")
def _redrive_stale() -> int:
    """Targets held past their lease: start their own workflow if the one holding them is missing, resume it on a
    live worker if its executor stopped driving it, and end the target if it ended without settling it."""
    stale = publishing.stale_targets(limit=settings.TIDINGS_DISPATCH_BATCH)
    held_by = dict(PostTarget.objects.filter(pk__in=[row[0] for row in stale]).values_list("pk", "batch_id"))
    missing, unbatched, abandoned = [], [], {}
    for target_id, platform, dispatch_round in stale:
        batch_id = held_by.get(target_id, "")
        workflow_id = batch_id or publish_workflow_id(target_id, dispatch_round)
        status = DBOS.get_workflow_status(workflow_id)
        if not batch_id and (status is None or status.status == "SUCCESS"):
            # A run that handed back to wait for processing (its own workflow, or the batch that made its first
            # attempt) goes on in its newest continuation; one still waiting for its start on the queue (ENQUEUED,
            # DELAYED) is late, not stale, and is left to start.
            status = latest_check(workflow_id) or status
            workflow_id = status.workflow_id if status is not None else workflow_id
        if status is None:
            # A batch lost before it started (a crash after the claim): each target goes on in its own workflow.
            missing.append((target_id, platform, dispatch_round))
            if batch_id:
                unbatched.append(target_id)
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
            abandoned[workflow_id] = BATCH_QUEUE if batch_id else publish_queue(platform)
    PostTarget.objects.filter(pk__in=unbatched).update(batch_id="")
    enqueue_publishes(missing)
    if abandoned:
        client = runtime.client()
        for workflow_id, queue in abandoned.items():
            client.resume_workflow(workflow_id, queue_name=queue)
            logger.warning("publish.resumed workflow=%s queue=%s reason=lease_expired", workflow_id, queue)
    return len(missing) + len(abandoned)


@DBOS.workflow(name="post/dispatch")
def dispatch_due_posts(scheduled_at: datetime, context: Any) -> None:
    """Claim what is due, as much as the quotas allow, then look for targets held too long."""
    for _ in range(20):
        if _claim_and_enqueue() < settings.TIDINGS_DISPATCH_BATCH:
            break
    _redrive_stale()
