"""Plan limits hold when scheduling, not only at publish time: a day's posts per platform, accounts beyond the plan
after a downgrade, the low-credit alert on every fall, the carryover cap, and how far ahead a post may wait."""

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from tests.api.conftest import Api, error, token
from tests.conftest import create_account, create_scheduled_post
from tests.support.credits import hold_credits
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput
from tidings.credits.alerts import check_low_credits
from tidings.credits.errors import InsufficientCredits
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.credits.renewal import renew_credits
from tidings.credits.selectors import available_credits
from tidings.credits.services import adjust_credits, ledger_balance
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.models import Platform, SocialAccount
from tidings.posts import publishing
from tidings.posts.lifecycle import move_targets
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import create_post, reschedule_post, schedule_post, update_post
from tidings.tiers.plans import Tier
from tidings.tiers.services import TierLimitReached
from tidings.workspaces.plan import change_tier

pytestmark = pytest.mark.django_db


def local_noon(user: User, days: int) -> datetime:
    """Noon `days` from today in the user's zone, so a test never straddles midnight."""
    today = timezone.now().astimezone(workspace_of(user).zone)
    return (today + timedelta(days=days)).replace(hour=12, minute=0, second=0, microsecond=0)


def free_day_full(alice: User) -> tuple[Post, datetime]:
    """Alice (Free, two posts a day to a platform) has two Mastodon posts tomorrow; a third is drafted."""
    account = create_account(alice)
    at = local_noon(alice, 1)
    for n in range(2):
        post = create_post(owner(alice), text=f"tomorrow {n}", account_ids=[account.pk])
        schedule_post(owner(alice), post.pk, at=at + timedelta(minutes=n))
    return create_post(owner(alice), text="One too many for the day", account_ids=[account.pk]), at


def test_a_third_post_for_a_free_day_is_refused_with_the_next_day_that_has_room(alice: User) -> None:
    third, at = free_day_full(alice)

    with pytest.raises(TierLimitReached) as refusal:
        schedule_post(owner(alice), third.pk, at=at + timedelta(hours=2))

    next_day = (at + timedelta(days=1)).date()
    assert refusal.value.details == {
        "check": "can_post",
        "limit_name": "posts_per_platform_per_day",
        "limit": 2,
        "used": 2,
        "tier": "free",
        "platform": "mastodon",
        "next_open_day": next_day.isoformat(),
    }
    assert f"The next day with room is {next_day:%A %d %B %Y}." in refusal.value.message
    third.refresh_from_db()
    assert (third.scheduled_at, third.draft_reason) == (None, refusal.value.message)
    assert CreditReservation.objects.filter(workspace=workspace_of(alice)).count() == 2
    assert Notification.objects.filter(user=alice, type=NotificationType.TIER_LIMIT_REACHED).count() == 1
    assert schedule_post(owner(alice), third.pk, at=at + timedelta(days=1)).scheduled_at == at + timedelta(days=1)


def test_published_posts_count_for_their_day_too(alice: User) -> None:
    account = create_account(alice)
    for n in range(2):
        bring_to(create_scheduled_post(alice, [account], minutes=n + 1).targets.get(), TargetStatus.PUBLISHED)
    later_today = create_post(owner(alice), text="later today", account_ids=[account.pk])
    soon = timezone.now() + timedelta(minutes=5)
    if soon.astimezone(workspace_of(alice).zone).date() != timezone.now().astimezone(workspace_of(alice).zone).date():
        pytest.skip("too close to midnight in alice's zone to test 'later today'")
    with pytest.raises(TierLimitReached):
        schedule_post(owner(alice), later_today.pk, at=soon)


def test_the_api_refuses_the_third_post_of_a_day_with_the_next_open_day(alice: User) -> None:
    third, at = free_day_full(alice)
    api = Api(token(alice))

    body = error(api.post(f"/posts/{third.pk}/schedule", {"scheduled_at": at.isoformat()}), 403, "tier_limit_reached")

    assert (body["limit_name"], body["used"], body["platform"]) == ("posts_per_platform_per_day", 2, "mastodon")
    assert body["next_open_day"] == (at + timedelta(days=1)).date().isoformat()
    assert third.targets.get().status == TargetStatus.DRAFT


