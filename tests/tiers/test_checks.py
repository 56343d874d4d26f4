"""The five plan checks: what each counts, the decision it returns, overrides, and what a refusal does."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.conftest import create_account, create_scheduled_post
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.automation.models import AutomationRule
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.platforms.services import connect_account, disconnect_account, mark_reconnect_needed
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import cancel_post, unschedule_post
from tidings.tiers.checks import (
    Decision,
    can_connect,
    can_generate,
    can_post,
    can_schedule,
    can_use_automation,
)
from tidings.tiers.plans import Limit, Tier
from tidings.tiers.services import TierLimitReached, enforce
from tidings.usage.models import Metric
from tidings.usage.services import count_usage
from tidings.workspaces.plan import set_tier_limits, set_time_zone

pytestmark = pytest.mark.django_db

TIER_LABEL = {Tier.FREE: "Free", Tier.PRO: "Pro", Tier.BUSINESS: "Business"}
CAST_FIXTURE = {Tier.FREE: "alice", Tier.PRO: "bob", Tier.BUSINESS: "carol"}


def member(request: pytest.FixtureRequest, tier: Tier) -> User:
    """The cast member on `tier`, without creating the other two (hashing their passwords is slow)."""
    return request.getfixturevalue(CAST_FIXTURE[tier])


# Rows are made directly (not through the services, which would refuse them past the limit).
_serial = iter(range(1_000_000))


def add_accounts(
    user: User, n: int, platform: Platform = Platform.MASTODON, status: AccountStatus = AccountStatus.ACTIVE
) -> list[SocialAccount]:
    return [
        SocialAccount.objects.create(
            workspace=workspace_of(user),
            platform=platform,
            external_id=f"direct-{next(_serial)}",
            handle="@direct",
            status=status,
        )
        for _ in range(n)
    ]


def add_post(user: User, targets: list[tuple[SocialAccount, TargetStatus]]) -> Post:
    post = Post.objects.create(workspace=workspace_of(user), text="direct")
    PostTarget.objects.bulk_create(
        PostTarget(post=post, account=account, platform=account.platform, status=status) for account, status in targets
    )
    return post


def fill_queue(user: User, n: int) -> None:
    """`n` posts in the queue, each with one scheduled target (on a webhook, so no check on Mastodon sees it)."""
    [account] = add_accounts(user, 1, Platform.WEBHOOK)
    posts = Post.objects.bulk_create(Post(workspace=workspace_of(user), text=f"queued {i}") for i in range(n))
    PostTarget.objects.bulk_create(
        PostTarget(post=post, account=account, platform=account.platform, status=TargetStatus.SCHEDULED)
        for post in posts
    )


def add_rules(user: User, n: int, *, enabled: bool = True) -> None:
    for i in range(n):
        AutomationRule.objects.create(
            workspace=workspace_of(user), name=f"rule {i}", schedule="0 9 * * *", enabled=enabled
        )


def use_generations(user: User, n: int, at: datetime | None = None) -> None:
    if n:
        count_usage(workspace_of(user), metric=Metric.GENERATIONS, amount=n, at=at)


def use_posts(user: User, n: int, platform: Platform = Platform.MASTODON, at: datetime | None = None) -> None:
    if n:
        count_usage(workspace_of(user), metric=Metric.POSTS, platform=platform, amount=n, at=at)


@dataclass(frozen=True)
class Check:
    name: str
    limit_name: Limit
    limits: dict[Tier, int]  # from DESIGN.md, written out so a wrong plan table fails here
    use: Callable[[User, int], Any]
    decide: Callable[[User], Decision]
    platform: str = ""

    def __str__(self) -> str:
        return self.name


CONNECT = Check(
    "can_connect",
    Limit.ACCOUNTS_PER_PLATFORM,
    {Tier.FREE: 1, Tier.PRO: 3, Tier.BUSINESS: 10},
    add_accounts,
    lambda user: can_connect(workspace_of(user), platform=Platform.MASTODON),
    "mastodon",
)
SCHEDULE = Check(
    "can_schedule",
    Limit.QUEUE_SIZE,
    {Tier.FREE: 5, Tier.PRO: 50, Tier.BUSINESS: 200},
    fill_queue,
    lambda user: can_schedule(workspace_of(user)),
)
GENERATE = Check(
    "can_generate",
    Limit.GENERATIONS_PER_DAY,
    {Tier.FREE: 5, Tier.PRO: 50, Tier.BUSINESS: 200},
    use_generations,
    lambda user: can_generate(workspace_of(user)),
)
POST = Check(
    "can_post",
    Limit.POSTS_PER_PLATFORM_PER_DAY,
    {Tier.FREE: 2, Tier.PRO: 10, Tier.BUSINESS: 50},
    use_posts,
    lambda user: can_post(workspace_of(user), platform=Platform.MASTODON),
    "mastodon",
)
AUTOMATION = Check(
    "can_use_automation",
    Limit.AUTOMATION_RULES,
    {Tier.FREE: 0, Tier.PRO: 5, Tier.BUSINESS: 20},
    add_rules,
    lambda user: can_use_automation(workspace_of(user)),
)
CHECKS = [CONNECT, SCHEDULE, GENERATE, POST, AUTOMATION]


def around_the_limit() -> list[Any]:
    """Every check on every tier one below, at and one above its limit (below 0 is not reachable)."""
    return [
        pytest.param(check, tier, used, id=f"{check}-{tier}-{used}-of-{limit}")
        for check in CHECKS
        for tier, limit in check.limits.items()
        for used in (limit - 1, limit, limit + 1)
        if used >= 0
    ]


def assert_decision(
    decision: Decision, check: Check, tier: Tier, *, limit: int | None, used: int, allowed: bool
) -> None:
    assert decision == Decision(
        check=check.name,
        limit_name=check.limit_name,
        allowed=allowed,
        limit=limit,
        used=used,
        tier=tier.value,
        reason=decision.reason,
        platform=check.platform,
    )
    assert decision.limit_name.value == check.limit_name.value
    assert_reason(decision, tier, used=used, limit=limit)


def assert_reason(decision: Decision, tier: Tier, *, used: int, limit: int | None) -> None:
    reason = decision.reason
    assert reason[:1].isupper() or reason[:1].isdigit(), reason
    assert reason.endswith("."), reason
    if limit == 0 and not decision.allowed:
        assert f"not part of the {TIER_LABEL[tier]} plan" in reason, reason
    else:
        assert f"{used} of {'unlimited' if limit is None else limit}" in reason, reason
        assert f"{TIER_LABEL[tier]} plan" in reason, reason
    if decision.platform and not decision.allowed:
        assert Platform(decision.platform).label in reason, reason


def notifications(user: User) -> list[Notification]:
    return list(Notification.objects.filter(user=user, type=NotificationType.TIER_LIMIT_REACHED).order_by("id"))


# --- every check at, below and above its limit on every plan ---------------------------------------------------


@pytest.mark.parametrize(("check", "tier", "used"), around_the_limit())
def test_each_check_allows_below_the_limit_and_refuses_at_and_above_it(
    request: pytest.FixtureRequest, check: Check, tier: Tier, used: int
) -> None:
    user = member(request, tier)
    limit = check.limits[tier]
    check.use(user, used)
    decision = check.decide(user)
    assert_decision(decision, check, tier, limit=limit, used=used, allowed=used < limit)


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_a_check_on_a_fresh_user_counts_nothing(cast: dict[Tier, User], check: Check) -> None:
    for tier, user in cast.items():
        limit = check.limits[tier]
        assert_decision(check.decide(user), check, tier, limit=limit, used=0, allowed=limit > 0)


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_a_check_counts_only_the_users_own_rows(cast: dict[Tier, User], check: Check) -> None:
    check.use(cast[Tier.BUSINESS], 7)
    check.use(cast[Tier.PRO], 1)
    assert check.decide(cast[Tier.FREE]).used == 0
    assert check.decide(cast[Tier.PRO]).used == 1
    assert check.decide(cast[Tier.BUSINESS]).used == 7


def test_a_reason_names_used_limit_and_plan_in_a_sentence(alice: User) -> None:
    fill_queue(alice, 4)
    assert can_schedule(workspace_of(alice)).reason == "4 of 5 used on the Free plan."
    fill_queue(alice, 1)
    assert (
        can_schedule(workspace_of(alice)).reason
        == "Your queue of scheduled posts is full: 5 of 5 used on the Free plan."
    )


# --- what can_connect counts -------------------------------------------------------------------------------------


def test_can_connect_counts_accounts_on_that_platform_that_are_not_disconnected(bob: User, carol: User) -> None:
    add_accounts(bob, 1, Platform.MASTODON)
    add_accounts(bob, 1, Platform.MASTODON, AccountStatus.RECONNECT_NEEDED)
    add_accounts(bob, 4, Platform.MASTODON, AccountStatus.DISCONNECTED)
    add_accounts(bob, 3, Platform.BLUESKY)
    add_accounts(carol, 5, Platform.MASTODON)

    mastodon = can_connect(workspace_of(bob), platform=Platform.MASTODON)
    assert (mastodon.allowed, mastodon.used, mastodon.limit, mastodon.platform) == (True, 2, 3, "mastodon")
    bluesky = can_connect(workspace_of(bob), platform=Platform.BLUESKY)
    assert (bluesky.allowed, bluesky.used, bluesky.limit, bluesky.platform) == (False, 3, 3, "bluesky")
    x = can_connect(workspace_of(bob), platform=Platform.X)
    assert (x.allowed, x.used, x.limit, x.platform) == (True, 0, 3, "x")


def test_disconnecting_an_account_makes_room_for_another(alice: User) -> None:
    account = create_account(alice)
    assert can_connect(workspace_of(alice), platform=Platform.MASTODON).allowed is False
    disconnect_account(owner(alice), account.pk)
    decision = can_connect(workspace_of(alice), platform=Platform.MASTODON)
    assert (decision.allowed, decision.used) == (True, 0)


def test_an_account_needing_reconnection_still_counts(alice: User) -> None:
    account = create_account(alice)
    assert mark_reconnect_needed(account.pk, reason="token revoked") is True
    decision = can_connect(workspace_of(alice), platform=Platform.MASTODON)
    assert (decision.allowed, decision.used) == (False, 1)


# --- what can_schedule counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "counted"),
    [
        (TargetStatus.DRAFT, 0),
        (TargetStatus.SCHEDULED, 1),
        (TargetStatus.QUEUED, 1),
        (TargetStatus.PUBLISHING, 1),
        (TargetStatus.PUBLISHED, 0),
        (TargetStatus.FAILED, 0),
        (TargetStatus.SKIPPED, 0),
        (TargetStatus.CANCELLED, 0),
        (TargetStatus.UNCONFIRMED, 0),
    ],
)
def test_can_schedule_counts_a_post_by_its_target_status(alice: User, status: TargetStatus, counted: int) -> None:
    [account] = add_accounts(alice, 1)
    add_post(alice, [(account, status)])
    assert can_schedule(workspace_of(alice)).used == counted


def test_can_schedule_counts_posts_not_targets(bob: User, carol: User) -> None:
    accounts = add_accounts(bob, 3, Platform.MASTODON) + add_accounts(bob, 2, Platform.BLUESKY)
    a, b, c, d, e = accounts
    add_post(bob, [(a, TargetStatus.SCHEDULED), (b, TargetStatus.SCHEDULED), (d, TargetStatus.SCHEDULED)])
    add_post(bob, [(a, TargetStatus.PUBLISHED), (b, TargetStatus.QUEUED)])
    add_post(bob, [(c, TargetStatus.PUBLISHING), (e, TargetStatus.FAILED)])
    add_post(bob, [(a, TargetStatus.PUBLISHED), (e, TargetStatus.PUBLISHED)])
    add_post(bob, [(a, TargetStatus.CANCELLED), (b, TargetStatus.SKIPPED), (c, TargetStatus.UNCONFIRMED)])
    add_post(bob, [(d, TargetStatus.DRAFT)])
    add_post(bob, [])
    fill_queue(carol, 4)

    decision = can_schedule(workspace_of(bob))
    assert (decision.allowed, decision.used, decision.limit) == (True, 3, 50)


def test_a_full_queue_of_multi_target_posts_is_counted_by_post(alice: User) -> None:
    accounts = [create_account(alice, Platform.MASTODON), create_account(alice, Platform.BLUESKY)]
    for day in range(4):
        create_scheduled_post(alice, accounts, days=day)
    assert PostTarget.objects.filter(post__workspace=workspace_of(alice), status=TargetStatus.SCHEDULED).count() == 8
    decision = can_schedule(workspace_of(alice))
    assert (decision.allowed, decision.used) == (True, 4)


def test_leaving_the_queue_frees_a_place(alice: User) -> None:
    account = create_account(alice)
    posts = [create_scheduled_post(alice, [account], days=day) for day in range(5)]
    assert (can_schedule(workspace_of(alice)).allowed, can_schedule(workspace_of(alice)).used) == (False, 5)
    cancel_post(owner(alice), posts[0].pk)
    unschedule_post(owner(alice), posts[1].pk)
    assert (can_schedule(workspace_of(alice)).allowed, can_schedule(workspace_of(alice)).used) == (True, 3)


@pytest.mark.parametrize(("queued", "adding", "allowed"), [(5, 0, True), (4, 1, True), (4, 2, False), (3, 2, True)])
def test_can_schedule_weighs_what_is_being_added(alice: User, queued: int, adding: int, allowed: bool) -> None:
    fill_queue(alice, queued)
    decision = can_schedule(workspace_of(alice), adding=adding)
    assert (decision.allowed, decision.used, decision.limit) == (allowed, queued, 5)


# --- what can_generate and can_post count ------------------------------------------------------------------------


def test_can_post_counts_only_that_platform(bob: User) -> None:
    use_posts(bob, 10, Platform.MASTODON)
    use_posts(bob, 4, Platform.BLUESKY)
    use_generations(bob, 50)
    mastodon = can_post(workspace_of(bob), platform=Platform.MASTODON)
    assert (mastodon.allowed, mastodon.used, mastodon.limit, mastodon.platform) == (False, 10, 10, "mastodon")
    bluesky = can_post(workspace_of(bob), platform=Platform.BLUESKY)
    assert (bluesky.allowed, bluesky.used, bluesky.limit, bluesky.platform) == (True, 4, 10, "bluesky")
    assert can_post(workspace_of(bob), platform=Platform.X).used == 0


def test_can_generate_counts_generations_not_posts(bob: User) -> None:
    use_posts(bob, 10, Platform.MASTODON)
    use_generations(bob, 49)
    decision = can_generate(workspace_of(bob))
    assert (decision.allowed, decision.used, decision.limit) == (True, 49, 50)
    assert (can_generate(workspace_of(bob), adding=2).allowed, can_generate(workspace_of(bob), adding=1).allowed) == (
        False,
        True,
    )


DAILY = [pytest.param(GENERATE, id="can_generate"), pytest.param(POST, id="can_post")]


def use_daily(check: Check, user: User, n: int, at: datetime | None = None) -> None:
    if check is POST:
        use_posts(user, n, at=at)
    else:
        use_generations(user, n, at=at)


def daily_decision(check: Check, user: User, at: datetime | None = None) -> Decision:
    if check is POST:
        return can_post(workspace_of(user), platform=Platform.MASTODON, at=at)
    return can_generate(workspace_of(user), at=at)


@pytest.mark.parametrize("check", DAILY)
def test_usage_late_in_the_local_day_is_gone_on_the_next_local_day_though_utc_is_the_same_day(
    alice: User, check: Check
) -> None:
    set_time_zone(owner(alice), time_zone="Pacific/Auckland")  # UTC+13 in January
    limit = check.limits[Tier.FREE]
    late = datetime(2025, 1, 15, 23, 30, tzinfo=ZoneInfo("Pacific/Auckland"))  # 10:30 UTC, 15 January
    with time_machine.travel(late, tick=False) as traveller:
        use_daily(check, alice, limit)
        assert_decision(daily_decision(check, alice), check, Tier.FREE, limit=limit, used=limit, allowed=False)

        traveller.move_to(late + timedelta(hours=1))  # 00:30 on 16 January in Auckland, 11:30 UTC on 15 January
        assert_decision(daily_decision(check, alice), check, Tier.FREE, limit=limit, used=0, allowed=True)
        # The day before is still remembered when asked about it.
        assert daily_decision(check, alice, at=late).used == limit

        use_daily(check, alice, 1)
        assert daily_decision(check, alice).used == 1
        assert daily_decision(check, alice, at=late).used == limit


@pytest.mark.parametrize("check", DAILY)
def test_usage_counts_all_local_day_though_the_utc_day_changes(alice: User, check: Check) -> None:
    set_time_zone(owner(alice), time_zone="America/Los_Angeles")  # UTC-8 in January
    limit = check.limits[Tier.FREE]
    afternoon = datetime(2025, 1, 15, 15, 30, tzinfo=ZoneInfo("America/Los_Angeles"))  # 23:30 UTC, 15 January
    with time_machine.travel(afternoon, tick=False) as traveller:
        use_daily(check, alice, limit - 1)
        traveller.move_to(afternoon + timedelta(hours=1))  # 16:30 in Los Angeles, 00:30 UTC on 16 January
        use_daily(check, alice, 1)
        assert_decision(daily_decision(check, alice), check, Tier.FREE, limit=limit, used=limit, allowed=False)

        traveller.move_to(datetime(2025, 1, 16, 0, 30, tzinfo=ZoneInfo("America/Los_Angeles")))
        assert_decision(daily_decision(check, alice), check, Tier.FREE, limit=limit, used=0, allowed=True)


@pytest.mark.parametrize("check", DAILY)
def test_usage_counted_for_a_past_moment_lands_on_that_local_day(alice: User, check: Check) -> None:
    set_time_zone(owner(alice), time_zone="Pacific/Auckland")
    now = datetime(2025, 1, 16, 0, 30, tzinfo=ZoneInfo("Pacific/Auckland"))
    with time_machine.travel(now, tick=False):
        use_daily(check, alice, check.limits[Tier.FREE], now - timedelta(hours=1))  # 23:30 the day before, locally
        assert daily_decision(check, alice).used == 0
        assert daily_decision(check, alice, at=now - timedelta(minutes=31)).used == check.limits[Tier.FREE]


# --- what can_use_automation counts ------------------------------------------------------------------------------


def test_can_use_automation_counts_only_enabled_rules(bob: User, carol: User) -> None:
    add_rules(bob, 4, enabled=True)
    add_rules(bob, 6, enabled=False)
    add_rules(carol, 3, enabled=True)
    decision = can_use_automation(workspace_of(bob))
    assert (decision.allowed, decision.used, decision.limit) == (True, 4, 5)
    add_rules(bob, 1, enabled=True)
    assert (can_use_automation(workspace_of(bob)).allowed, can_use_automation(workspace_of(bob)).used) == (False, 5)
    AutomationRule.objects.filter(workspace=workspace_of(bob), enabled=True).update(enabled=False)
    assert (can_use_automation(workspace_of(bob)).allowed, can_use_automation(workspace_of(bob)).used) == (True, 0)


def test_automation_is_not_part_of_the_free_plan(alice: User) -> None:
    add_rules(alice, 3, enabled=False)
    decision = can_use_automation(workspace_of(alice))
    assert (decision.allowed, decision.limit, decision.used) == (False, 0, 0)
    assert "not part of the Free plan" in decision.reason


# --- overrides ---------------------------------------------------------------------------------------------------


def test_an_override_changes_one_limit_and_leaves_the_rest(alice: User) -> None:
    set_tier_limits(workspace_of(alice), overrides={"queue_size": 7})
    fill_queue(alice, 6)
    assert_decision(can_schedule(workspace_of(alice)), SCHEDULE, Tier.FREE, limit=7, used=6, allowed=True)
    fill_queue(alice, 1)
    assert_decision(can_schedule(workspace_of(alice)), SCHEDULE, Tier.FREE, limit=7, used=7, allowed=False)
    for check in (CONNECT, GENERATE, POST, AUTOMATION):
        limit = check.limits[Tier.FREE]
        assert_decision(check.decide(alice), check, Tier.FREE, limit=limit, used=0, allowed=limit > 0)


def test_an_override_can_add_automation_to_the_free_plan(alice: User) -> None:
    set_tier_limits(workspace_of(alice), overrides={"automation_rules": 2})
    add_rules(alice, 1)
    assert_decision(can_use_automation(workspace_of(alice)), AUTOMATION, Tier.FREE, limit=2, used=1, allowed=True)
    add_rules(alice, 1)
    assert_decision(can_use_automation(workspace_of(alice)), AUTOMATION, Tier.FREE, limit=2, used=2, allowed=False)


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_an_unlimited_override_always_allows(alice: User, check: Check) -> None:
    set_tier_limits(workspace_of(alice), overrides={check.limit_name.value: None})
    check.use(alice, 12)
    assert_decision(check.decide(alice), check, Tier.FREE, limit=None, used=12, allowed=True)
    assert "12 of unlimited" in check.decide(alice).reason


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_a_zero_override_refuses_and_says_it_is_not_part_of_the_plan(carol: User, check: Check) -> None:
    set_tier_limits(workspace_of(carol), overrides={check.limit_name.value: 0})
    assert_decision(check.decide(carol), check, Tier.BUSINESS, limit=0, used=0, allowed=False)


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_a_zero_limit_refusal_names_what_is_not_in_the_plan_in_one_clause(carol: User, check: Check) -> None:
    """ "X is not part of the plan": X names the feature; it is not itself a sentence such as "... is full"."""
    set_tier_limits(workspace_of(carol), overrides={check.limit_name.value: 0})
    reason = check.decide(carol).reason
    head, found, _ = reason.partition(" not part of the Business plan")
    assert found, reason
    subject = head.removesuffix(" is").removesuffix(" are")
    assert not re.search(r"\b(is|are)\b", subject), reason


def test_an_override_on_another_user_changes_nothing_for_the_plan(alice: User, bob: User) -> None:
    set_tier_limits(workspace_of(bob), overrides={"queue_size": 1})
    fill_queue(alice, 4)
    assert can_schedule(workspace_of(alice)).limit == 5
    assert can_schedule(workspace_of(alice)).allowed is True


# --- refusing: the error and the notification --------------------------------------------------------------------


def fill_to_the_limit(check: Check, user: User, tier: Tier) -> Decision:
    check.use(user, check.limits[tier])
    return check.decide(user)


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_enforcing_a_refusal_raises_the_structured_error_and_notifies_once(alice: User, check: Check) -> None:
    decision = fill_to_the_limit(check, alice, Tier.FREE)
    limit = check.limits[Tier.FREE]
    with pytest.raises(TierLimitReached) as refusal:
        enforce(workspace_of(alice), decision)
    expected: dict[str, Any] = {
        "code": "tier_limit_reached",
        "message": decision.reason,
        "check": check.name,
        "limit_name": check.limit_name.value,
        "limit": limit,
        "used": limit,
        "tier": "free",
    }
    if check.platform:
        expected["platform"] = check.platform
    assert refusal.value.as_dict() == expected
    assert refusal.value.code == "tier_limit_reached"
    assert refusal.value.decision is decision
    assert str(refusal.value) == decision.reason

    [notification] = notifications(alice)
    assert notification.title == "Plan limit reached"
    assert notification.message == decision.reason
    assert notification.read_at is None
    assert notification.data == {key: value for key, value in expected.items() if key not in {"code", "message"}}


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_enforcing_an_allowed_decision_returns_it_and_creates_nothing(bob: User, check: Check) -> None:
    check.use(bob, check.limits[Tier.PRO] - 1)
    decision = check.decide(bob)
    assert decision.allowed is True
    assert enforce(workspace_of(bob), decision) is decision
    assert notifications(bob) == []
    assert Notification.objects.filter(user=bob).count() == 0


def test_a_second_refusal_on_the_same_day_does_not_notify_again(alice: User) -> None:
    decision = fill_to_the_limit(GENERATE, alice, Tier.FREE)
    for _ in range(3):
        with pytest.raises(TierLimitReached):
            enforce(workspace_of(alice), decision)
    assert len(notifications(alice)) == 1


def test_each_check_and_each_platform_notifies_once_a_day(alice: User, bob: User) -> None:
    add_accounts(alice, 1, Platform.MASTODON)
    use_posts(alice, 2, Platform.MASTODON)
    use_posts(alice, 2, Platform.BLUESKY)
    use_generations(alice, 5)
    fill_queue(alice, 5)
    refusals = [
        can_connect(workspace_of(alice), platform=Platform.MASTODON),
        can_connect(workspace_of(alice), platform=Platform.MASTODON),
        can_post(workspace_of(alice), platform=Platform.MASTODON),
        can_post(workspace_of(alice), platform=Platform.BLUESKY),
        can_post(workspace_of(alice), platform=Platform.MASTODON),
        can_generate(workspace_of(alice)),
        can_schedule(workspace_of(alice)),
        can_use_automation(workspace_of(alice)),
        can_generate(workspace_of(alice)),
    ]
    for decision in refusals:
        assert decision.allowed is False, decision
        with pytest.raises(TierLimitReached):
            enforce(workspace_of(alice), decision)
    assert [(n.data["check"], n.data.get("platform")) for n in notifications(alice)] == [
        ("can_connect", "mastodon"),
        ("can_post", "mastodon"),
        ("can_post", "bluesky"),
        ("can_generate", None),
        ("can_schedule", None),
        ("can_use_automation", None),
    ]
    # bob's refusal is bob's own, even on the same day and check.
    use_generations(bob, 50)
    with pytest.raises(TierLimitReached):
        enforce(workspace_of(bob), can_generate(workspace_of(bob)))
    assert len(notifications(bob)) == 1
    assert len(notifications(alice)) == 6


@pytest.mark.parametrize(
    ("time_zone", "first", "same_day", "next_day"),
    [
        # 23:30 and 23:59 on 15 January in Auckland, then 00:30 on the 16th: all 15 January in UTC.
        ("Pacific/Auckland", (2025, 1, 15, 23, 30), (2025, 1, 15, 23, 59), (2025, 1, 16, 0, 30)),
        # 15:30 on 15 January in Los Angeles (23:30 UTC), 16:30 (the 16th in UTC), then 00:30 on the 16th.
        ("America/Los_Angeles", (2025, 1, 15, 15, 30), (2025, 1, 15, 16, 30), (2025, 1, 16, 0, 30)),
    ],
)
def test_a_refusal_notifies_again_on_the_next_local_day(
    alice: User, time_zone: str, first: tuple[int, ...], same_day: tuple[int, ...], next_day: tuple[int, ...]
) -> None:
    set_time_zone(owner(alice), time_zone=time_zone)
    zone = ZoneInfo(time_zone)
    fill_queue(alice, 5)
    with time_machine.travel(datetime(*first, tzinfo=zone), tick=False) as traveller:
        with pytest.raises(TierLimitReached):
            enforce(workspace_of(alice), can_schedule(workspace_of(alice)))
        assert len(notifications(alice)) == 1

        traveller.move_to(datetime(*same_day, tzinfo=zone))
        with pytest.raises(TierLimitReached):
            enforce(workspace_of(alice), can_schedule(workspace_of(alice)))
        assert len(notifications(alice)) == 1

        traveller.move_to(datetime(*next_day, tzinfo=zone))
        with pytest.raises(TierLimitReached):
            enforce(workspace_of(alice), can_schedule(workspace_of(alice)))
        assert len(notifications(alice)) == 2


# --- connect_account, the service that enforces can_connect ------------------------------------------------------


@pytest.mark.parametrize("tier", list(Tier))
def test_connecting_past_the_platform_limit_is_refused_and_creates_no_account(
    request: pytest.FixtureRequest, tier: Tier
) -> None:
    user = member(request, tier)
    limit = CONNECT.limits[tier]
    for n in range(limit):
        create_account(user, Platform.MASTODON, n)
    with pytest.raises(TierLimitReached) as refusal:
        create_account(user, Platform.MASTODON, limit)
    assert refusal.value.as_dict() == {
        "code": "tier_limit_reached",
        "message": refusal.value.message,
        "check": "can_connect",
        "limit_name": "accounts_per_platform",
        "limit": limit,
        "used": limit,
        "tier": tier.value,
        "platform": "mastodon",
    }
    assert_reason(refusal.value.decision, tier, used=limit, limit=limit)
    assert SocialAccount.objects.filter(workspace=workspace_of(user), platform=Platform.MASTODON).count() == limit
    assert not SocialAccount.objects.filter(
        workspace=workspace_of(user), external_id=f"{user.username}-mastodon-{limit}"
    ).exists()
    assert len(notifications(user)) == 1
    # Another platform still has room.
    assert create_account(user, Platform.BLUESKY).status == AccountStatus.ACTIVE


@pytest.mark.parametrize("status", [AccountStatus.ACTIVE, AccountStatus.RECONNECT_NEEDED])
def test_reconnecting_a_connected_account_at_the_limit_is_not_refused(alice: User, status: AccountStatus) -> None:
    account = create_account(alice)
    SocialAccount.objects.filter(pk=account.pk).update(status=status, status_reason="token revoked")
    again = connect_account(
        owner(alice),
        platform=Platform.MASTODON,
        external_id=account.external_id,
        handle="@renamed",
        access_token="fresh",
    )
    assert again.pk == account.pk
    again.refresh_from_db()
    assert (again.status, again.status_reason, again.handle, again.access_token) == (
        AccountStatus.ACTIVE,
        "",
        "@renamed",
        "fresh",
    )
    assert SocialAccount.objects.filter(workspace=workspace_of(alice)).count() == 1
    assert notifications(alice) == []


def test_reconnecting_a_disconnected_account_is_a_new_connection_and_respects_the_limit(alice: User) -> None:
    old = create_account(alice, Platform.MASTODON, 1)
    disconnect_account(owner(alice), old.pk)
    create_account(alice, Platform.MASTODON, 2)
    with pytest.raises(TierLimitReached) as refusal:
        create_account(alice, Platform.MASTODON, 1)
    assert (refusal.value.decision.used, refusal.value.decision.limit) == (1, 1)
    old.refresh_from_db()
    assert old.status == AccountStatus.DISCONNECTED
    assert old.access_token == ""
    assert len(notifications(alice)) == 1


def test_reconnecting_a_disconnected_account_with_room_brings_it_back(alice: User) -> None:
    old = create_account(alice, Platform.MASTODON, 1)
    disconnect_account(owner(alice), old.pk)
    again = create_account(alice, Platform.MASTODON, 1)
    assert again.pk == old.pk
    assert again.status == AccountStatus.ACTIVE
    assert can_connect(workspace_of(alice), platform=Platform.MASTODON).used == 1


def test_connect_account_honours_an_override(alice: User) -> None:
    set_tier_limits(workspace_of(alice), overrides={"accounts_per_platform": 2})
    create_account(alice, Platform.MASTODON, 1)
    create_account(alice, Platform.MASTODON, 2)
    with pytest.raises(TierLimitReached) as refusal:
        create_account(alice, Platform.MASTODON, 3)
    assert (refusal.value.decision.used, refusal.value.decision.limit) == (2, 2)
    assert SocialAccount.objects.filter(workspace=workspace_of(alice)).count() == 2
