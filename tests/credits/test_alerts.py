"""Low-credit and expiring-credit alerts: the exact thresholds, on a reservation, an adjustment and a publish, once
per cycle, and again in the next one."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from pytest_django import DjangoAssertNumQueries

from tests.conftest import create_account, make_user
from tests.support.credits import hold_credits, spend
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import InvalidInput
from tidings.credits.alerts import check_low_credits, notify_expiring_credits
from tidings.credits.errors import InsufficientCredits
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.credits.renewal import renew_credits
from tidings.credits.selectors import available_credits
from tidings.credits.services import adjust_credits
from tidings.notifications.models import Notification, NotificationType
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier
from tidings.workspaces.models import Workspace
from tidings.workspaces.plan import change_tier, set_tier_limits

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)  # every user here is created now
T1 = datetime(2026, 4, 15, 9, 30, tzinfo=UTC)  # and renews then
T2 = datetime(2026, 5, 15, 9, 30, tzinfo=UTC)
LOW = NotificationType.LOW_CREDITS
EXPIRING = NotificationType.CREDITS_EXPIRING
MONTHLY = {"alice": 10, "bob": 500, "carol": 2000}


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def fresh(user: User) -> Workspace:
    """The person's own workspace as it is now (its balances and cycle)."""
    return workspace_of(user)


def alerts(user: User, kind: NotificationType, balance: str = "credits") -> list[Notification]:
    return list(Notification.objects.filter(user=user, type=kind, data__balance=balance).order_by("pk"))


def low_alerts(user: User) -> list[dict[str, int]]:
    return [row.data for row in alerts(user, LOW)]


def alerted_cycle(user: User) -> datetime | None:
    return fresh(user).low_credits_alerted_cycle


def assert_the_alert(row: Notification, *, available: int, monthly: int, cycle: datetime, renews: str) -> None:
    assert row.data == {"available": available, "monthly": monthly, "balance": "credits"}
    assert row.title == "Credits are running low"
    assert row.message == f"{available} of your {monthly} monthly credits are left. They renew on {renews}."
    assert row.dedupe_key == f"{row.workspace_id}:low_credits:{cycle.isoformat()}"


THRESHOLDS = [
    ("alice", 8, 2, True),
    ("alice", 7, 3, False),
    ("alice", 10, 0, True),
    ("bob", 400, 100, True),
    ("bob", 399, 101, False),
    ("carol", 1600, 400, True),
    ("carol", 1599, 401, False),
]


@pytest.mark.parametrize(("name", "held", "available", "fires"), THRESHOLDS)
def test_a_reservation_that_brings_available_credits_to_twenty_percent_or_below_fires_the_alert(
    request: pytest.FixtureRequest, name: str, held: int, available: int, fires: bool
) -> None:
    user: User = request.getfixturevalue(name)
    hold_credits(user, held)
    assert workspace_of(user).credits == MONTHLY[name]
    assert available_credits(workspace_of(user)) == available
    rows = alerts(user, LOW)
    assert len(rows) == int(fires)
    assert workspace_of(user).low_credits_alerted_cycle == (T0 if fires else None)
    if fires:
        assert_the_alert(rows[0], available=available, monthly=MONTHLY[name], cycle=T0, renews="15 April 2026")
    # A check afterwards adds nothing: the alert is out, or credits are not low.
    assert check_low_credits(workspace_of(user)) is False
    assert len(alerts(user, LOW)) == int(fires)


@pytest.mark.parametrize(("name", "removed", "available", "fires"), THRESHOLDS)
def test_an_adjustment_that_brings_available_credits_to_twenty_percent_or_below_fires_the_alert(
    request: pytest.FixtureRequest, name: str, removed: int, available: int, fires: bool
) -> None:
    user: User = request.getfixturevalue(name)
    adjust_credits(workspace_of(user), amount=-removed, reason="Support correction")
    assert workspace_of(user).credits == available == available_credits(workspace_of(user))
    rows = alerts(user, LOW)
    assert len(rows) == int(fires)
    assert workspace_of(user).low_credits_alerted_cycle == (T0 if fires else None)
    if fires:
        assert_the_alert(rows[0], available=available, monthly=MONTHLY[name], cycle=T0, renews="15 April 2026")