def test_publish_now_is_refused_once_todays_posts_are_planned(client: Client, alice: User) -> None:
    account = create_account(alice)
    for n in range(2):
        bring_to(create_scheduled_post(alice, [account], minutes=n + 1).targets.get(), TargetStatus.PUBLISHED)
    client.force_login(alice)

    page = client.post(
        "/compose/", {"text": "Third today", "accounts": [account.pk], "action": "now"}, follow=True
    ).content.decode()

    assert "at the daily limit" in page
    assert "The next day with room is" in page
    post = Post.objects.get(workspace=workspace_of(alice), text="Third today")
    assert post.targets.get().status == TargetStatus.DRAFT
    assert (
        CreditReservation.objects.filter(workspace=workspace_of(alice), status=ReservationStatus.PENDING).count() == 0
    )


def test_rescheduling_onto_a_full_day_is_refused_and_the_post_keeps_its_time(alice: User) -> None:
    _, at = free_day_full(alice)
    elsewhere = create_scheduled_post(alice, [SocialAccount.objects.get(workspace=workspace_of(alice))], days=3)
    before = elsewhere.scheduled_at

    with pytest.raises(TierLimitReached):
        reschedule_post(owner(alice), elsewhere.pk, at=at + timedelta(hours=3))

    elsewhere.refresh_from_db()
    assert elsewhere.scheduled_at == before
    # Its own place does not count against itself: moving within its day is fine.
    assert reschedule_post(owner(alice), elsewhere.pk, at=before + timedelta(minutes=30)).scheduled_at > before


def test_a_post_can_wait_at_most_the_scheduling_horizon(bob: User, settings: object) -> None:
    post = create_post(owner(bob), text="far away", account_ids=[create_account(bob).pk])
    with pytest.raises(InvalidInput, match="at most 400 days ahead") as refusal:
        schedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(days=401))
    assert refusal.value.details == {"field": "scheduled_at"}
    assert CreditReservation.objects.filter(workspace=workspace_of(bob)).count() == 0
    assert schedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(days=399)).scheduled_at is not None


def test_after_a_downgrade_accounts_beyond_the_plan_are_skipped_and_refused(bob: User) -> None:
    accounts = [create_account(bob, Platform.MASTODON, n) for n in range(1, 4)]
    posts = [create_scheduled_post(bob, [account], days=n) for n, account in enumerate(accounts)]
    change_tier(workspace_of(bob), tier=Tier.FREE)

    with pytest.raises(Conflict, match="over your plan"):
        create_scheduled_post(bob, [accounts[2]], days=5)

    outcomes = []
    for post in posts:
        target = bring_to(post.targets.get(), TargetStatus.QUEUED)
        outcomes.append(publishing.begin_publish(target.pk))
    assert [o.action for o in outcomes] == ["publish", "skip", "skip"]
    assert "over your plan: the Free plan includes 1 Mastodon account" in outcomes[1].reason


def test_a_reservation_that_brings_credits_to_a_fifth_sends_the_alert_once(alice: User) -> None:
    holds = [hold_credits(alice, at=local_noon(alice, n + 1)) for n in range(7)]
    assert Notification.objects.filter(user=alice, type=NotificationType.LOW_CREDITS).count() == 0

    hold_credits(alice, at=local_noon(alice, 9))  # 2 of 10 left: 20%

    alerts = Notification.objects.filter(user=alice, type=NotificationType.LOW_CREDITS)
    assert list(alerts.values_list("data", flat=True)) == [{"available": 2, "monthly": 10, "balance": "credits"}]
    hold_credits(alice, at=local_noon(alice, 10))
    assert alerts.count() == 1
    assert workspace_of(alice).low_credits_alerted_cycle == workspace_of(alice).last_credit_reset
    assert len(holds) == 7


def test_an_adjustment_that_brings_credits_low_sends_the_alert(bob: User) -> None:
    adjust_credits(workspace_of(bob), amount=-400, reason="Refund of an overcharge")
    assert Notification.objects.filter(user=bob, type=NotificationType.LOW_CREDITS).count() == 1


