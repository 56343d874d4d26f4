"""`post/batch.process`: publish a batch of due targets of one platform in one workflow.

A workflow per target costs a queue poll and several checkpoints per post; a batch pays them once for some tens of
posts. The batch sends its targets concurrently through a bounded pool of threads (connectors stay synchronous and
share the process's HTTP client), each exactly as a target's own workflow makes its attempt
(`publish.attempt_target`: begin, send, complete), and the whole batch is one step, so one checkpoint. A target
that is not published at the first attempt (a retry, a rate limit's wait, media still processing, an ending) is
handed to its own workflow (`post/scheduled.process`), which goes on from the batch's outcome with the per-target
rules unchanged. A crash mid-batch replays the step: each target's own marks (`sending_since`, its state) decide,
as they do for a single target, whether its send is in doubt.
"""

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from dbos import DBOS, EnqueueOptions
from django.conf import settings
from django.db import close_old_connections, connection

from tidings.jobs import runtime
from tidings.jobs.queues import BATCH_QUEUE
from tidings.jobs.workflows import publish
from tidings.jobs.workflows.steps import orm_step
from tidings.posts.models import PostTarget, publish_workflow_id

BATCH_EVENT = "post/batch.process"
logger = logging.getLogger("tidings.publish")

Claimed = tuple[int, str, int]  # target id, platform, dispatch round


def batch_workflow_id(targets: list[Claimed]) -> str:
    """Follows from the targets and their rounds, so the same claim can never start two batches."""
    key = ",".join(f"{pk}:{rnd}" for pk, _, rnd in sorted(targets))
    return f"publish-batch-{min(targets)[0]}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def assign_batches(claimed: list[Claimed]) -> dict[str, list[Claimed]]:
    """Split just-claimed targets into batches of one platform and mark each target with its batch, in the
    claim's transaction. A small claim is spread over several batches, so every worker gets a share of it."""
    by_platform: dict[str, list[Claimed]] = {}
    for row in claimed:
        by_platform.setdefault(row[1], []).append(row)
    batches: dict[str, list[Claimed]] = {}
    for rows in by_platform.values():
        # At least twice as many batches as one worker takes at once, so one worker's poll cannot take them all.
        spread = 2 * settings.TIDINGS_BATCHES_PER_WORKER
        size = max(1, min(settings.TIDINGS_PUBLISH_BATCH_SIZE, -(-len(rows) // spread)))
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            batch_id = batch_workflow_id(chunk)
            PostTarget.objects.filter(pk__in=[pk for pk, _, _ in chunk]).update(batch_id=batch_id)
            batches[batch_id] = chunk
    return batches


def enqueue_batches(batches: dict[str, list[Claimed]]) -> None:
    """Enqueue the batch workflows in one system-database transaction; a second start of one is a no-op."""
    if not batches:
        return
    client = runtime.client()
    with runtime.system_database_writer().begin() as connection:
        for batch_id, targets in batches.items():
            options: EnqueueOptions = {
                "workflow_name": BATCH_EVENT,
                "queue_name": BATCH_QUEUE,
                "workflow_id": batch_id,
                "app_version": runtime.APPLICATION_VERSION,
            }
            client.enqueue_in_transaction(connection, options, [list(row) for row in targets])


@cache
def _senders() -> ThreadPoolExecutor:
    """The worker's sending threads, shared by its batches: they bound its sends in flight."""
    return ThreadPoolExecutor(max_workers=settings.TIDINGS_SEND_THREADS, thread_name_prefix="tidings-send")


def _attempt_one(target_id: int, run_id: str) -> dict[str, Any] | None:
    """One target's attempt in a sending thread; None when it broke, so its own workflow tries again."""
    close_old_connections()
    try:
        return publish.attempt_target(target_id, run_id)
    except Exception:
        logger.exception("publish.batch_attempt_broke target=%s", target_id)
        return None
    finally:
        # Closed, not kept for the thread: on SQLite each kept connection holds its own page cache, and a hundred
        # sending threads would hold a hundred.
        connection.close()


@orm_step("batch.attempt")
def _attempt_all(targets: list[list[Any]]) -> list[dict[str, Any] | None]:
    futures = [_senders().submit(_attempt_one, pk, publish_workflow_id(pk, rnd)) for pk, _platform, rnd in targets]
    return [future.result() for future in futures]


@orm_step("batch.hand_over")
def _hand_over(batch_id: str, waiting: list[list[Any]], runs: dict[int, dict[str, Any]]) -> None:
    """Start the own workflow of each target that waits for another attempt (on its platform's queue, which bounds
    the waits a worker holds), then unmark every target the batch did not publish: its own workflows, not the
    batch, drive it from now on. Started before unmarked, so a crash in between leaves the batch to resume."""
    publish.enqueue_publishes([(int(pk), str(platform), int(rnd)) for pk, platform, rnd in waiting], runs)
    unmarked = [int(pk) for pk in runs]
    PostTarget.objects.filter(pk__in=unmarked, batch_id=batch_id).update(batch_id="")


@DBOS.workflow(name=BATCH_EVENT)
def process_batch(targets: list[list[Any]]) -> dict[str, int]:
    """Publish a batch of one platform's targets. One not published at once is followed up as its own workflow
    would (`publish.follow_up`: ended, or handed to a continuation to check later) or, when it must wait for
    another attempt, handed to its own workflow with the wait."""
    outcomes = _attempt_all(targets)
    waiting, runs = [], {}
    for (pk, platform, rnd), outcome in zip(targets, outcomes, strict=True):
        if outcome is not None and outcome["kind"] == "published":
            continue
        run = publish.new_run(publish_workflow_id(pk, rnd))
        # An attempt that broke (None) is made again by the target's own workflow, at once.
        decided = 0.0 if outcome is None else publish.follow_up(pk, run, outcome)
        runs[int(pk)] = run
        if not isinstance(decided, str):
            waiting.append([pk, platform, rnd])
            run["wait"] = decided
    if runs:
        _hand_over(DBOS.workflow_id or "", waiting, runs)
    return {"published": len(targets) - len(runs), "followed_up": len(runs), "waiting": len(waiting)}
