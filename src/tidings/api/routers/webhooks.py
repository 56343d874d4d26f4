"""Webhook endpoints: the addresses the workspace's events are sent to, their secrets, a test event, and each
endpoint's delivery log with redelivery. Changing them needs the admin role or above."""

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Status

from tidings.api.auth import actor_of, needs
from tidings.api.idempotency import HEADER, Answer, run_once
from tidings.api.pagination import paginate
from tidings.api.schemas import ERRORS, MAX_ID, ErrorOut, PageQuery
from tidings.api.schemas.webhooks import (
    DeliveryOut,
    DeliveryPage,
    EndpointCreatedOut,
    EndpointIn,
    EndpointOut,
    EndpointPage,
    EndpointUpdateIn,
    SecretOut,
)
from tidings.webhooks import services
from tidings.webhooks.selectors import deliveries_of, endpoints_of, get_delivery, get_endpoint

router = Router(tags=["webhooks"])
READ, WRITE = needs("webhooks:read"), needs("webhooks:write")
EndpointId = Annotated[int, Path(ge=1, le=MAX_ID)]
DeliveryId = Annotated[int, Path(ge=1, le=MAX_ID)]
CHANGE = {**ERRORS, 409: ErrorOut}
IdempotencyKey = Annotated[str | None, Header(alias=HEADER, max_length=255)]


def _answer(response: HttpResponse, answer: Answer) -> Status[object]:
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)


@router.get("/webhooks/endpoints", response={200: EndpointPage, **ERRORS}, auth=READ)
def list_endpoints(request: HttpRequest, page: Query[PageQuery]) -> dict[str, object]:
    return paginate(endpoints_of(actor_of(request).workspace), page, EndpointOut.of)


@router.post("/webhooks/endpoints", response={201: EndpointCreatedOut, **CHANGE}, auth=WRITE)
def create_endpoint(
    request: HttpRequest, response: HttpResponse, payload: EndpointIn, idempotency_key: IdempotencyKey = None
) -> Status[object]:
    """A new endpoint; its signing secret is made by Tidings and is in this answer (and at POST .../secret)."""

    def create() -> tuple[int, dict[str, object]]:
        endpoint = services.create_endpoint(
            actor_of(request), url=payload.url, event_types=payload.event_types, description=payload.description
        )
        return 201, EndpointCreatedOut.of(endpoint, secret=endpoint.secret).model_dump(mode="json")

    return _answer(response, run_once(request, idempotency_key, create))


@router.get("/webhooks/endpoints/{endpoint_id}", response={200: EndpointOut, **ERRORS}, auth=READ)
def get_endpoint_detail(request: HttpRequest, endpoint_id: EndpointId) -> object:
    return EndpointOut.of(get_endpoint(actor_of(request).workspace, endpoint_id))


@router.put("/webhooks/endpoints/{endpoint_id}", response={200: EndpointOut, **CHANGE}, auth=WRITE)
def update_endpoint(request: HttpRequest, endpoint_id: EndpointId, payload: EndpointUpdateIn) -> object:
    """Replace the endpoint's address, events, description and whether it is on (turning it on clears why it was
    turned off)."""
    endpoint = services.update_endpoint(
        actor_of(request),
        endpoint_id,
        url=payload.url,
        event_types=payload.event_types,
        description=payload.description,
        enabled=payload.enabled,
    )
    return EndpointOut.of(endpoint)


@router.delete("/webhooks/endpoints/{endpoint_id}", response={204: None, **CHANGE}, auth=WRITE)
def delete_endpoint(request: HttpRequest, endpoint_id: EndpointId) -> Status[None]:
    """Remove the endpoint and its delivery log."""
    services.delete_endpoint(actor_of(request), endpoint_id)
    return Status(204, None)


@router.post("/webhooks/endpoints/{endpoint_id}/secret", response={200: SecretOut, **CHANGE}, auth=WRITE)
def reveal_endpoint_secret(request: HttpRequest, endpoint_id: EndpointId) -> object:
    """The endpoint's signing secret (a POST, so it never sits in a cache or a log of GET requests)."""
    return SecretOut(secret=services.reveal_secret(actor_of(request), endpoint_id))


@router.post("/webhooks/endpoints/{endpoint_id}/ping", response={201: DeliveryOut, **CHANGE}, auth=WRITE)
def ping_endpoint(
    request: HttpRequest, response: HttpResponse, endpoint_id: EndpointId, idempotency_key: IdempotencyKey = None
) -> Status[object]:
    """Send a `ping` event now; the answer holds its delivery with the receiver's answer. It is not retried."""

    def ping() -> tuple[int, dict[str, object]]:
        delivery = services.ping_endpoint(actor_of(request), endpoint_id)
        return 201, DeliveryOut.of(delivery).model_dump(mode="json")

    return _answer(response, run_once(request, idempotency_key, ping))


@router.get("/webhooks/endpoints/{endpoint_id}/deliveries", response={200: DeliveryPage, **ERRORS}, auth=READ)
def list_deliveries(request: HttpRequest, endpoint_id: EndpointId, page: Query[PageQuery]) -> dict[str, object]:
    """The endpoint's deliveries, newest first, each with its attempts."""
    return paginate(deliveries_of(actor_of(request).workspace, endpoint_id), page, DeliveryOut.of)


@router.get("/webhooks/deliveries/{delivery_id}", response={200: DeliveryOut, **ERRORS}, auth=READ)
def get_delivery_detail(request: HttpRequest, delivery_id: DeliveryId) -> object:
    return DeliveryOut.of(get_delivery(actor_of(request).workspace, delivery_id))


@router.post("/webhooks/deliveries/{delivery_id}/redeliver", response={200: DeliveryOut, **CHANGE}, auth=WRITE)
def redeliver(
    request: HttpRequest, response: HttpResponse, delivery_id: DeliveryId, idempotency_key: IdempotencyKey = None
) -> Status[object]:
    """Send the delivery again now, as a new attempt with the same event id; the answer shows how it went."""

    def again() -> tuple[int, dict[str, object]]:
        delivery = services.redeliver(actor_of(request), delivery_id)
        return 200, DeliveryOut.of(delivery).model_dump(mode="json")

    return _answer(response, run_once(request, idempotency_key, again))
