"""Sending deliveries to a real loopback receiver: signed as documented, retried with the published backoff until
2xx, given up after the last wait (the admins told once), 410 turns the endpoint off, at most a kilobyte of each
answer kept, and each attempt recorded once however often its step runs."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.support.event_receiver import Receiver
from tests.support.workspaces import join, workspace_of
from tests.webhooks.conftest import endpoint_for
from tidings.accounts.models import User
from tidings.notifications.links import action_label, destination
from tidings.notifications.models import Notification, NotificationType
from tidings.webhooks.delivery import BACKOFF, attempt_delivery, claim_due_deliveries
from tidings.webhooks.events import emit
from tidings.webhooks.models import Delivery, DeliveryStatus, Endpoint, EventType

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def event_for(user: User, receiver: Receiver) -> tuple[Endpoint, Delivery]:
    endpoint = endpoint_for(user, receiver.url, ["credits.low"])
    receiver.secret = endpoint.secret
    (delivery_id,) = emit(workspace_of(user), EventType.CREDITS_LOW, {"available": 1}, key="cycle")
    return endpoint, Delivery.objects.get(pk=delivery_id)


def run_due(now: datetime) -> list[str]:
    """What the sweep and its workflows do at `now`: claim what is due and make each attempt."""
    return [attempt_delivery(pk, number=number) for pk, number in claim_due_deliveries(now=now)]


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    alice: User, receiver: Receiver, clock: time_machine.Traveller
) -> None:
    receiver.answers = [500, 503]
    endpoint, delivery = event_for(alice, receiver)
    assert attempt_delivery(delivery.pk, number=1) == "retry"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at == T0 + BACKOFF[0]
    clock.move_to(T0 + BACKOFF[0] - timedelta(seconds=1))
    assert run_due(timezone.now()) == []
    clock.move_to(T0 + BACKOFF[0])
    assert run_due(timezone.now()) == ["retry"]
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == T0 + BACKOFF[0] + BACKOFF[1]
    clock.move_to(delivery.next_attempt_at)
    assert run_due(timezone.now()) == ["delivered"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("delivered", 3, None)
    assert delivery.delivered_at == timezone.now()
    assert list(delivery.attempt_log.values_list("number", "status_code", "manual")) == [
        (3, 200, False),
        (2, 503, False),
        (1, 500, False),
    ]
    # Every request carried the same event, signed with the endpoint's secret as docs/webhooks.md says.
    assert len(receiver.received) == 3
    for request in receiver.received:
        assert request.signature_ok
        assert request.body == delivery.payload
        assert request.headers["X-Tidings-Event"] == "credits.low"
        assert request.headers["X-Tidings-Delivery"] == str(delivery.event_id)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_after_the_last_wait_it_fails_and_the_admins_hear_once(
    alice: User, bob: User, carol: User, receiver: Receiver, clock: time_machine.Traveller
) -> None:
    workspace = workspace_of(alice)
    join(bob, workspace, "admin")
    join(carol, workspace, "editor")
    receiver.answers = [500] * 20
    endpoint, delivery = event_for(alice, receiver)
    assert attempt_delivery(delivery.pk, number=1) == "retry"
    outcomes = []
    for wait in BACKOFF:
        clock.shift(wait)
        outcomes += run_due(timezone.now())
    assert outcomes == ["retry"] * (len(BACKOFF) - 1) + ["failed"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 7, None)
    assert timezone.now() - T0 == sum(BACKOFF, timedelta())  # 20 h 36 min of retries
    told = Notification.objects.filter(type=NotificationType.WEBHOOK_FAILING)
    assert sorted(told.values_list("user__username", flat=True)) == ["alice", "bob"]
    # Another event given up in the same failing streak tells no one again.
    (second,) = emit(workspace, EventType.CREDITS_LOW, {"available": 0}, key="cycle-2")
    Delivery.objects.filter(pk=second).update(attempts=len(BACKOFF))
    assert attempt_delivery(second, number=len(BACKOFF) + 1) == "failed"
    assert told.count() == 2
    endpoint.refresh_from_db()
    assert endpoint.enabled
    assert endpoint.failing_since == T0


def test_410_turns_the_endpoint_off(alice: User, receiver: Receiver, clock: time_machine.Traveller) -> None:
    receiver.answers = [410]
    endpoint, delivery = event_for(alice, receiver)
    (other,) = emit(workspace_of(alice), EventType.CREDITS_LOW, {"available": 0}, key="cycle-2")
    assert attempt_delivery(delivery.pk, number=1) == "gone"
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.disabled_reason == "It answered 410 Gone, so Tidings stopped sending to it."
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == ("failed", 410)
    # Nothing more goes to it: the other event waits, unsent, until someone turns it on again.
    clock.shift(timedelta(days=1))
    assert run_due(timezone.now()) == []
    assert attempt_delivery(other, number=1) == "done"
    assert len(receiver.received) == 1
    assert Notification.objects.filter(type=NotificationType.WEBHOOK_FAILING, user=alice).count() == 1


def test_an_attempt_is_recorded_once_however_often_its_step_runs(alice: User, receiver: Receiver) -> None:
    _, delivery = event_for(alice, receiver)
    assert attempt_delivery(delivery.pk, number=1) == "delivered"
    assert attempt_delivery(delivery.pk, number=1) == "done"
    assert delivery.attempt_log.count() == 1
    assert len(receiver.received) == 1


def test_only_a_kilobyte_of_the_answer_is_kept(alice: User, receiver: Receiver) -> None:
    receiver.reply = b"x" * 5000
    _, delivery = event_for(alice, receiver)
    attempt_delivery(delivery.pk, number=1)
    delivery.refresh_from_db()
    assert delivery.response_excerpt == "x" * 1024
    assert delivery.attempt_log.get().response_excerpt == "x" * 1024


def test_no_answer_is_retried(alice: User, receiver: Receiver, clock: time_machine.Traveller) -> None:
    _, delivery = event_for(alice, receiver)
    receiver.stop()  # the port refuses connections now
    assert attempt_delivery(delivery.pk, number=1) == "retry"
    delivery.refresh_from_db()
    assert delivery.last_status_code is None
    assert delivery.last_error == "No answer: ConnectError"
    assert delivery.next_attempt_at == T0 + BACKOFF[0]


def test_the_address_guard_refuses_a_local_address_at_send_time(
    alice: User, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, delivery = event_for(alice, receiver)
    monkeypatch.delenv("TIDINGS_ALLOW_LOCAL_SERVERS")
    assert attempt_delivery(delivery.pk, number=1) == "retry"
    delivery.refresh_from_db()
    assert delivery.last_error == "127.0.0.1 is on this machine or a private network, which this server does not call."
    assert receiver.received == []


def test_the_sweep_leases_what_it_claims(alice: User, receiver: Receiver, clock: time_machine.Traveller) -> None:
    _, delivery = event_for(alice, receiver)
    later = timezone.now() + timedelta(minutes=3)
    assert claim_due_deliveries(now=later) == [(delivery.pk, 1)]
    assert claim_due_deliveries(now=later) == []  # its workflow has it for now
    assert claim_due_deliveries(now=later + timedelta(minutes=2)) == [(delivery.pk, 1)]  # it never recorded: again
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.PENDING


def test_the_failing_notice_leads_to_the_endpoints_log(alice: User, receiver: Receiver) -> None:
    receiver.answers = [410]
    endpoint, delivery = event_for(alice, receiver)
    attempt_delivery(delivery.pk, number=1)
    notice = Notification.objects.get(type=NotificationType.WEBHOOK_FAILING)
    assert action_label(notice) == "See its deliveries"
    assert destination(alice, notice).url == f"/workspace/webhooks/{endpoint.pk}/"
