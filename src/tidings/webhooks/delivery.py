"""Sending one delivery and recording what the receiver answered; the retry schedule; the sweep's claim.

An attempt is sent outside any transaction and recorded in one afterwards, conditional on no other attempt having
been recorded meanwhile, so a replayed step or a redelivery racing the schedule never records one attempt twice.
2xx is delivered; 410 Gone turns the endpoint off; anything else (or no answer within 10 seconds) is tried again
after 1 minute, 5, 30, 2 hours, 6 and 12, and given up after that (about 21 hours), telling the admins once.
"""

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tidings import http
from tidings.core.signing import signed_headers
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint
from tidings.workspaces.roles import Action

logger = logging.getLogger("tidings.webhooks")

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)
TIMEOUT = httpx.Timeout(10.0)
EXCERPT_BYTES = 1024
# How long a claimed delivery is left to its workflow before the sweep hands it out again.
LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int


def send(delivery: Delivery) -> Answer:
    """POST the delivery's payload, signed with its endpoint's secret, through the public-only client."""
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Tidings-Event": delivery.event_type,
        "X-Tidings-Delivery": str(delivery.event_id),
        **signed_headers(endpoint.secret, body),
    }
    began = time.monotonic()
    try:
        # The process's pooled public-only client: building one per attempt would load the CA bundle each time.
        with http.shared_client().stream(
            "POST", endpoint.url, content=body, headers=headers, timeout=TIMEOUT
        ) as response:
            excerpt = _excerpt(response)
            code: int | None = response.status_code
            error = "" if response.is_success else f"Answered {response.status_code}"
    except httpx.HTTPError as failure:
        code, excerpt = None, ""
        error = http.refused_reason(failure) or f"No answer: {type(failure).__name__}"
    return Answer(code, error[:300], excerpt, max(0, round((time.monotonic() - began) * 1000)))


def _excerpt(response: httpx.Response) -> str:
    read = b""
    for chunk in response.iter_bytes():
        read += chunk
        if len(read) >= EXCERPT_BYTES:
            break
    return read[:EXCERPT_BYTES].decode("utf-8", errors="replace")


def attempt_delivery(delivery_id: int, *, number: int, manual: bool = False) -> str:
    """Send attempt `number` of a delivery and record it; what came of it ("delivered", "retry", "failed",
    "gone" when the endpoint answered 410) or "done" when there is nothing to send (an attempt recorded already,
    the delivery settled, or its endpoint turned off)."""
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.attempts >= number:
        return "done"
    if not manual and (delivery.status != DeliveryStatus.PENDING or not delivery.endpoint.enabled):
        return "done"
    started = timezone.now()
    answer = send(delivery)
    outcome = record_attempt(delivery, number=number, started=started, answer=answer, manual=manual)
    logger.info(
        "webhooks.attempt delivery=%s endpoint=%s attempt=%s status=%s outcome=%s duration_ms=%s",
        delivery.pk,
        delivery.endpoint_id,
        number,
        answer.status_code,
        outcome,
        answer.duration_ms,
    )
    return outcome


def _next(delivery: Delivery, number: int, now: datetime, *, manual: bool) -> tuple[str, datetime | None]:
    """Status and next attempt after a failed attempt. A person's attempt does not move the schedule of a
    delivery still being retried, and does not revive a settled one."""
    if manual:
        scheduled = delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None
        return (DeliveryStatus.PENDING, delivery.next_attempt_at) if scheduled else (DeliveryStatus.FAILED, None)
    if number <= len(BACKOFF):
        return DeliveryStatus.PENDING, now + BACKOFF[number - 1]
    return DeliveryStatus.FAILED, None


def record_attempt(delivery: Delivery, *, number: int, started: datetime, answer: Answer, manual: bool) -> str:
    now = timezone.now()
    code = answer.status_code
    status: str
    next_at: datetime | None
    if code is not None and 200 <= code < 300:
        status, next_at, outcome = DeliveryStatus.DELIVERED, None, "delivered"
    elif code == 410:
        status, next_at, outcome = DeliveryStatus.FAILED, None, "gone"
    else:
        status, next_at = _next(delivery, number, now, manual=manual)
        outcome = "retry" if status == DeliveryStatus.PENDING else "failed"
    with transaction.atomic():
        recorded = Delivery.objects.filter(pk=delivery.pk, attempts=number - 1).update(
            attempts=number,
            status=status,
            next_attempt_at=next_at,
            last_status_code=code,
            last_error=answer.error,
            response_excerpt=answer.excerpt,
            delivered_at=now if outcome == "delivered" else F("delivered_at"),
            updated_at=now,
        )
        if not recorded:
            return "done"
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started,
            duration_ms=answer.duration_ms,
            status_code=code,
            error=answer.error,
            response_excerpt=answer.excerpt,
            manual=manual,
        )
        _follow_endpoint(delivery.endpoint, outcome, now)
    return outcome


def _follow_endpoint(endpoint: Endpoint, outcome: str, now: datetime) -> None:
    """Keep the endpoint's failing streak, turn it off on 410, and tell its admins when it has failed for good."""
    rows = Endpoint.objects.filter(pk=endpoint.pk)
    if outcome == "delivered":
        rows.update(failing_since=None)
        return
    rows.filter(failing_since__isnull=True).update(failing_since=now)
    endpoint.refresh_from_db(fields=["failing_since", "enabled"])
    if outcome == "gone":
        rows.update(enabled=False, disabled_reason="It answered 410 Gone, so Tidings stopped sending to it.")
        _tell_admins(endpoint, f"{endpoint.url} answered 410 Gone, so it was turned off. Turn it on again to resume.")
    elif outcome == "failed":
        _tell_admins(endpoint, f"Tidings gave up delivering an event to {endpoint.url} after a day of retries.")


def _tell_admins(endpoint: Endpoint, message: str) -> None:
    since = endpoint.failing_since.isoformat() if endpoint.failing_since else ""
    notify(
        endpoint.workspace,
        audience=Action.WEBHOOKS,
        type=NotificationType.WEBHOOK_FAILING,
        title="A webhook endpoint is failing",
        message=f"{message} See its delivery log on the Webhooks page.",
        dedupe_key=f"webhook_failing:{endpoint.pk}:{since}",
        data={"endpoint_id": endpoint.pk},
    )


def claim_due_deliveries(*, now: datetime | None = None, limit: int = 500) -> list[tuple[int, int]]:
    """Pending deliveries whose time has come, to enabled endpoints: each is leased (so the next sweep leaves it
    to the workflow started now) and returned with the number of the attempt to make."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__enabled=True
    ).order_by("next_attempt_at")
    claimed = []
    for pk, attempts, at in due.values_list("pk", "attempts", "next_attempt_at")[:limit]:
        if Delivery.objects.filter(pk=pk, next_attempt_at=at, attempts=attempts).update(next_attempt_at=now + LEASE):
            claimed.append((pk, attempts + 1))
    return claimed
