"""`retry_target`: only failed or skipped targets (an unconfirmed one is resolved first); a new dispatch round, due
now, with a credit; a refusal keeps the target as it was with the reason and reserves nothing."""

import pytest
from django.utils import timezone

from tests.admin.conftest import ended_target
from tests.conftest import create_account
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict, NotFound
from tidings.credits.errors import InsufficientCredits
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.credits.services import adjust_credits
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.models import Platform
from tidings.platforms.services import mark_reconnect_needed
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.retry import retry_target
from tidings.tiers.services import TierLimitReached
from tidings.usage.models import Metric
from tidings.usage.services import count_usage
from tidings.workspaces.plan import set_tier_limits

pytestmark = pytest.mark.django_db


def pending(target: PostTarget) -> int:
    return CreditReservation.objects.filter(target=target, status=ReservationStatus.PENDING).count()


@pytest.mark.parametrize("status", [TargetStatus.FAILED, TargetStatus.SKIPPED])
def test_a_failed_or_skipped_target_is_due_now_in_a_new_round(alice: User, status: TargetStatus) -> None:
    target = ended_target(alice, create_account(alice, Platform.WEBHOOK), status)
    before = timezone.now()

    retried = retry_target(owner(alice), target.pk)

    assert retried.status == TargetStatus.SCHEDULED
    assert before <= retried.scheduled_at <= timezone.now()
    assert (retried.dispatch_round, retried.workflow_id) == (1, f"publish-{target.pk}-1")
    assert retried.idempotency_key == target.idempotency_key
    assert pending(retried) == 1
    assert available_credits(workspace_of(alice)) == 9
    bring_to(retried, TargetStatus.FAILED, reason="Again.")
    assert retry_target(owner(alice), target.pk).workflow_id == f"publish-{target.pk}-2"


def test_an_unconfirmed_target_is_not_sent_again_until_its_last_send_is_resolved(alice: User) -> None:
    target = ended_target(alice, create_account(alice, Platform.WEBHOOK), TargetStatus.UNCONFIRMED)
    assert pending(target) == 1

    with pytest.raises(Conflict, match="may already have gone out"):
        retry_target(owner(alice), target.pk)

    after = PostTarget.objects.get(pk=target.pk)
    assert (after.status, after.dispatch_round) == (TargetStatus.UNCONFIRMED, 0)
    assert after.sending_since is not None
    assert pending(after) == 1
    assert available_credits(workspace_of(alice)) == 9


@pytest.mark.parametrize("status", [TargetStatus.PUBLISHED, TargetStatus.SCHEDULED])
def test_only_ended_unsuccessful_targets_can_be_retried(alice: User, status: TargetStatus) -> None:
    account = create_account(alice, Platform.WEBHOOK)
    if status == TargetStatus.PUBLISHED:
        target = ended_target(alice, account, TargetStatus.PUBLISHED)
    else:
        from tests.conftest import create_scheduled_post

        target = PostTarget.objects.get(post=create_scheduled_post(alice, [account]))
    credits_before = available_credits(workspace_of(alice))
    with pytest.raises(Conflict, match="Only failed or skipped"):
        retry_target(owner(alice), target.pk)
    after = PostTarget.objects.get(pk=target.pk)
    assert (after.status, after.dispatch_round, after.error) == (status, 0, target.error)
    assert available_credits(workspace_of(alice)) == credits_before


def test_another_users_target_is_not_found(alice: User, bob: User) -> None:
    target = ended_target(alice, create_account(alice, Platform.WEBHOOK), TargetStatus.FAILED)
    with pytest.raises(NotFound):
        retry_target(owner(bob), target.pk)


def test_without_credits_it_stays_failed_with_the_reason(alice: User) -> None:
    target = ended_target(alice, create_account(alice, Platform.WEBHOOK), TargetStatus.FAILED)
    adjust_credits(workspace_of(alice), amount=-10, reason="Test: no credits left")

    with pytest.raises(InsufficientCredits):
        retry_target(owner(alice), target.pk)

    after = PostTarget.objects.get(pk=target.pk)
    assert after.status == TargetStatus.FAILED
    assert after.dispatch_round == 0
    assert after.error == (
        "Retry refused: Not enough credits: 0 available, 1 needed. Credits renew monthly; cancel a scheduled post "
        "or upgrade to free some.\nThe platform said no."
    )
    assert pending(after) == 0
    with pytest.raises(InsufficientCredits):
        retry_target(owner(alice), target.pk)
    assert PostTarget.objects.get(pk=target.pk).error.count("Retry refused") == 1


def test_a_plan_limit_refuses_and_notifies(alice: User) -> None:
    target = ended_target(alice, create_account(alice, Platform.WEBHOOK), TargetStatus.SKIPPED)
    count_usage(workspace_of(alice), metric=Metric.POSTS, platform="webhook", amount=2)

    with pytest.raises(TierLimitReached) as refusal:
        retry_target(owner(alice), target.pk)

    assert refusal.value.details["check"] == "can_post"
    assert PostTarget.objects.get(pk=target.pk).status == TargetStatus.SKIPPED
    assert pending(target) == 0
    assert Notification.objects.filter(user=alice, type=NotificationType.TIER_LIMIT_REACHED).count() == 1
    set_tier_limits(workspace_of(alice), overrides={"posts_per_platform_per_day": 3, "queue_size": 0})
    with pytest.raises(TierLimitReached) as refusal:
        retry_target(owner(alice), target.pk)
    assert refusal.value.details["check"] == "can_schedule"


def test_an_account_that_needs_reconnecting_is_refused(alice: User) -> None:
    account = create_account(alice, Platform.WEBHOOK)
    target = ended_target(alice, account, TargetStatus.FAILED)
    mark_reconnect_needed(account.pk, reason="Token revoked")
    with pytest.raises(Conflict, match="Reconnect"):
        retry_target(owner(alice), target.pk)
    assert PostTarget.objects.get(pk=target.pk).error.startswith("Retry refused: Reconnect")
    assert pending(target) == 0
