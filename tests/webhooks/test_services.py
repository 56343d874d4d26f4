"""Managing endpoints: only admins and owners, only in their workspace; addresses through the address guard and
https only; a secret made by Tidings, stored encrypted; a test event and a redelivery sent at once."""

import pytest
from django.db import connection

from tests.support.event_receiver import Receiver
from tests.support.workspaces import join, owner, workspace_of
from tests.webhooks.conftest import endpoint_for
from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.webhooks import services
from tidings.webhooks.delivery import attempt_delivery
from tidings.webhooks.events import emit
from tidings.webhooks.models import Delivery, DeliveryAttempt, Endpoint, EventType
from tidings.webhooks.selectors import endpoints_of
from tidings.workspaces.roles import RoleTooLow

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8000/hook", "Endpoints must use https://"),
        ("https://127.0.0.1/hook", "That address is not allowed: 127.0.0.1 is on this machine or a private network"),
        ("https://169.254.169.254/latest", "That address is not allowed: 169.254.169.254 is on this machine"),
        ("http://hooks.example.org/", "Endpoints must use https://"),
        ("hooks.example.org", "Give the endpoint's full https:// address."),
    ],
)
def test_an_address_that_is_not_public_https_is_refused(alice: User, url: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.create_endpoint(owner(alice), url=url, event_types=["post.published"])
    assert refused.value.message.startswith(message)
    assert refused.value.details == {"field": "url"}
    assert Endpoint.objects.count() == 0


def test_http_to_a_local_server_is_allowed_only_when_the_operator_allows_local_servers(
    alice: User, local_ok: None
) -> None:
    endpoint = services.create_endpoint(owner(alice), url="http://127.0.0.1:8000/hook", event_types=["post.failed"])
    assert endpoint.url == "http://127.0.0.1:8000/hook"


def test_the_secret_is_made_here_and_stored_encrypted(alice: User) -> None:
    endpoint = services.create_endpoint(
        owner(alice), url="https://hooks.example.org/", event_types=["post.failed", "post.published"]
    )
    assert endpoint.secret.startswith("whsec_")
    assert len(endpoint.secret) == 49
    assert endpoint.event_types == ["post.published", "post.failed"]  # in the documented order
    assert endpoint.created_by == alice
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_endpoint WHERE id = %s", [endpoint.pk])
        stored = cursor.fetchone()[0]
    assert endpoint.secret not in stored
    assert services.reveal_secret(owner(alice), endpoint.pk) == endpoint.secret


def test_unknown_or_no_events_are_refused(alice: User) -> None:
    for events, message in [(["post.deleted"], "Unknown event types: post.deleted."), ([], "Choose at least one")]:
        with pytest.raises(InvalidInput) as refused:
            services.create_endpoint(owner(alice), url="https://hooks.example.org/", event_types=events)
        assert refused.value.message.startswith(message)
    assert Endpoint.objects.count() == 0


@pytest.mark.parametrize("role", ["editor", "contributor", "viewer"])
def test_below_admin_nobody_changes_endpoints_or_sees_secrets(
    alice: User, bob: User, receiver: Receiver, role: str
) -> None:
    endpoint = endpoint_for(alice, receiver.url)
    (delivery_id,) = emit(workspace_of(alice), EventType.CREDITS_LOW, {}, key="k")
    member = join(bob, workspace_of(alice), role)
    attempts = [
        lambda: services.create_endpoint(member, url="https://x.example.org/", event_types=["post.failed"]),
        lambda: services.update_endpoint(
            member, endpoint.pk, url="https://x.example.org/", event_types=["post.failed"], description="", enabled=True
        ),
        lambda: services.set_endpoint_enabled(member, endpoint.pk, enabled=False),
        lambda: services.delete_endpoint(member, endpoint.pk),
        lambda: services.reveal_secret(member, endpoint.pk),
        lambda: services.ping_endpoint(member, endpoint.pk),
        lambda: services.redeliver(member, delivery_id),
    ]
    for attempt in attempts:
        with pytest.raises(RoleTooLow):
            attempt()
    assert list(Endpoint.objects.values_list("url", "enabled")) == [(receiver.url, True)]
    assert Delivery.objects.count() == 1
    assert DeliveryAttempt.objects.count() == 0
    assert receiver.received == []
    assert list(endpoints_of(member.workspace)) == [endpoint]  # they may still look


def test_an_admin_manages_them(alice: User, bob: User) -> None:
    admin = join(bob, workspace_of(alice), "admin")
    endpoint = services.create_endpoint(admin, url="https://hooks.example.org/", event_types=["post.failed"])
    changed = services.update_endpoint(
        admin,
        endpoint.pk,
        url="https://new.example.org/",
        event_types=["post.published"],
        description="CRM",
        enabled=False,
    )
    assert (changed.url, changed.event_types, changed.description, changed.enabled) == (
        "https://new.example.org/",
        ["post.published"],
        "CRM",
        False,
    )
    services.delete_endpoint(admin, endpoint.pk)
    assert Endpoint.objects.count() == 0


def test_another_workspaces_endpoints_and_deliveries_are_not_found(alice: User, bob: User, receiver: Receiver) -> None:
    endpoint = endpoint_for(alice, receiver.url)
    (delivery_id,) = emit(workspace_of(alice), EventType.CREDITS_LOW, {}, key="k")
    stranger = owner(bob)
    for attempt in [
        lambda: services.reveal_secret(stranger, endpoint.pk),
        lambda: services.ping_endpoint(stranger, endpoint.pk),
        lambda: services.delete_endpoint(stranger, endpoint.pk),
        lambda: services.redeliver(stranger, delivery_id),
    ]:
        with pytest.raises(NotFound):
            attempt()
    assert Endpoint.objects.count() == 1
    assert DeliveryAttempt.objects.count() == 0
    assert receiver.received == []


def test_a_ping_is_sent_at_once_and_logged(alice: User, receiver: Receiver) -> None:
    endpoint = endpoint_for(alice, receiver.url, ["post.published"])
    receiver.secret = endpoint.secret
    delivery = services.ping_endpoint(owner(alice), endpoint.pk)
    assert (delivery.event_type, delivery.status, delivery.attempts, delivery.last_status_code) == (
        "ping",
        "delivered",
        1,
        200,
    )
    assert delivery.payload["data"] == {
        "message": "A test from Tidings: events for this endpoint will arrive like this one."
    }
    (request,) = receiver.received
    assert request.signature_ok
    assert request.body["type"] == "ping"
    assert delivery.attempt_log.get().manual is True


def test_a_failed_ping_is_not_retried(alice: User, receiver: Receiver) -> None:
    receiver.answers = [500]
    delivery = services.ping_endpoint(owner(alice), endpoint_for(alice, receiver.url).pk)
    assert (delivery.status, delivery.next_attempt_at, delivery.last_error) == ("failed", None, "Answered 500")


def test_redelivery_sends_a_failed_delivery_again_as_a_new_attempt(alice: User, receiver: Receiver) -> None:
    receiver.answers = [410]
    endpoint = endpoint_for(alice, receiver.url)
    (delivery_id,) = emit(workspace_of(alice), EventType.CREDITS_LOW, {"available": 1}, key="k")
    assert attempt_delivery(delivery_id, number=1) == "gone"
    with pytest.raises(Conflict):
        services.redeliver(owner(alice), delivery_id)  # turned off by the 410
    services.set_endpoint_enabled(owner(alice), endpoint.pk, enabled=True)
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason, endpoint.failing_since) == (True, "", None)
    delivery = services.redeliver(owner(alice), delivery_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    assert list(delivery.attempt_log.values_list("number", "status_code", "manual")) == [
        (2, 200, True),
        (1, 410, False),
    ]
    first, second = receiver.received
    assert first.body["id"] == second.body["id"] == str(delivery.event_id)
