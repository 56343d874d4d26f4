from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post
from tests.generation.fake_openai import FakeOpenAI, Reply
from tidings.accounts.models import User
from tidings.accounts.services import change_tier, set_time_zone
from tidings.automation.models import AutomationRule
from tidings.automation.services import (
    check_rule_may_run,
    claim_due_rules,
    save_rule,
    schedule_rule_post,
    set_rule_enabled,
    write_rule_posts,
)
from tidings.core.errors import InvalidInput
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.models import Platform
from tidings.posts.models import Post, TargetStatus
from tidings.tiers.plans import Tier
from tidings.tiers.services import TierLimitReached

pytestmark = pytest.mark.django_db
BRIEF = {"topic": "Our spring sale", "tone": "warm", "hashtags": ["sale"]}


def make_rule(user: User, *, enabled: bool = True, schedule: str = "0 9 * * *") -> AutomationRule:
    account = create_account(user, Platform.MASTODON)
    return save_rule(
        user, name="Morning post", schedule=schedule, brief=BRIEF, account_ids=[account.pk], enabled=enabled
    )


@pytest.mark.parametrize("schedule", ["", "every day", "61 * * * *", "0 9 * *", "*/5 * * * * *"])
def test_a_schedule_that_is_not_five_cron_fields_is_refused(bob: User, schedule: str) -> None:
    with pytest.raises(InvalidInput) as refusal:
        make_rule(bob, schedule=schedule)
    assert refusal.value.details == {"field": "schedule"}
    assert not AutomationRule.objects.exists()


def test_a_brief_without_a_topic_is_refused(bob: User) -> None:
    account = create_account(bob)
    with pytest.raises(InvalidInput) as refusal:
        save_rule(bob, name="x", schedule="0 9 * * *", brief={"tone": "dry"}, account_ids=[account.pk])
    assert refusal.value.details == {"field": "topic"}


def test_another_users_account_cannot_be_used(alice: User, bob: User) -> None:
    with pytest.raises(InvalidInput) as refusal:
        save_rule(bob, name="x", schedule="0 9 * * *", brief=BRIEF, account_ids=[create_account(alice).pk])
    assert refusal.value.details == {"field": "account_ids"}


def test_free_cannot_enable_a_rule_and_nothing_is_saved(alice: User) -> None:
    with pytest.raises(TierLimitReached) as refusal:
        make_rule(alice)
    assert refusal.value.details["limit"] == 0
    assert "Automation is not part of the Free plan" in refusal.value.message
    assert not AutomationRule.objects.exists()
    assert Notification.objects.filter(user=alice, type=NotificationType.TIER_LIMIT_REACHED).count() == 1


def test_free_may_keep_a_paused_rule(alice: User) -> None:
    rule = make_rule(alice, enabled=False)
    assert rule.enabled is False
    assert rule.next_run_at is None


def test_pro_enables_five_rules_and_a_sixth_is_refused(bob: User) -> None:
    rules = [make_rule(bob, enabled=False) for _ in range(6)]
    for rule in rules[:5]:
        set_rule_enabled(bob, rule.pk, enabled=True)
    with pytest.raises(TierLimitReached) as refusal:
        set_rule_enabled(bob, rules[5].pk, enabled=True)
    assert (refusal.value.details["used"], refusal.value.details["limit"]) == (5, 5)
    rules[5].refresh_from_db()
    assert rules[5].enabled is False
    set_rule_enabled(bob, rules[0].pk, enabled=False)
    assert set_rule_enabled(bob, rules[5].pk, enabled=True).enabled is True


def test_the_schedule_is_read_in_the_users_time_zone_and_claimed_once(bob: User) -> None:
    bob = set_time_zone(bob, time_zone="Europe/Berlin")
    rule = make_rule(bob)
    assert rule.next_run_at is not None
    local = rule.next_run_at.astimezone(bob.zone)
    assert (local.hour, local.minute) == (9, 0)

    later = rule.next_run_at + timedelta(minutes=1)
    assert claim_due_rules(now=later) == [(rule.pk, rule.next_run_at)]
    assert claim_due_rules(now=later) == []
    rule.refresh_from_db()
    assert rule.next_run_at is not None
    assert rule.next_run_at.astimezone(bob.zone).hour == 9
    assert rule.next_run_at > later


def test_a_downgraded_user_s_rule_no_longer_runs(bob: User) -> None:
    rule = make_rule(bob)
    change_tier(bob, tier=Tier.FREE)
    with pytest.raises(TierLimitReached):
        check_rule_may_run(rule.pk)


def test_a_run_writes_with_the_model_and_schedules_once(bob: User, ai_model: FakeOpenAI) -> None:
    ai_model.default = lambda request: Reply(text="Spring sale starts now! #sale")
    rule = make_rule(bob)
    run_at = datetime(2026, 12, 1, 9, tzinfo=UTC)

    drafts = write_rule_posts(rule.pk)
    post = schedule_rule_post(rule.pk, run_at=run_at, drafts=drafts)
    again = schedule_rule_post(rule.pk, run_at=run_at, drafts=drafts)

    assert again.pk == post.pk
    assert Post.objects.filter(automation_rule=rule).count() == 1
    assert post.text == "Spring sale starts now! #sale"
    assert "Our spring sale" in ai_model.requests[0].prompt
    target = post.targets.get()
    assert target.status == TargetStatus.SCHEDULED
    assert target.scheduled_at is not None
    assert target.scheduled_at > timezone.now()
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.PENDING


def test_a_run_with_a_full_queue_keeps_the_post_as_a_draft(bob: User, ai_model: FakeOpenAI) -> None:
    bob.tier_limits = {"queue_size": 1}
    bob.save()
    rule = make_rule(bob)
    create_scheduled_post(bob, [create_account(bob, Platform.BLUESKY)])

    post = schedule_rule_post(rule.pk, run_at=datetime(2026, 12, 1, 9, tzinfo=UTC), drafts=write_rule_posts(rule.pk))

    assert post.targets.get().status == TargetStatus.DRAFT
    assert "queue" in post.draft_reason
    assert post.text == "A post written by the fake model."
    assert not CreditReservation.objects.filter(user=bob, target__post=post).exists()
