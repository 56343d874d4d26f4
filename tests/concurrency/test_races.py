"""Many threads, one user: limits hold exactly and no credit is lost or spent twice.

Each thread has its own database connection and all of them start together at a barrier. These run on SQLite
(BEGIN IMMEDIATE serialises writers) and on PostgreSQL (row locks), where `make test` requires them to run.
"""

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from tests.conftest import create_account, make_user
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.credits.renewal import renew_credits
from tidings.credits.services import (
    available_credits,
    consume_reservation,
    ledger_balance,
    release_reservation,
    reserve_credits,
)
from tidings.notifications.models import Notification, NotificationType
from tidings.notifications.services import notify
from tidings.posts.models import TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier
from tidings.usage.models import Metric
from tidings.usage.services import count_usage, local_day, usage_on

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 50


def run_together(calls: list[Callable[[], Any]]) -> Counter[str]:
    """Run each call in its own thread, all released at once; count outcomes by result or exception name."""
    barrier = threading.Barrier(len(calls))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            outcome = repr(call())
        except Exception as error:
            outcome = type(error).__name__
        finally:
            connections.close_all()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def report(name: str, outcomes: Counter[str]) -> None:
    print(f"\n[{connection.vendor}] {name}: {dict(outcomes)}")


def test_fifty_threads_scheduling_for_a_free_user_fill_the_queue_exactly() -> None:
    alice = make_user("alice", Tier.FREE)
    account = create_account(alice)
    drafts = [create_post(alice, text=f"post {n}", account_ids=[account.pk]) for n in range(THREADS)]
    at = timezone.now() + timedelta(hours=1)

    outcomes = run_together([lambda pk=post.pk: schedule_post(alice, pk, at=at).pk and "scheduled" for post in drafts])
    report("schedule x50 (Free: queue 5, credits 10)", outcomes)

    assert outcomes == Counter({"'scheduled'": 5, "TierLimitReached": 45})
    alice.refresh_from_db()
    assert alice.credits == 10
    assert ledger_balance(alice) == 10
    assert CreditReservation.objects.filter(user=alice, status=ReservationStatus.PENDING).count() == 5
    assert CreditReservation.objects.filter(user=alice).count() == 5
    assert available_credits(alice) == 5
    scheduled = alice.posts.filter(targets__status=TargetStatus.SCHEDULED).distinct()
    assert scheduled.count() == 5
    assert alice.posts.filter(targets__status=TargetStatus.DRAFT).exclude(draft_reason="").count() == 45
    assert Notification.objects.filter(user=alice, type=NotificationType.TIER_LIMIT_REACHED).count() == 1


def test_when_credits_bind_first_exactly_the_balance_is_reserved() -> None:
    alice = make_user("alice", Tier.FREE, tier_limits={"queue_size": 100})
    account = create_account(alice)
    drafts = [create_post(alice, text=f"post {n}", account_ids=[account.pk]) for n in range(THREADS)]
    at = timezone.now() + timedelta(hours=1)

    outcomes = run_together([lambda pk=post.pk: schedule_post(alice, pk, at=at).pk and "scheduled" for post in drafts])
    report("schedule x50 (credits 10, queue 100)", outcomes)

    assert outcomes == Counter({"'scheduled'": 10, "InsufficientCredits": 40})
    assert CreditReservation.objects.filter(user=alice, status=ReservationStatus.PENDING).count() == 10
    alice.refresh_from_db()
    assert available_credits(alice) == 0
    assert alice.credits == ledger_balance(alice) == 10


def test_a_reservation_is_consumed_once_however_many_workers_try() -> None:
    bob = make_user("bob", Tier.PRO)
    reservation = reserve_credits(bob, amount=1)

    outcomes = run_together([lambda: consume_reservation(reservation.pk)] * THREADS)
    report("consume one reservation x50", outcomes)

    assert outcomes == Counter({"True": 1, "False": 49})
    bob.refresh_from_db()
    assert bob.credits == ledger_balance(bob) == 499
    assert CreditLedgerEntry.objects.filter(user=bob, kind=LedgerKind.CONSUME).count() == 1