def test_an_adjustment_counts_what_scheduled_posts_hold(bob: User) -> None:
    hold_credits(bob, 300)
    assert low_alerts(bob) == []  # 200 available
    adjust_credits(workspace_of(bob), amount=-100, reason="Refund reversed")
    assert (workspace_of(bob).credits, available_credits(workspace_of(bob))) == (400, 100)
    assert low_alerts(bob) == [{"available": 100, "monthly": 500, "balance": "credits"}]


def test_an_adjustment_that_leaves_credits_above_the_threshold_does_not_fire(bob: User) -> None:
    hold_credits(bob, 350)
    adjust_credits(workspace_of(bob), amount=-49, reason="Support correction")  # 101 available
    adjust_credits(workspace_of(bob), amount=40, reason="Support correction")  # 141 available
    assert low_alerts(bob) == []
    assert alerted_cycle(bob) is None


def test_a_refused_reservation_or_adjustment_leaves_no_alert(alice: User) -> None:
    with pytest.raises(InsufficientCredits):
        hold_credits(alice, 11)
    with pytest.raises(InvalidInput, match="Cannot remove 11 credits"):
        adjust_credits(workspace_of(alice), amount=-11, reason="Support correction")
    assert low_alerts(alice) == []
    assert alerted_cycle(alice) is None
    assert CreditReservation.objects.filter(workspace=workspace_of(alice)).count() == 0
    assert fresh(alice).credits == 10


def test_scheduling_posts_fires_the_alert_on_the_reservation_that_reaches_the_threshold(alice: User) -> None:
    hold_credits(alice, 6)
    account = create_account(alice)
    # Two posts to one platform on a Free plan go on different days.
    for days, expected in ((1, []), (2, [{"available": 2, "monthly": 10, "balance": "credits"}])):
        post = create_post(owner(alice), text=f"Day {days}", account_ids=[account.pk])
        schedule_post(owner(alice), post.pk, at=T0 + timedelta(days=days))
        assert low_alerts(alice) == expected
    assert available_credits(fresh(alice)) == 2


