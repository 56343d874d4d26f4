"""`send(name, data)`: start one of the product's jobs by its event name, from any process.

In a process that runs DBOS the workflow is enqueued directly; elsewhere (a web process, the CLI) through the
DBOS client, which only needs the system database.
"""

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from dbos import DBOS, EnqueueOptions, SetWorkflowID
from django.utils import timezone

from tidings.core.errors import InvalidInput, NotFound
from tidings.jobs import runtime
from tidings.jobs.queues import JOBS_QUEUE, WEBHOOKS_QUEUE, publish_queue


@dataclass(frozen=True)
class Event:
    name: str
    queue: Callable[[dict[str, Any]], str]
    workflow_id: Callable[[dict[str, Any]], str | None]
    args: Callable[[dict[str, Any]], tuple[Any, ...]]
    required: tuple[str, ...] = ()


def _target(data: dict[str, Any]) -> tuple[int, str, int]:
    from tidings.posts.models import PostTarget

    try:
        row = PostTarget.objects.values_list("pk", "platform", "dispatch_round").get(pk=int(data["target_id"]))
    except PostTarget.DoesNotExist:
        raise NotFound(f"No post target {data['target_id']}.") from None
    return row


def _publish_workflow_id(data: dict[str, Any]) -> str:
    from tidings.posts.models import publish_workflow_id

    pk, _, dispatch_round = _target(data)
    return publish_workflow_id(pk, dispatch_round)


EVENTS: dict[str, Event] = {
    "post/scheduled.process": Event(
        "post/scheduled.process",
        queue=lambda data: publish_queue(_target(data)[1]),
        workflow_id=_publish_workflow_id,
        args=lambda data: (int(data["target_id"]),),
        required=("target_id",),
    ),
    "automation/rule.execute": Event(
        "automation/rule.execute",
        queue=lambda data: JOBS_QUEUE,
        workflow_id=lambda data: None,
        args=lambda data: (timezone.now(), data),
        required=("rule_id",),
    ),
    "credits/check.expiry": Event(
        "credits/check.expiry",
        queue=lambda data: JOBS_QUEUE,
        workflow_id=lambda data: None,
        args=lambda data: (timezone.now(), data),
    ),
    "credits/reset.monthly": Event(
        "credits/reset.monthly",
        queue=lambda data: JOBS_QUEUE,
        workflow_id=lambda data: None,
        args=lambda data: (timezone.now(), data),
    ),
    "credits/check.low": Event(
        "credits/check.low",
        queue=lambda data: JOBS_QUEUE,
        workflow_id=lambda data: None,
        args=lambda data: (timezone.now(), data),
        required=("workspace_id",),
    ),
    "webhooks/delivery.send": Event(
        "webhooks/delivery.send",
        queue=lambda data: WEBHOOKS_QUEUE,
        workflow_id=lambda data: f"webhook-{int(data['delivery_id'])}-{int(data.get('attempt', 1))}",
        args=lambda data: (int(data["delivery_id"]), int(data.get("attempt", 1))),
        required=("delivery_id",),
    ),
}


def send(name: str, data: dict[str, Any] | None = None) -> str:
    """Start the job for event `name` with `data`; returns the workflow id."""
    data = dict(data or {})
    event = EVENTS.get(name)
    if event is None:
        raise InvalidInput(f"Unknown event {name!r}; known events: {', '.join(sorted(EVENTS))}.", field="name")
    missing = [key for key in event.required if key not in data]
    if missing:
        raise InvalidInput(f"Event {name} needs {', '.join(missing)} in its data.", field="data")
    queue, workflow_id, args = event.queue(data), event.workflow_id(data), event.args(data)
    if runtime.is_launched():
        from tidings.jobs.workflows import registry

        with SetWorkflowID(workflow_id) if workflow_id else nullcontext():
            return DBOS.enqueue_workflow(queue, registry.WORKFLOWS[name], *args).get_workflow_id()
    options: EnqueueOptions = {"workflow_name": name, "queue_name": queue}
    if workflow_id:
        options["workflow_id"] = workflow_id
    return runtime.client().enqueue(options, *args).get_workflow_id()
