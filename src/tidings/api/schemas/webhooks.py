from datetime import datetime
from typing import Any

from ninja import Field, Schema

from tidings.api.schemas import NO_NUL, Input
from tidings.webhooks.models import SUBSCRIBABLE, Delivery, DeliveryAttempt, Endpoint

EVENTS_HELP = f"Event types to send: {', '.join(SUBSCRIBABLE)}."


class EndpointIn(Input):
    url: str = Field(max_length=2000, pattern=NO_NUL, description="https:// address that receives the events.")
    event_types: list[str] = Field(min_length=1, max_length=len(SUBSCRIBABLE), description=EVENTS_HELP)
    description: str = Field("", max_length=200, pattern=NO_NUL)


class EndpointUpdateIn(EndpointIn):
    enabled: bool = True


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str = Field(description="Why Tidings turned it off (it answered 410 Gone); empty otherwise.")
    failing_since: datetime | None = Field(description="Since when every attempt has failed; none when healthy.")
    created_at: datetime

    @classmethod
    def of(cls, row: Endpoint, **extra: Any) -> Any:
        return cls(
            id=row.pk,
            url=row.url,
            description=row.description,
            event_types=list(row.event_types),
            enabled=row.enabled,
            disabled_reason=row.disabled_reason,
            failing_since=row.failing_since,
            created_at=row.created_at,
            **extra,
        )


class EndpointCreatedOut(EndpointOut):
    secret: str = Field(description="The signing secret (X-Tidings-Signature); also at POST .../secret.")


class SecretOut(Schema):
    secret: str


class EndpointPage(Schema):
    items: list[EndpointOut]
    count: int
    limit: int
    offset: int


class AttemptOut(Schema):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str
    response_excerpt: str = Field(description="The first kilobyte of the answer.")
    manual: bool = Field(description="Sent on request (a redelivery or a test), not by the retry schedule.")

    @classmethod
    def of(cls, row: DeliveryAttempt) -> "AttemptOut":
        return cls(
            number=row.number,
            started_at=row.started_at,
            duration_ms=row.duration_ms,
            status_code=row.status_code,
            error=row.error,
            response_excerpt=row.response_excerpt,
            manual=row.manual,
        )


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    status: str = Field(description="pending, delivered or failed.")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    payload: dict[str, Any] = Field(description="The event exactly as sent.")
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptOut] = Field(description="Every attempt, newest first.")

    @classmethod
    def of(cls, row: Delivery) -> "DeliveryOut":
        return cls(
            id=row.pk,
            endpoint_id=row.endpoint_id,
            event_id=str(row.event_id),
            event_type=row.event_type,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            payload=row.payload,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            attempt_log=[AttemptOut.of(attempt) for attempt in row.attempt_log.all()],
        )


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    count: int
    limit: int
    offset: int