def test_a_rolled_back_reservation_leaves_no_alert_and_no_memo(alice: User) -> None:
    for n in range(7):
        hold_credits(alice, at=local_noon(alice, n + 1))

    def reserve_then_fail() -> None:
        with transaction.atomic():
            hold_credits(alice, at=local_noon(alice, 9))
            raise RuntimeError("the request failed after reserving")

    with pytest.raises(RuntimeError):
        reserve_then_fail()
    assert workspace_of(alice).low_credits_alerted_cycle is None
    assert Notification.objects.filter(user=alice, type=NotificationType.LOW_CREDITS).count() == 0
    assert check_low_credits(workspace_of(alice)) is False  # 3 of 10 available
    hold_credits(alice, at=local_noon(alice, 9))
    assert Notification.objects.filter(user=alice, type=NotificationType.LOW_CREDITS).count() == 1


def _renewed(user: User) -> User:
    later = workspace_of(user).next_credit_reset + timedelta(minutes=1)
    assert renew_credits(workspace_of(user).pk, now=later) is not None
    return user


def test_an_edit_after_renewal_pays_from_the_new_cycle_and_the_old_credit_expires(bob: User) -> None:
    """Placeholder posts must not carry credits past the carryover cap: 300 held posts would otherwise be 300
    credits over the renewal, spendable on any content through edits."""
    account = create_account(bob)
    placeholder = create_scheduled_post(bob, [account], days=200, text="placeholder")
    target = placeholder.targets.get()
    old = CreditReservation.objects.get(target=target)
    bob = _renewed(bob)
    balance = workspace_of(bob).credits

    update_post(owner(bob), placeholder.pk, text="the real announcement")

    old.refresh_from_db()
    assert old.status == ReservationStatus.RELEASED
    expired = CreditLedgerEntry.objects.get(reservation=old, kind=LedgerKind.EXPIRE)
    assert expired.amount == -1
    new = CreditReservation.objects.get(target=target, status=ReservationStatus.PENDING)
    assert new.cycle_start == workspace_of(bob).last_credit_reset
    assert workspace_of(bob).credits == balance - 1 == ledger_balance(workspace_of(bob))
    assert available_credits(workspace_of(bob)) == workspace_of(bob).credits - 1


def test_an_unchanged_post_keeps_its_earlier_credit_over_the_renewal(bob: User) -> None:
    target = create_scheduled_post(bob, [create_account(bob)], days=40).targets.get()
    bob = _renewed(bob)
    held = CreditReservation.objects.get(target=target)
    assert (held.status, held.cycle_start < workspace_of(bob).last_credit_reset) == (ReservationStatus.PENDING, True)


def test_a_reschedule_after_renewal_reserves_again_and_is_refused_when_the_cycle_is_short(db: None) -> None:
    from tests.conftest import make_user

    user = make_user("fred", Tier.PRO, tier_limits={"monthly_credits": 1, "carryover_cap": 0})
    account = create_account(user)
    held = create_scheduled_post(user, [account], days=40)
    user = _renewed(user)
    create_scheduled_post(user, [account], days=41)  # the new cycle's one credit is now held elsewhere

    with pytest.raises(InsufficientCredits):
        reschedule_post(owner(user), held.pk, at=held.scheduled_at + timedelta(hours=1))

    reservation = CreditReservation.objects.get(target__post=held)
    assert (reservation.status, reservation.cycle_start < workspace_of(user).last_credit_reset) == (
        ReservationStatus.PENDING,
        True,
    )
    assert PostTarget.objects.get(post=held).scheduled_at == held.scheduled_at


def test_a_target_stuck_in_flight_does_not_count_toward_later_days(alice: User) -> None:
    account = create_account(alice)
    stuck = [
        bring_to(create_scheduled_post(alice, [account], days=n).targets.get(), TargetStatus.PUBLISHING)
        for n in range(2)
    ]
    PostTarget.objects.filter(pk__in=[t.pk for t in stuck]).update(scheduled_at=timezone.now() - timedelta(days=3))
    today = create_scheduled_post(alice, [account], minutes=1).targets.get()
    with transaction.atomic():
        move_targets(None, [today.pk], to=TargetStatus.QUEUED)
    assert publishing.begin_publish(today.pk).action == "publish"