def test_consume_racing_release_settles_the_reservation_exactly_once() -> None:
    bob = make_user("bob", Tier.PRO)
    reservation = reserve_credits(bob, amount=1)
    calls: list[Callable[[], Any]] = []
    for n in range(THREADS):
        if n % 2:
            calls.append(lambda: ("consumed", consume_reservation(reservation.pk)))
        else:
            calls.append(lambda: ("released", release_reservation(reservation.pk, reason="race")))

    outcomes = run_together(calls)
    report("consume x25 racing release x25", outcomes)

    winners = [outcome for outcome, count in outcomes.items() if "True" in outcome for _ in range(count)]
    assert len(winners) == 1
    assert sum(outcomes.values()) == THREADS
    reservation.refresh_from_db()
    bob.refresh_from_db()
    if reservation.status == ReservationStatus.CONSUMED:
        assert bob.credits == 499
    else:
        assert reservation.status == ReservationStatus.RELEASED
        assert bob.credits == 500
    assert available_credits(bob) == bob.credits == ledger_balance(bob)


def test_concurrent_reservations_never_overdraw() -> None:
    alice = make_user("alice", Tier.FREE)

    outcomes = run_together([lambda: reserve_credits(alice, amount=3).amount] * 20)
    report("reserve 3 x20 (credits 10)", outcomes)

    assert outcomes == Counter({"3": 3, "InsufficientCredits": 17})
    assert available_credits(alice) == 1


def test_a_cycle_renews_once_under_concurrent_renewals() -> None:
    bob = make_user("bob", Tier.PRO)
    later = bob.next_credit_reset + timedelta(minutes=1)

    outcomes = run_together([lambda: renew_credits(bob.pk, now=later) is not None] * 20)
    report("renew x20", outcomes)

    assert outcomes == Counter({"True": 1, "False": 19})
    bob.refresh_from_db()
    assert bob.credits == ledger_balance(bob) == 500 + 250
    assert CreditLedgerEntry.objects.filter(user=bob, kind=LedgerKind.RENEWAL).count() == 1


def test_daily_usage_counts_every_concurrent_increment() -> None:
    carol = make_user("carol", Tier.BUSINESS)

    outcomes = run_together([lambda: count_usage(carol, metric=Metric.POSTS, platform="x") > 0] * THREADS)

    assert outcomes == Counter({"True": THREADS})
    assert usage_on(carol, metric=Metric.POSTS, platform="x", day=local_day(carol)) == THREADS


def test_a_deduplicated_notification_is_created_once() -> None:
    carol = make_user("carol", Tier.BUSINESS)

    def send() -> bool:
        created = notify(
            carol,
            type=NotificationType.LOW_CREDITS,
            title="Low",
            message="Low",
            dedupe_key="low_credits:cycle-1",
        )
        return created is not None

    outcomes = run_together([send] * 20)

    assert outcomes == Counter({"True": 1, "False": 19})
    assert Notification.objects.filter(user=carol).count() == 1


@pytest.mark.postgres
def test_lock_user_holds_a_row_lock_on_postgres() -> None:
    """The guarantee the services rely on: while one transaction holds the user, another cannot take it."""
    from django.db import OperationalError, transaction

    from tidings.accounts.models import User
    from tidings.credits.services import lock_user

    alice = make_user("alice", Tier.FREE)
    holding = threading.Event()
    done = threading.Event()

    def holder() -> None:
        with transaction.atomic():
            lock_user(alice.pk)
            holding.set()
            done.wait(timeout=30)
        connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    assert holding.wait(timeout=30)
    try:
        with pytest.raises(OperationalError), transaction.atomic():
            User.objects.select_for_update(nowait=True).get(pk=alice.pk)
    finally:
        done.set()
        thread.join(timeout=30)
    with transaction.atomic():
        assert lock_user(alice.pk).pk == alice.pk
