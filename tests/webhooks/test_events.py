"""Each event is emitted from the place the product already reports it, once, in that place's transaction, to the
endpoints of that workspace that listen for it, with ids, times and outcomes and nothing secret."""

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post
from tests.support.states import bring_to
from tests.support.workspaces import join, owner, workspace_of
from tests.webhooks.conftest import endpoint_for
from tidings.accounts.models import User
from tidings.credits.services import adjust_credits
from tidings.platforms.services import mark_reconnect_needed
from tidings.posts import publishing
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post, unschedule_post
from tidings.webhooks.events import HANDOFF, emit, event_id
from tidings.webhooks.models import Delivery, DeliveryStatus, EventType

pytestmark = pytest.mark.django_db
URL = "https://hooks.example.org/tidings"


def deliveries(event_type: str) -> list[Delivery]:
    return list(Delivery.objects.filter(event_type=event_type).order_by("pk"))


def target_of(post_id: int) -> PostTarget:
    return PostTarget.objects.select_related("account").get(post_id=post_id)


def test_scheduling_a_post_emits_post_scheduled_with_its_target(alice: User, local_ok: None) -> None:
    endpoint = endpoint_for(alice, URL)
    account = create_account(alice)
    post = create_scheduled_post(alice, [account])
    target = target_of(post.pk)
    (delivery,) = deliveries(EventType.POST_SCHEDULED)
    assert delivery.endpoint == endpoint
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 0
    assert delivery.payload["id"] == str(delivery.event_id)
    assert delivery.payload["type"] == "post.scheduled"
    assert delivery.payload["workspace"] == {"id": workspace_of(alice).pk}
    assert delivery.payload["data"] == {
        "post_id": post.pk,
        "target_id": target.pk,
        "status": "scheduled",
        "platform": "mastodon",
        "account": {"id": account.pk, "handle": "@alice1"},
        "scheduled_at": target.scheduled_at.isoformat(),
        "published_at": None,
        "published_url": "",
        "error": "",
    }
    # Left to the workflow started after the commit for a while; the sweep takes it after that.
    assert timezone.now() < delivery.next_attempt_at <= timezone.now() + HANDOFF


def test_the_payload_carries_no_token(alice: User, local_ok: None) -> None:
    endpoint = endpoint_for(alice, URL)
    account = create_account(alice)
    create_scheduled_post(alice, [account])
    (delivery,) = deliveries(EventType.POST_SCHEDULED)
    assert account.access_token not in str(delivery.payload)
    assert endpoint.secret not in str(delivery.payload)


def test_publishing_emits_post_published_once_with_its_address(alice: User, local_ok: None) -> None:
    endpoint_for(alice, URL, ["post.published"])
    post = create_scheduled_post(alice, [create_account(alice)])
    target = bring_to(target_of(post.pk), TargetStatus.PUBLISHED)
    (delivery,) = deliveries(EventType.POST_PUBLISHED)
    assert delivery.payload["data"]["published_url"] == f"https://example.org/{target.pk}"
    assert delivery.payload["data"]["published_at"] == target.published_at.isoformat()
    # A completion run again (a replayed step) moves nothing and emits nothing.
    assert publishing.complete_publish(target.pk, external_id="again") is False
    assert len(deliveries(EventType.POST_PUBLISHED)) == 1
    assert Delivery.objects.count() == 1  # not subscribed to post.scheduled


@pytest.mark.parametrize(
    ("ending", "event"),
    [(TargetStatus.FAILED, EventType.POST_FAILED), (TargetStatus.UNCONFIRMED, EventType.POST_UNCONFIRMED)],
)
def test_an_ending_emits_its_event_with_the_reason(alice: User, local_ok: None, ending: str, event: str) -> None:
    endpoint_for(alice, URL, [event])
    post = create_scheduled_post(alice, [create_account(alice)])
    target = bring_to(target_of(post.pk), ending, reason="The platform said no.")
    (delivery,) = deliveries(event)
    assert delivery.payload["data"]["status"] == ending
    assert delivery.payload["data"]["error"].startswith("The platform said no.")
    assert publishing.end_target(target.pk, status=TargetStatus(ending), reason="again") == ""
    assert len(deliveries(event)) == 1