def test_a_check_notices_credits_that_became_low_without_a_reservation(
    alice: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    hold_credits(alice, 5)  # 5 of 10: not low on Free
    change_tier(workspace_of(alice), tier=Tier.PRO)  # 5 of 500 is
    assert low_alerts(alice) == []
    assert check_low_credits(workspace_of(alice)) is True
    assert_the_alert(alerts(alice, LOW)[0], available=5, monthly=500, cycle=T0, renews="15 April 2026")
    assert workspace_of(alice).low_credits_alerted_cycle == T0 == alerted_cycle(alice)
    # The second check of the cycle answers from the row it has.
    workspace = workspace_of(alice)
    with django_assert_num_queries(0):
        assert check_low_credits(workspace) is False
    assert len(alerts(alice, LOW)) == 1


def test_low_credits_fires_once_per_cycle(bob: User, django_assert_num_queries: DjangoAssertNumQueries) -> None:
    first = hold_credits(bob, 400)
    assert low_alerts(bob) == [{"available": 100, "monthly": 500, "balance": "credits"}]
    hold_credits(bob, 50)
    adjust_credits(workspace_of(bob), amount=-10, reason="Support correction")
    assert spend(first) is True
    assert available_credits(workspace_of(bob)) == 40
    workspace = workspace_of(bob)
    with django_assert_num_queries(0):
        assert check_low_credits(workspace) is False
    assert low_alerts(bob) == [{"available": 100, "monthly": 500, "balance": "credits"}]
    assert alerted_cycle(bob) == T0


@pytest.mark.parametrize("how", ["reservation", "adjustment"])
def test_low_credits_fires_again_in_the_next_cycle(alice: User, clock: time_machine.Traveller, how: str) -> None:
    hold_credits(alice, 8)
    assert low_alerts(alice) == [{"available": 2, "monthly": 10, "balance": "credits"}]
    # Renewal: the 2 unreserved credits expire (cap 0), the 8 held stay; 10 new ones are available.
    clock.move_to(T1)
    renew_credits(workspace_of(alice).pk)
    assert available_credits(workspace_of(alice)) == 10
    assert workspace_of(alice).low_credits_alerted_cycle == T0
    assert check_low_credits(workspace_of(alice)) is False
    if how == "reservation":
        hold_credits(alice, 8)
    else:
        adjust_credits(workspace_of(alice), amount=-8, reason="Support correction")
    assert available_credits(workspace_of(alice)) == 2
    assert workspace_of(alice).low_credits_alerted_cycle == T1
    assert check_low_credits(workspace_of(alice)) is False
    hold_credits(alice, 1)
    rows = alerts(alice, LOW)
    assert len(rows) == 2
    assert_the_alert(rows[0], available=2, monthly=10, cycle=T0, renews="15 April 2026")
    assert_the_alert(rows[1], available=2, monthly=10, cycle=T1, renews="15 May 2026")


def test_a_rolled_back_reservation_leaves_no_alert_and_no_memo(alice: User) -> None:
    class Abandoned(Exception):
        pass

    def hold_then_fail() -> None:
        with transaction.atomic():
            hold_credits(alice, 8)
            assert low_alerts(alice) == [{"available": 2, "monthly": 10, "balance": "credits"}]
            assert alerted_cycle(alice) == T0
            raise Abandoned

    with pytest.raises(Abandoned):
        hold_then_fail()
    assert low_alerts(alice) == []
    assert alerted_cycle(alice) is None
    assert CreditReservation.objects.filter(workspace=workspace_of(alice)).count() == 0
    assert list(
        CreditLedgerEntry.objects.filter(workspace=workspace_of(alice), balance="credits").values_list("kind", "amount")
    ) == [("grant", 10)]
    assert available_credits(fresh(alice)) == 10
    # The next reservation that reaches the threshold sends it.
    hold_credits(alice, 8)
    assert low_alerts(alice) == [{"available": 2, "monthly": 10, "balance": "credits"}]
    assert alerted_cycle(alice) == T0


def test_a_publish_checks_for_low_credits(alice: User) -> None:
    held = hold_credits(alice, 5)
    change_tier(workspace_of(alice), tier=Tier.PRO)  # low against the new plan, and nothing has checked yet
    assert low_alerts(alice) == []
    assert spend(held) is True
    assert low_alerts(alice) == [{"available": 5, "monthly": 500, "balance": "credits"}]
    assert alerted_cycle(alice) == T0


def test_a_publish_of_a_target_already_published_checks_nothing(alice: User) -> None:
    held = hold_credits(alice, 5)
    change_tier(workspace_of(alice), tier=Tier.PRO)
    assert spend(held) is True
    # Forget the alert: a check now would send it again.
    Notification.objects.filter(user=alice).delete()
    Workspace.objects.filter(personal_owner=alice).update(low_credits_alerted_cycle=None)
    assert spend(held) is False
    assert low_alerts(alice) == []
    assert alerted_cycle(alice) is None
    assert check_low_credits(fresh(alice)) is True


def publish_one(user: User) -> None:
    """A post that holds a credit and is published through the publishing path."""
    assert spend(hold_credits(user)) is True


def test_publishing_one_post_at_a_time_notifies_once(alice: User) -> None:
    for _ in range(9):
        publish_one(alice)
    # The reservation of the eighth post reached the threshold.
    assert low_alerts(alice) == [{"available": 2, "monthly": 10, "balance": "credits"}]
    assert available_credits(fresh(alice)) == 1


def test_users_who_would_lose_credits_within_three_days_are_warned(cast: dict[Tier, User]) -> None:
    # Each user also loses video credits over their cap (2 - 0, 30 - 15, 150 - 75): one warning each for those.
    assert notify_expiring_credits(now=T1 - timedelta(days=3)) == 6
    expected = {Tier.FREE: 10, Tier.PRO: 250, Tier.BUSINESS: 1000}
    for tier, user in cast.items():
        rows = alerts(user, EXPIRING)
        assert len(rows) == 1
        assert rows[0].data == {
            "expiring": expected[tier],
            "renews_at": "2026-04-15T09:30:00+00:00",
            "balance": "credits",
        }
        assert rows[0].title == f"{expected[tier]} credits expire soon"
        assert rows[0].message == (
            f"{expected[tier]} unused credits expire when your plan renews on 15 April 2026. "
            "Schedule posts before then to use them."
        )
        assert rows[0].dedupe_key == f"{rows[0].workspace_id}:credits_expiring:{T0.isoformat()}"


@pytest.mark.parametrize(
    "now",
    [T1 - timedelta(days=3, seconds=1), T1 - timedelta(days=10), T0],
)
def test_users_whose_renewal_is_not_within_three_days_are_not_warned(bob: User, now: datetime) -> None:
    assert notify_expiring_credits(now=now) == 0
    assert alerts(bob, EXPIRING) == []


@pytest.mark.parametrize("now", [T1 - timedelta(days=3), T1 - timedelta(days=1), T1 - timedelta(microseconds=1)])
def test_users_whose_renewal_is_within_three_days_are_warned(bob: User, now: datetime) -> None:
    assert notify_expiring_credits(now=now) == 2  # and 15 video credits
    assert alerts(bob, EXPIRING)[0].data["expiring"] == 250


@pytest.mark.parametrize(("held", "expiring"), [([250], None), ([100, 150], None), ([249], 1), ([100, 140], 10)])
def test_users_at_or_under_the_carryover_cap_are_not_warned(bob: User, held: list[int], expiring: int | None) -> None:
    for amount in held:
        hold_credits(bob, amount)
    assert notify_expiring_credits(now=T1 - timedelta(days=2)) == int(expiring is not None) + 1  # + video credits
    rows = alerts(bob, EXPIRING)
    assert [row.data["expiring"] for row in rows] == ([] if expiring is None else [expiring])


def test_a_free_user_with_nothing_unreserved_is_not_warned(alice: User) -> None:
    hold_credits(alice, 10)
    assert notify_expiring_credits(now=T1 - timedelta(days=1)) == 1  # her 2 video credits
    assert alerts(alice, EXPIRING) == []


def test_only_users_renewing_soon_are_warned(bob: User, clock: time_machine.Traveller) -> None:
    clock.move_to(T0 + timedelta(days=5))
    dave = make_user("dave", Tier.PRO)  # renews on 20 April
    assert notify_expiring_credits(now=T1 - timedelta(days=1)) == 2
    assert len(alerts(bob, EXPIRING)) == 1
    assert alerts(dave, EXPIRING) == []


def test_expiring_credits_are_warned_once_per_cycle_and_again_in_the_next(bob: User) -> None:
    assert notify_expiring_credits(now=T1 - timedelta(days=3)) == 2
    assert notify_expiring_credits(now=T1 - timedelta(days=2)) == 0
    assert len(alerts(bob, EXPIRING)) == 1
    renew_credits(workspace_of(bob).pk, now=T1)  # 250 carried, 500 granted: 750 available, 500 over the cap
    assert notify_expiring_credits(now=T2 - timedelta(days=3)) == 2
    assert notify_expiring_credits(now=T2 - timedelta(days=1)) == 0
    rows = alerts(bob, EXPIRING)
    assert [row.data for row in rows] == [
        {"expiring": 250, "renews_at": "2026-04-15T09:30:00+00:00", "balance": "credits"},
        {"expiring": 500, "renews_at": "2026-05-15T09:30:00+00:00", "balance": "credits"},
    ]


def test_publishing_alerts_low_credits_once_per_cycle_and_again_after_renewal(
    alice: User, clock: time_machine.Traveller
) -> None:
    for _ in range(3):
        publish_one(alice)
    assert low_alerts(alice) == []  # 7 of 10 left
    for _ in range(7):  # down to 0: the alert comes at 2 left, and only then
        publish_one(alice)
    assert low_alerts(alice) == [{"available": 2, "monthly": 10, "balance": "credits"}]
    clock.move_to(T1)
    renew_credits(workspace_of(alice).pk)
    clock.move_to(T1 + timedelta(days=1))
    for _ in range(8):
        publish_one(alice)
    assert low_alerts(alice) == [
        {"available": 2, "monthly": 10, "balance": "credits"},
        {"available": 2, "monthly": 10, "balance": "credits"},
    ]
    assert [row.dedupe_key for row in alerts(alice, LOW)] == [
        f"{workspace_of(alice).pk}:low_credits:{T0.isoformat()}",
        f"{workspace_of(alice).pk}:low_credits:{T1.isoformat()}",
    ]


def test_an_alert_rolled_back_with_its_post_is_sent_by_the_next_post(alice: User) -> None:
    for _ in range(7):
        publish_one(alice)
    assert low_alerts(alice) == []

    class Abandoned(Exception):
        pass

    def publish_then_fail() -> None:
        with transaction.atomic():
            publish_one(alice)  # the eighth: its alert is created, then rolled back with the post
            assert len(alerts(alice, LOW)) == 1
            raise Abandoned

    with pytest.raises(Abandoned):
        publish_then_fail()
    assert low_alerts(alice) == []
    assert alerted_cycle(alice) is None
    assert available_credits(fresh(alice)) == 3
    publish_one(alice)
    assert low_alerts(alice) == [{"available": 2, "monthly": 10, "balance": "credits"}]


def test_video_credits_over_their_cap_are_warned_once_per_cycle_on_their_own(bob: User) -> None:
    assert notify_expiring_credits(now=T1 - timedelta(days=2)) == 2
    [video] = alerts(bob, EXPIRING, "video_credits")
    assert video.data == {"expiring": 15, "renews_at": "2026-04-15T09:30:00+00:00", "balance": "video_credits"}
    assert video.title == "15 video credits expire soon"
    assert video.dedupe_key == f"{video.workspace_id}:video_credits_expiring:{T0.isoformat()}"
    assert notify_expiring_credits(now=T1 - timedelta(days=1)) == 0


def test_video_credits_running_low_alert_on_their_own_once_per_cycle(bob: User) -> None:
    adjust_credits(workspace_of(bob), amount=-24, reason="Correction", balance="video_credits")  # 6 of 30 left: 20%
    [video] = alerts(bob, LOW, "video_credits")
    assert video.data == {"available": 6, "monthly": 30, "balance": "video_credits"}
    assert video.title == "Video credits are running low"
    assert alerts(bob, LOW) == []
    adjust_credits(workspace_of(bob), amount=-1, reason="Correction", balance="video_credits")
    assert len(alerts(bob, LOW, "video_credits")) == 1
    assert fresh(bob).low_video_credits_alerted_cycle == T0
    assert fresh(bob).low_credits_alerted_cycle is None


@pytest.mark.parametrize(
    ("overrides", "expiring"),
    [
        ({"carryover_cap": 500}, None),  # the override keeps all 500: nothing to lose
        ({"carryover_cap": 10}, 490),  # below the plan's 250
        ({"carryover_cap": 0, "monthly_credits": 50}, 500),
        ({"queue_size": 60}, 250),  # an override of another limit leaves the plan's cap
    ],
)
def test_expiry_warnings_apply_a_workspaces_own_cap(bob: User, overrides: dict[str, int], expiring: int | None) -> None:
    set_tier_limits(workspace_of(bob), overrides=overrides)
    assert notify_expiring_credits(now=T1 - timedelta(days=1)) == int(expiring is not None) + 1  # + video credits
    assert [row.data["expiring"] for row in alerts(bob, EXPIRING)] == ([] if expiring is None else [expiring])
    assert [row.data["expiring"] for row in alerts(bob, EXPIRING, "video_credits")] == [15]
