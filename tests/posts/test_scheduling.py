from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.credits.errors import InsufficientCredits
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.credits.services import ledger_balance
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.models import Platform
from tidings.posts.models import Post, TargetStatus
from tidings.posts.services import (
    cancel_post,
    create_post,
    delete_post,
    reschedule_post,
    schedule_post,
    unschedule_post,
)
from tidings.tiers.services import TierLimitReached
from tidings.workspaces.plan import set_tier_limits

pytestmark = pytest.mark.django_db


def statuses(post: Post) -> list[str]:
    return sorted(post.targets.values_list("status", flat=True))


def test_scheduling_reserves_one_credit_per_target(bob: User) -> None:
    accounts = [create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)]
    post = create_scheduled_post(bob, accounts)
    assert statuses(post) == ["scheduled", "scheduled"]
    assert CreditReservation.objects.filter(workspace=workspace_of(bob), status=ReservationStatus.PENDING).count() == 2
    assert workspace_of(bob).credits == 500
    assert available_credits(workspace_of(bob)) == 498


def test_a_full_queue_keeps_the_post_a_draft_with_the_reason_and_reserves_nothing(alice: User) -> None:
    account = create_account(alice)
    for day in range(5):
        create_scheduled_post(alice, [account], days=day)
    sixth = create_post(owner(alice), text="One too many", account_ids=[account.pk])
    with pytest.raises(TierLimitReached) as refusal:
        schedule_post(owner(alice), sixth.pk, at=timezone.now() + timedelta(hours=1))
    assert refusal.value.as_dict() == {
        "code": "tier_limit_reached",
        "message": refusal.value.message,
        "check": "can_schedule",
        "limit_name": "queue_size",
        "limit": 5,
        "used": 5,
        "tier": "free",
    }
    sixth.refresh_from_db()
    assert sixth.text == "One too many"
    assert sixth.scheduled_at is None
    assert sixth.draft_reason == refusal.value.message
    assert statuses(sixth) == ["draft"]
    assert CreditReservation.objects.filter(workspace=workspace_of(alice)).count() == 5
    assert Notification.objects.filter(user=alice, type=NotificationType.TIER_LIMIT_REACHED).count() == 1


def test_a_second_refusal_on_the_same_day_does_not_notify_twice(alice: User) -> None:
    account = create_account(alice)
    for day in range(5):
        create_scheduled_post(alice, [account], days=day)
    for _ in range(3):
        extra = create_post(owner(alice), text="again", account_ids=[account.pk])
        with pytest.raises(TierLimitReached):
            schedule_post(owner(alice), extra.pk, at=timezone.now() + timedelta(hours=1))
    assert Notification.objects.filter(user=alice, type=NotificationType.TIER_LIMIT_REACHED).count() == 1


def test_scheduling_without_enough_credits_is_refused_and_stays_a_draft(alice: User) -> None:
    set_tier_limits(workspace_of(alice), overrides={"queue_size": 100})
    account = create_account(alice)
    for day in range(10):
        create_scheduled_post(alice, [account], days=day)
    post = create_post(owner(alice), text="no credit left", account_ids=[account.pk])
    with pytest.raises(InsufficientCredits) as refusal:
        schedule_post(owner(alice), post.pk, at=timezone.now() + timedelta(days=10, hours=1))
    assert refusal.value.details == {"available": 0, "needed": 1, "tier": "free", "balance": "credits"}
    post.refresh_from_db()
    assert statuses(post) == ["draft"]
    assert post.draft_reason.startswith("Not enough credits")
    assert CreditReservation.objects.filter(workspace=workspace_of(alice)).count() == 10


def test_a_time_in_the_past_is_refused(alice: User) -> None:
    account = create_account(alice)
    post = create_post(owner(alice), text="late", account_ids=[account.pk])
    with pytest.raises(InvalidInput) as refusal:
        schedule_post(owner(alice), post.pk, at=timezone.now() - timedelta(minutes=1))
    assert refusal.value.details == {"field": "scheduled_at"}
    post.refresh_from_db()
    assert statuses(post) == ["draft"]
    assert not CreditReservation.objects.filter(workspace=workspace_of(alice)).exists()


def test_another_users_post_is_not_found(alice: User, bob: User) -> None:
    post = create_post(owner(bob), text="bob's", account_ids=[create_account(bob).pk])
    for action in (unschedule_post, cancel_post, delete_post):
        with pytest.raises(NotFound):
            action(owner(alice), post.pk)
    with pytest.raises(NotFound):
        schedule_post(owner(alice), post.pk, at=timezone.now() + timedelta(hours=1))


def test_another_users_account_cannot_be_a_target(alice: User, bob: User) -> None:
    with pytest.raises(InvalidInput):
        create_post(owner(alice), text="x", account_ids=[create_account(bob).pk])
    assert not Post.objects.filter(workspace=workspace_of(alice)).exists()


@pytest.mark.parametrize(
    ("action", "expected"),
    [(unschedule_post, ["draft"]), (cancel_post, ["cancelled"])],
)
def test_taking_a_post_out_of_the_queue_releases_its_credit(alice: User, action, expected: list[str]) -> None:
    post = create_scheduled_post(alice, [create_account(alice)])
    action(owner(alice), post.pk)
    assert statuses(post) == expected
    reservation = CreditReservation.objects.get(workspace=workspace_of(alice))
    assert reservation.status == ReservationStatus.RELEASED
    assert workspace_of(alice).credits == 10
    assert available_credits(workspace_of(alice)) == 10
    assert ledger_balance(workspace_of(alice)) == 10


def test_deleting_a_scheduled_post_releases_its_credit(alice: User) -> None:
    post = create_scheduled_post(alice, [create_account(alice)])
    delete_post(owner(alice), post.pk)
    assert not Post.objects.filter(pk=post.pk).exists()
    assert CreditReservation.objects.get(workspace=workspace_of(alice)).status == ReservationStatus.RELEASED
    assert available_credits(workspace_of(alice)) == 10


def test_rescheduling_moves_waiting_targets(alice: User) -> None:
    post = create_scheduled_post(alice, [create_account(alice)])
    later = timezone.now() + timedelta(days=2)
    reschedule_post(owner(alice), post.pk, at=later)
    assert post.targets.get().scheduled_at == later
    with pytest.raises(InvalidInput):
        reschedule_post(owner(alice), post.pk, at=timezone.now() - timedelta(seconds=1))
    assert post.targets.get().scheduled_at == later


def test_cancelling_twice_is_a_conflict_and_releases_once(alice: User) -> None:
    post = create_scheduled_post(alice, [create_account(alice)])
    cancel_post(owner(alice), post.pk)
    with pytest.raises(Conflict):
        cancel_post(owner(alice), post.pk)
    assert CreditReservation.objects.filter(status=ReservationStatus.RELEASED).count() == 1
    assert post.targets.get().status == TargetStatus.CANCELLED


def test_content_the_platform_would_refuse_is_not_scheduled(bob: User) -> None:
    account = create_account(bob, Platform.LINKEDIN)
    post = create_post(owner(bob), text="word " * 700, account_ids=[account.pk])
    with pytest.raises(InvalidInput) as refusal:
        schedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(hours=1))
    assert refusal.value.details == {"field": "text"}
    assert "3000" in refusal.value.message
    post.refresh_from_db()
    assert statuses(post) == ["draft"]
    assert post.draft_reason == refusal.value.message[:500]
    assert not CreditReservation.objects.filter(workspace=workspace_of(bob)).exists()
