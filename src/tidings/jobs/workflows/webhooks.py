"""`webhooks/delivery.send`: one attempt of one delivery; `webhooks/deliveries.sweep`: every ten seconds, start the
attempts that are due.

The delivery's row says when its next attempt is due (`next_attempt_at`), so nothing waits inside a workflow: an
attempt is a short workflow under a deterministic id per (delivery, attempt), started after the event's commit or
by the sweep, and a crash at any point leaves a row the sweep finds again.
"""

from datetime import datetime
from typing import Any

from dbos import DBOS, EnqueueOptions

from tidings.jobs import runtime
from tidings.jobs.queues import WEBHOOKS_QUEUE
from tidings.jobs.workflows.steps import orm_step
from tidings.webhooks import delivery

EVENT = "webhooks/delivery.send"


def delivery_workflow_id(delivery_id: int, attempt: int) -> str:
    return f"webhook-{delivery_id}-{attempt}"


def enqueue_deliveries(attempts: list[tuple[int, int]]) -> None:
    """Enqueue (delivery, attempt) workflows through the client, in one system-database transaction: this works
    from a web request, a step (an event emitted while publishing) and a workflow alike. Enqueueing an id that
    exists already does nothing."""
    if not attempts:
        return
    client = runtime.client()
    with runtime.system_database_writer().begin() as connection:
        for delivery_id, attempt in attempts:
            options: EnqueueOptions = {
                "workflow_name": EVENT,
                "queue_name": WEBHOOKS_QUEUE,
                "workflow_id": delivery_workflow_id(delivery_id, attempt),
                "app_version": runtime.APPLICATION_VERSION,
            }
            client.enqueue_in_transaction(connection, options, delivery_id, attempt)


@orm_step("webhooks.attempt")
def _attempt(delivery_id: int, attempt: int) -> str:
    return delivery.attempt_delivery(delivery_id, number=attempt)


@DBOS.workflow(name=EVENT)
def send_delivery(delivery_id: int, attempt: int) -> str:
    return _attempt(delivery_id, attempt)


@orm_step("webhooks.claim_due")
def _claim_and_enqueue() -> int:
    """A crash between the claim and the enqueue leaves the deliveries leased; the sweep after the lease takes
    them again."""
    claimed = delivery.claim_due_deliveries()
    enqueue_deliveries(claimed)
    return len(claimed)


@DBOS.workflow(name="webhooks/deliveries.sweep")
def sweep_due_deliveries(scheduled_at: datetime, context: Any = None) -> None:
    _claim_and_enqueue()
