"""`webhooks/delivery.send`: one attempt of one delivery; `webhooks/deliveries.sweep`: every few seconds, start the
attempts that are due.

The delivery's row says when its next attempt is due (`next_attempt_at`), so nothing waits inside a workflow: an
attempt is a short workflow under a deterministic id per (delivery, attempt), started after the event's commit or
by the sweep, and a crash at any point leaves a row the sweep finds again.
"""

from datetime import datetime
from typing import Any

from dbos import DBOS, SetWorkflowID

from tidings.jobs.queues import WEBHOOKS_QUEUE
from tidings.jobs.workflows.steps import orm_step
from tidings.webhooks import delivery

EVENT = "webhooks/delivery.send"


def delivery_workflow_id(delivery_id: int, attempt: int) -> str:
    return f"webhook-{delivery_id}-{attempt}"


@orm_step("webhooks.attempt")
def _attempt(delivery_id: int, attempt: int) -> str:
    return delivery.attempt_delivery(delivery_id, number=attempt)


@DBOS.workflow(name=EVENT)
def send_delivery(delivery_id: int, attempt: int) -> str:
    return _attempt(delivery_id, attempt)


@orm_step("webhooks.claim_due")
def _claim_due() -> list[tuple[int, int]]:
    return delivery.claim_due_deliveries()


@DBOS.workflow(name="webhooks/deliveries.sweep")
def sweep_due_deliveries(scheduled_at: datetime, context: Any = None) -> None:
    for delivery_id, attempt in _claim_due():
        with SetWorkflowID(delivery_workflow_id(delivery_id, attempt)):
            DBOS.enqueue_workflow(WEBHOOKS_QUEUE, send_delivery, delivery_id, attempt)
