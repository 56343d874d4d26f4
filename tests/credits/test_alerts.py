"""Low-credit and expiring-credit alerts: the exact thresholds, once per cycle, and again in the next one."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.conftest import make_user
from tidings.accounts.models import User
from tidings.credits.alerts import check_low_credits, notify_expiring_credits
from tidings.credits.renewal import renew_credits
from tidings.credits.services import available_credits, consume_reservation, reserve_credits
from tidings.notifications.models import Notification, NotificationType
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)  # every user here is created now
T1 = datetime(2026, 4, 15, 9, 30, tzinfo=UTC)  # and renews then
T2 = datetime(2026, 5, 15, 9, 30, tzinfo=UTC)
LOW = NotificationType.LOW_CREDITS
EXPIRING = NotificationType.CREDITS_EXPIRING


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def fresh(user: User) -> User:
    user.refresh_from_db()
    return user


def alerts(user: User, kind: NotificationType) -> list[Notification]:
    return list(Notification.objects.filter(user=user, type=kind).order_by("pk"))


@pytest.mark.parametrize(
    ("name", "held", "available", "fires"),
    [
        ("alice", 8, 2, True),
        ("alice", 7, 3, False),
        ("alice", 10, 0, True),
        ("bob", 400, 100, True),
        ("bob", 399, 101, False),
        ("carol", 1600, 400, True),
        ("carol", 1599, 401, False),
    ],
)
def test_low_credits_fires_at_twenty_percent_of_the_monthly_credits_or_below(
    request: pytest.FixtureRequest, name: str, held: int, available: int, fires: bool
) -> None:
    user: User = request.getfixturevalue(name)
    reserve_credits(user, amount=held)
    user = fresh(user)
    assert available_credits(user) == available
    assert check_low_credits(user) is fires
    rows = alerts(user, LOW)
    assert len(rows) == int(fires)
    if fires:
        monthly = {"alice": 10, "bob": 500, "carol": 2000}[name]
        assert rows[0].data == {"available": available, "monthly": monthly}
        assert rows[0].title == "Credits are running low"
        assert rows[0].message == (
            f"{available} of your {monthly} monthly credits are left. They renew on 15 April 2026."
        )
        assert rows[0].dedupe_key == f"low_credits:{T0.isoformat()}"


def test_low_credits_fires_once_per_cycle(bob: User) -> None:
    reserve_credits(bob, amount=400)
    bob = fresh(bob)
    assert check_low_credits(bob) is True
    assert check_low_credits(bob) is False
    reserve_credits(bob, amount=50)
    assert check_low_credits(fresh(bob)) is False
    assert len(alerts(bob, LOW)) == 1
    assert alerts(bob, LOW)[0].data == {"available": 100, "monthly": 500}


def test_low_credits_fires_again_in_the_next_cycle(alice: User) -> None:
    reserve_credits(alice, amount=8)
    assert check_low_credits(fresh(alice)) is True
    # Renewal: the 2 unreserved credits expire (cap 0), the 8 held stay; 10 new ones are available.
    renew_credits(alice.pk, now=T1)
    alice = fresh(alice)
    assert available_credits(alice) == 10
    assert check_low_credits(alice) is False
    reserve_credits(alice, amount=8)
    alice = fresh(alice)
    assert check_low_credits(alice) is True
    assert check_low_credits(alice) is False
    rows = alerts(alice, LOW)
    assert [row.dedupe_key for row in rows] == [f"low_credits:{T0.isoformat()}", f"low_credits:{T1.isoformat()}"]
    assert rows[1].message == "2 of your 10 monthly credits are left. They renew on 15 May 2026."


@pytest.mark.parametrize(
    ("name", "spent", "fires"), [("alice", 8, True), ("alice", 7, False), ("bob", 400, True), ("bob", 399, False)]
)
def test_consuming_a_reservation_checks_for_low_credits(
    request: pytest.FixtureRequest, name: str, spent: int, fires: bool
) -> None:
    user: User = request.getfixturevalue(name)
    reservation = reserve_credits(user, amount=spent)
    assert alerts(user, LOW) == []  # reserving alone does not check
    assert consume_reservation(reservation.pk) is True
    rows = alerts(user, LOW)
    assert len(rows) == int(fires)
    if fires:
        monthly = {"alice": 10, "bob": 500}[name]
        assert rows[0].data == {"available": monthly - spent, "monthly": monthly}


def test_consuming_again_in_the_same_cycle_does_not_notify_twice(alice: User) -> None:
    for _ in range(9):
        assert consume_reservation(reserve_credits(alice, amount=1).pk) is True
    rows = alerts(alice, LOW)
    assert len(rows) == 1
    assert rows[0].data == {"available": 2, "monthly": 10}  # the first consumption that reached the threshold


def test_a_consumption_that_was_already_settled_does_not_check_again(alice: User) -> None:
    reservation = reserve_credits(alice, amount=8)
    assert consume_reservation(reservation.pk) is True
    Notification.objects.filter(user=alice).delete()
    assert consume_reservation(reservation.pk) is False
    assert alerts(alice, LOW) == []


def test_users_who_would_lose_credits_within_three_days_are_warned(cast: dict[Tier, User]) -> None:
    assert notify_expiring_credits(now=T1 - timedelta(days=3)) == 3
    expected = {Tier.FREE: 10, Tier.PRO: 250, Tier.BUSINESS: 1000}
    for tier, user in cast.items():
        rows = alerts(user, EXPIRING)
        assert len(rows) == 1
        assert rows[0].data == {"expiring": expected[tier], "renews_at": "2026-04-15T09:30:00+00:00"}
        assert rows[0].title == f"{expected[tier]} credits expire soon"
        assert rows[0].message == (
            f"{expected[tier]} unused credits expire when your plan renews on 15 April 2026. "
            "Schedule posts before then to use them."
        )
        assert rows[0].dedupe_key == f"credits_expiring:{T0.isoformat()}"


@pytest.mark.parametrize(
    "now",
    [T1 - timedelta(days=3, seconds=1), T1 - timedelta(days=10), T0],
)
def test_users_whose_renewal_is_not_within_three_days_are_not_warned(bob: User, now: datetime) -> None:
    assert notify_expiring_credits(now=now) == 0
    assert alerts(bob, EXPIRING) == []


@pytest.mark.parametrize("now", [T1 - timedelta(days=3), T1 - timedelta(days=1), T1 - timedelta(microseconds=1)])
def test_users_whose_renewal_is_within_three_days_are_warned(bob: User, now: datetime) -> None:
    assert notify_expiring_credits(now=now) == 1
    assert alerts(bob, EXPIRING)[0].data["expiring"] == 250


@pytest.mark.parametrize(("held", "expiring"), [([250], None), ([100, 150], None), ([249], 1), ([100, 140], 10)])
def test_users_at_or_under_the_carryover_cap_are_not_warned(bob: User, held: list[int], expiring: int | None) -> None:
    for amount in held:
        reserve_credits(bob, amount=amount)
    assert notify_expiring_credits(now=T1 - timedelta(days=2)) == int(expiring is not None)
    rows = alerts(bob, EXPIRING)
    assert [row.data["expiring"] for row in rows] == ([] if expiring is None else [expiring])


def test_a_free_user_with_nothing_unreserved_is_not_warned(alice: User) -> None:
    reserve_credits(alice, amount=10)
    assert notify_expiring_credits(now=T1 - timedelta(days=1)) == 0
    assert alerts(alice, EXPIRING) == []


def test_only_users_renewing_soon_are_warned(bob: User, clock: time_machine.Traveller) -> None:
    clock.move_to(T0 + timedelta(days=5))
    dave = make_user("dave", Tier.PRO)  # renews on 20 April
    assert notify_expiring_credits(now=T1 - timedelta(days=1)) == 1
    assert len(alerts(bob, EXPIRING)) == 1
    assert alerts(dave, EXPIRING) == []


def test_expiring_credits_are_warned_once_per_cycle_and_again_in_the_next(bob: User) -> None:
    assert notify_expiring_credits(now=T1 - timedelta(days=3)) == 1
    assert notify_expiring_credits(now=T1 - timedelta(days=2)) == 0
    assert len(alerts(bob, EXPIRING)) == 1
    renew_credits(bob.pk, now=T1)  # 250 carried, 500 granted: 750 available, 500 over the cap
    assert notify_expiring_credits(now=T2 - timedelta(days=3)) == 1
    assert notify_expiring_credits(now=T2 - timedelta(days=1)) == 0
    rows = alerts(bob, EXPIRING)
    assert [row.data for row in rows] == [
        {"expiring": 250, "renews_at": "2026-04-15T09:30:00+00:00"},
        {"expiring": 500, "renews_at": "2026-05-15T09:30:00+00:00"},
    ]


def publish_one(user: User) -> None:
    """A post published through the publishing path, whose completion checks for low credits."""
    from tests.conftest import create_account, create_scheduled_post
    from tidings.platforms.models import SocialAccount
    from tidings.posts.models import TargetStatus
    from tidings.posts.publishing import complete_publish

    account = SocialAccount.objects.filter(user=user).first() or create_account(user)
    target = create_scheduled_post(user, [account]).targets.get()
    type(target).objects.filter(pk=target.pk).update(status=TargetStatus.PUBLISHING)
    assert complete_publish(target.pk, external_id=f"ext-{target.pk}") is True


def test_publishing_alerts_low_credits_once_per_cycle_and_again_after_renewal(alice: User) -> None:
    for _ in range(3):
        publish_one(alice)
    assert alerts(alice, LOW) == []  # 7 of 10 left
    for _ in range(7):  # down to 0: the alert comes at 2 left, and only then
        publish_one(alice)
    assert [row.data for row in alerts(alice, LOW)] == [{"available": 2, "monthly": 10}]
    renew_credits(alice.pk, now=T1)
    with time_machine.travel(T1 + timedelta(days=1), tick=False):
        for _ in range(8):
            publish_one(fresh(alice))
    assert [row.data for row in alerts(alice, LOW)] == [
        {"available": 2, "monthly": 10},
        {"available": 2, "monthly": 10},
    ]


def test_an_alert_rolled_back_with_its_publish_is_sent_by_the_next_publish(alice: User) -> None:
    from django.db import transaction

    for _ in range(7):
        publish_one(alice)
    assert alerts(alice, LOW) == []

    class Abandoned(Exception):
        pass

    def publish_then_fail() -> None:
        with transaction.atomic():
            publish_one(alice)  # the eighth: this alert is created, then rolled back with the publish
            assert len(alerts(alice, LOW)) == 1
            raise Abandoned

    with pytest.raises(Abandoned):
        publish_then_fail()
    assert alerts(alice, LOW) == []
    publish_one(alice)
    assert [row.data for row in alerts(alice, LOW)] == [{"available": 2, "monthly": 10}]