def test_scheduling_again_is_a_new_event(alice: User, local_ok: None) -> None:
    endpoint_for(alice, URL, ["post.scheduled"])
    post = create_scheduled_post(alice, [create_account(alice)])
    unschedule_post(owner(alice), post.pk)
    schedule_post(owner(alice), post.pk, at=timezone.now() + timedelta(days=1))
    first, second = deliveries(EventType.POST_SCHEDULED)
    assert first.event_id != second.event_id


def test_a_proposal_emits_approval_requested(carol: User, bob: User, local_ok: None) -> None:
    workspace = workspace_of(carol)
    endpoint_for(carol, URL, ["approval.requested", "post.scheduled"])
    account = create_account(carol)
    writer = join(bob, workspace, "contributor")
    post = create_post(writer, text="Proposed", account_ids=[account.pk])
    schedule_post(writer, post.pk, at=timezone.now() + timedelta(days=2))
    (delivery,) = deliveries(EventType.APPROVAL_REQUESTED)
    target = target_of(post.pk)
    assert delivery.payload["data"] == {
        "post_id": post.pk,
        "scheduled_at": target.scheduled_at.isoformat(),
        "targets": [
            {"target_id": target.pk, "platform": "mastodon", "account": {"id": account.pk, "handle": "@carol1"}}
        ],
    }
    assert deliveries(EventType.POST_SCHEDULED) == []  # waiting for approval is not scheduled yet


def test_low_credits_emit_credits_low_once_per_cycle(bob: User, local_ok: None) -> None:
    endpoint_for(bob, URL, ["credits.low"])
    adjust_credits(workspace_of(bob), amount=-401, reason="Support correction")  # 99 of 500 left
    adjust_credits(workspace_of(bob), amount=-1, reason="Support correction")
    (delivery,) = deliveries(EventType.CREDITS_LOW)
    workspace = workspace_of(bob)
    assert delivery.payload["data"] == {
        "balance": "credits",
        "available": 99,
        "monthly": 500,
        "renews_at": workspace.next_credit_reset.isoformat(),
    }


def test_an_account_needing_reconnection_emits_once(alice: User, local_ok: None) -> None:
    endpoint_for(alice, URL, ["account.reconnect_needed"])
    account = create_account(alice)
    assert mark_reconnect_needed(account.pk, reason="The token was revoked.") is True
    assert mark_reconnect_needed(account.pk, reason="Again.") is False
    (delivery,) = deliveries(EventType.ACCOUNT_RECONNECT_NEEDED)
    assert delivery.payload["data"] == {
        "account": {"id": account.pk, "platform": "mastodon", "handle": "@alice1"},
        "reason": "The token was revoked.",
    }


def test_only_this_workspaces_enabled_subscribed_endpoints_get_it(alice: User, bob: User, local_ok: None) -> None:
    listening = endpoint_for(alice, URL, ["post.scheduled"])
    endpoint_for(alice, "https://other.example.org/", ["post.published"])
    off = endpoint_for(alice, "https://off.example.org/", ["post.scheduled"])
    off.enabled = False
    off.save()
    endpoint_for(bob, "https://bob.example.org/", ["post.scheduled"])
    create_scheduled_post(alice, [create_account(alice)])
    assert [d.endpoint for d in Delivery.objects.all()] == [listening]


def test_an_event_exists_only_if_its_transaction_commits(alice: User, local_ok: None) -> None:
    endpoint_for(alice, URL, ["credits.low"])
    workspace = workspace_of(alice)

    def emit_then_fail() -> None:
        with transaction.atomic():
            emit(workspace, EventType.CREDITS_LOW, {"available": 1}, key="k")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        emit_then_fail()
    assert Delivery.objects.count() == 0


def test_the_same_event_twice_is_one_delivery_and_starts_after_commit(
    alice: User, local_ok: None, django_capture_on_commit_callbacks: object
) -> None:
    endpoint_for(alice, URL, ["credits.low"])
    workspace = workspace_of(alice)
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        first = emit(workspace, EventType.CREDITS_LOW, {"available": 1}, key="cycle-1")
        again = emit(workspace, EventType.CREDITS_LOW, {"available": 1}, key="cycle-1")
    assert len(first) == 1
    assert again == []
    assert len(callbacks) == 1
    (delivery,) = Delivery.objects.all()
    assert delivery.event_id == event_id(workspace, "credits.low", "cycle-1")
    assert isinstance(delivery.event_id, uuid.UUID)


def test_no_endpoint_no_work(alice: User) -> None:
    create_scheduled_post(alice, [create_account(alice)])
    assert Delivery.objects.count() == 0
