"""`emit`: an event for the workspace's other tools, one delivery for each endpoint that listens for it.

The deliveries are written in the caller's transaction, so an event exists exactly when what it reports was
committed; sending starts after the commit. An event's id is derived from what it reports (`key`), so a step run
again after a crash writes nothing twice (one delivery per endpoint and event id).
"""

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from tidings.webhooks.models import Delivery, Endpoint, EventType
from tidings.workspaces.models import Workspace

logger = logging.getLogger("tidings.webhooks")

_NAMESPACE = uuid.UUID("5b0f7c8e-8f4d-4c55-9a3e-6a1d2f0b7e21")
# How long a just-emitted delivery is left to the workflow started after the commit before the sweep takes it.
HANDOFF = timedelta(minutes=2)


def subscribed(workspace: Workspace, event_type: str) -> list[Endpoint]:
    """The workspace's enabled endpoints that listen for `event_type` (a workspace has a handful at most)."""
    endpoints = Endpoint.objects.filter(workspace=workspace, enabled=True)
    return [endpoint for endpoint in endpoints if event_type in endpoint.event_types]


def event_id(workspace: Workspace, event_type: str, key: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{workspace.pk}:{event_type}:{key}")


def payload(workspace: Workspace, event_type: str, data: dict[str, Any], *, key: str) -> dict[str, Any]:
    return {
        "id": str(event_id(workspace, event_type, key)),
        "type": event_type,
        "created_at": timezone.now().isoformat(),
        "workspace": {"id": workspace.pk},
        "data": data,
    }


def emit(
    workspace: Workspace,
    event_type: EventType,
    data: dict[str, Any],
    *,
    key: str,
    endpoints: list[Endpoint] | None = None,
) -> list[int]:
    """Record the event for each subscribed endpoint (`endpoints` when the caller looked them up already) and
    start sending after the commit; the ids of the deliveries this call created."""
    endpoints = subscribed(workspace, event_type) if endpoints is None else endpoints
    if not endpoints:
        return []
    body = payload(workspace, event_type, data, key=key)
    made = record_deliveries(endpoints, body, next_attempt_at=timezone.now() + HANDOFF)
    if made:
        transaction.on_commit(lambda: start_deliveries(made))
    return made


def record_deliveries(endpoints: list[Endpoint], body: dict[str, Any], *, next_attempt_at: Any) -> list[int]:
    existing = set(
        Delivery.objects.filter(endpoint__in=endpoints, event_id=body["id"]).values_list("endpoint_id", flat=True)
    )
    fresh = [
        Delivery(
            endpoint=endpoint,
            event_id=body["id"],
            event_type=body["type"],
            payload=body,
            next_attempt_at=next_attempt_at,
        )
        for endpoint in endpoints
        if endpoint.pk not in existing
    ]
    Delivery.objects.bulk_create(fresh, ignore_conflicts=True)
    return list(
        Delivery.objects.filter(endpoint__in=[d.endpoint for d in fresh], event_id=body["id"], attempts=0).values_list(
            "pk", flat=True
        )
    )


def start_deliveries(delivery_ids: list[int]) -> None:
    """Hand each delivery's first attempt to the job runner. If that fails, the sweep sends them once their
    hand-off time has passed: the row, not the enqueue, is what makes a delivery happen."""
    from tidings.jobs.workflows.webhooks import enqueue_deliveries

    try:
        enqueue_deliveries([(delivery_id, 1) for delivery_id in delivery_ids])
    except Exception:
        logger.warning("webhooks.enqueue_failed deliveries=%s", delivery_ids, exc_info=True)
