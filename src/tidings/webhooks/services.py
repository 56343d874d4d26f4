"""Managing a workspace's event endpoints, testing them and sending a delivery again; admins and owners only."""

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from tidings import http
from tidings.core.errors import Conflict, InvalidInput
from tidings.webhooks.delivery import attempt_delivery
from tidings.webhooks.events import payload, record_deliveries
from tidings.webhooks.models import SUBSCRIBABLE, Delivery, Endpoint, EventType
from tidings.webhooks.selectors import get_delivery, get_endpoint
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action

MAX_ENDPOINTS = 10


def _check_url(url: str) -> str:
    url = url.strip()
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise InvalidInput("Give the endpoint's full https:// address.", field="url") from None
    local_ok = http.allow_local_servers() or settings.TIDINGS_ALLOW_HTTP_WEBHOOKS
    if url.startswith("http://") and not local_ok:
        raise InvalidInput(
            "Endpoints must use https://, so events and signatures are not sent in the clear.", field="url"
        )
    if problem := http.address_problem(url):
        raise InvalidInput(f"That address is not allowed: {problem}", field="url")
    return url


def _check_events(event_types: list[str]) -> list[str]:
    chosen = [event for event in SUBSCRIBABLE if event in set(event_types)]
    unknown = set(event_types) - set(chosen)
    if unknown:
        raise InvalidInput(f"Unknown event types: {', '.join(sorted(unknown))}.", field="event_types")
    if not chosen:
        raise InvalidInput("Choose at least one event to send.", field="event_types")
    return [str(event) for event in chosen]


def create_endpoint(actor: Actor, *, url: str, event_types: list[str], description: str = "") -> Endpoint:
    """A new endpoint with a secret made here; the caller shows the secret once (admins may reveal it later)."""
    actor.require(Action.WEBHOOKS)
    url, chosen = _check_url(url), _check_events(event_types)
    if Endpoint.objects.filter(workspace=actor.workspace).count() >= MAX_ENDPOINTS:
        raise Conflict(f"A workspace has at most {MAX_ENDPOINTS} webhook endpoints; remove one first.")
    return Endpoint.objects.create(
        workspace=actor.workspace,
        url=url,
        description=description.strip()[:200],
        secret=f"whsec_{secrets.token_urlsafe(32)}",
        event_types=chosen,
        created_by=actor.user,
    )


def update_endpoint(
    actor: Actor, endpoint_id: int, *, url: str, event_types: list[str], description: str, enabled: bool
) -> Endpoint:
    actor.require(Action.WEBHOOKS)
    endpoint = get_endpoint(actor.workspace, endpoint_id)
    endpoint.url, endpoint.event_types = _check_url(url), _check_events(event_types)
    endpoint.description = description.strip()[:200]
    if enabled and not endpoint.enabled:
        endpoint.disabled_reason, endpoint.failing_since = "", None
    endpoint.enabled = enabled
    endpoint.save()
    return endpoint


def set_endpoint_enabled(actor: Actor, endpoint_id: int, *, enabled: bool) -> Endpoint:
    actor.require(Action.WEBHOOKS)
    endpoint = get_endpoint(actor.workspace, endpoint_id)
    return update_endpoint(
        actor,
        endpoint.pk,
        url=endpoint.url,
        event_types=endpoint.event_types,
        description=endpoint.description,
        enabled=enabled,
    )


def delete_endpoint(actor: Actor, endpoint_id: int) -> None:
    """Remove the endpoint with its delivery log; nothing more is sent to it."""
    actor.require(Action.WEBHOOKS)
    get_endpoint(actor.workspace, endpoint_id).delete()


def reveal_secret(actor: Actor, endpoint_id: int) -> str:
    actor.require(Action.WEBHOOKS)
    return get_endpoint(actor.workspace, endpoint_id).secret


def ping_endpoint(actor: Actor, endpoint_id: int) -> Delivery:
    """Send a `ping` event now, signed as every event is, and return its delivery with the answer recorded.

    It is not retried: the person who asked sees the answer and can redeliver it."""
    actor.require(Action.WEBHOOKS)
    endpoint = get_endpoint(actor.workspace, endpoint_id)
    data = {"message": "A test from Tidings: events for this endpoint will arrive like this one."}
    body = payload(actor.workspace, EventType.PING, data, key=f"ping:{uuid.uuid4()}")
    with transaction.atomic():
        (delivery_id,) = record_deliveries([endpoint], body, next_attempt_at=None)
    attempt_delivery(delivery_id, number=1, manual=True)
    return get_delivery(actor.workspace, delivery_id)


def redeliver(actor: Actor, delivery_id: int) -> Delivery:
    """Send a delivery again now, as a new attempt with the same event id (receivers that store ids handle it
    once), whatever became of it before."""
    actor.require(Action.WEBHOOKS)
    delivery = get_delivery(actor.workspace, delivery_id)
    if not delivery.endpoint.enabled:
        raise Conflict("This endpoint is turned off; turn it on before sending it events again.")
    attempt_delivery(delivery.pk, number=delivery.attempts + 1, manual=True)
    delivery.refresh_from_db()
    return delivery
