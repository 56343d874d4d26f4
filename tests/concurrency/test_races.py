"""Many threads, one workspace: limits hold exactly and no credit is lost or spent twice.

Each thread has its own database connection and all of them start together at a barrier. These run on SQLite
(BEGIN IMMEDIATE serialises writers) and on PostgreSQL (row locks), where `make test` requires them to run.
"""

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.credits import hold_credits, holding_account
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.credits.renewal import renew_credits
from tidings.credits.selectors import available_credits
from tidings.credits.services import ledger_balance, lock_workspace
from tidings.notifications.models import Notification, NotificationType
from tidings.notifications.services import notify
from tidings.platforms.base import Identity, TokenSet
from tidings.platforms.choices import hold_choices, pick_choices
from tidings.platforms.models import PendingConnection, Platform, SocialAccount
from tidings.posts import publishing
from tidings.posts.lifecycle import move_targets
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier
from tidings.usage.models import Metric
from tidings.usage.services import count_usage, local_day, usage_on
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action

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
    drafts = [create_post(owner(alice), text=f"post {n}", account_ids=[account.pk]) for n in range(THREADS)]
    # A day each, so the queue binds rather than the two posts a day.
    at = [timezone.now() + timedelta(hours=1, days=n) for n in range(THREADS)]

    outcomes = run_together(
        [
            lambda pk=post.pk, n=n: schedule_post(owner(alice), pk, at=at[n]).pk and "scheduled"
            for n, post in enumerate(drafts)
        ]
    )
    report("schedule x50 (Free: queue 5, credits 10)", outcomes)

    assert outcomes == Counter({"'scheduled'": 5, "TierLimitReached": 45})
    assert workspace_of(alice).credits == 10
    assert ledger_balance(workspace_of(alice)) == 10
    assert (
        CreditReservation.objects.filter(workspace=workspace_of(alice), status=ReservationStatus.PENDING).count() == 5
    )
    assert CreditReservation.objects.filter(workspace=workspace_of(alice)).count() == 5
    assert available_credits(workspace_of(alice)) == 5
    scheduled = workspace_of(alice).posts.filter(targets__status=TargetStatus.SCHEDULED).distinct()
    assert scheduled.count() == 5
    assert workspace_of(alice).posts.filter(targets__status=TargetStatus.DRAFT).exclude(draft_reason="").count() == 45
    assert Notification.objects.filter(user=alice, type=NotificationType.TIER_LIMIT_REACHED).count() == 1


def test_when_credits_bind_first_exactly_the_balance_is_reserved() -> None:
    alice = make_user("alice", Tier.FREE, tier_limits={"queue_size": 100})
    account = create_account(alice)
    drafts = [create_post(owner(alice), text=f"post {n}", account_ids=[account.pk]) for n in range(THREADS)]
    at = [timezone.now() + timedelta(hours=1, days=n) for n in range(THREADS)]

    outcomes = run_together(
        [
            lambda pk=post.pk, n=n: schedule_post(owner(alice), pk, at=at[n]).pk and "scheduled"
            for n, post in enumerate(drafts)
        ]
    )
    report("schedule x50 (credits 10, queue 100)", outcomes)

    assert outcomes == Counter({"'scheduled'": 10, "InsufficientCredits": 40})
    assert (
        CreditReservation.objects.filter(workspace=workspace_of(alice), status=ReservationStatus.PENDING).count() == 10
    )
    assert available_credits(workspace_of(alice)) == 0
    assert workspace_of(alice).credits == ledger_balance(workspace_of(alice)) == 10


def _publishing(target: PostTarget) -> PostTarget:
    """The target as a worker leaves it between begin and completion: publishing, its send answered."""
    with transaction.atomic():
        locked = lock_workspace(target.post.workspace_id)
        move_targets(None, [target.pk], to=TargetStatus.QUEUED)
        move_targets(locked, [target.pk], to=TargetStatus.PUBLISHING)
    return target


def test_a_reservation_is_consumed_once_however_many_workers_try() -> None:
    bob = make_user("bob", Tier.PRO)
    target = _publishing(hold_credits(bob))

    outcomes = run_together([lambda: publishing.complete_publish(target.pk, external_id="x")] * THREADS)
    report("complete one publish x50", outcomes)

    assert outcomes == Counter({"True": 1, "False": 49})
    assert workspace_of(bob).credits == ledger_balance(workspace_of(bob)) == 499
    assert CreditLedgerEntry.objects.filter(workspace=workspace_of(bob), kind=LedgerKind.CONSUME).count() == 1
    assert (
        usage_on(workspace_of(bob), metric=Metric.POSTS, platform=target.platform, day=local_day(workspace_of(bob)))
        == 1
    )


def test_completion_racing_failure_settles_the_reservation_exactly_once() -> None:
    bob = make_user("bob", Tier.PRO)
    target = _publishing(hold_credits(bob))
    calls: list[Callable[[], Any]] = []
    for n in range(THREADS):
        if n % 2:
            calls.append(lambda: ("consumed", publishing.complete_publish(target.pk, external_id="x")))
        else:
            calls.append(
                lambda: ("released", publishing.end_target(target.pk, status=TargetStatus.FAILED, reason="race"))
            )

    outcomes = run_together(calls)
    report("complete x25 racing fail x25", outcomes)

    winners = [o for o, count in outcomes.items() for _ in range(count) if "True" in o or "'failed'" in o]
    assert len(winners) == 1
    assert sum(outcomes.values()) == THREADS
    reservation = CreditReservation.objects.get(target=target)
    if reservation.status == ReservationStatus.CONSUMED:
        assert workspace_of(bob).credits == 499
    else:
        assert reservation.status == ReservationStatus.RELEASED
        assert workspace_of(bob).credits == 500
    assert available_credits(workspace_of(bob)) == workspace_of(bob).credits == ledger_balance(workspace_of(bob))


def test_concurrent_reservations_never_overdraw() -> None:
    alice = make_user("alice", Tier.FREE)
    holding_account(alice)

    outcomes = run_together([lambda: hold_credits(alice, 3).pk > 0] * 20)
    report("reserve 3 x20 (credits 10)", outcomes)

    assert outcomes == Counter({"True": 3, "InsufficientCredits": 17})
    assert available_credits(workspace_of(alice)) == 1
    assert (
        CreditReservation.objects.filter(workspace=workspace_of(alice), status=ReservationStatus.PENDING).count() == 3
    )


def test_a_cycle_renews_once_under_concurrent_renewals() -> None:
    bob = make_user("bob", Tier.PRO)
    later = workspace_of(bob).next_credit_reset + timedelta(minutes=1)

    outcomes = run_together([lambda: renew_credits(workspace_of(bob).pk, now=later) is not None] * 20)
    report("renew x20", outcomes)

    assert outcomes == Counter({"True": 1, "False": 19})
    assert workspace_of(bob).credits == ledger_balance(workspace_of(bob)) == 500 + 250
    renewals = CreditLedgerEntry.objects.filter(workspace=workspace_of(bob), kind=LedgerKind.RENEWAL)
    assert sorted(renewals.values_list("balance", "amount")) == [("credits", 500), ("video_credits", 30)]
    assert workspace_of(bob).video_credits == ledger_balance(workspace_of(bob), "video_credits") == 30 + 15


def test_daily_usage_counts_every_concurrent_increment() -> None:
    carol = make_user("carol", Tier.BUSINESS)

    outcomes = run_together([lambda: count_usage(workspace_of(carol), metric=Metric.POSTS, platform="x") > 0] * THREADS)

    assert outcomes == Counter({"True": THREADS})
    assert (
        usage_on(workspace_of(carol), metric=Metric.POSTS, platform="x", day=local_day(workspace_of(carol))) == THREADS
    )


def test_a_deduplicated_notification_is_created_once() -> None:
    carol = make_user("carol", Tier.BUSINESS)

    def send() -> bool:
        created = notify(
            workspace_of(carol),
            audience=Action.SCHEDULE,
            type=NotificationType.LOW_CREDITS,
            title="Low",
            message="Low",
            dedupe_key="low_credits:cycle-1",
        )
        return bool(created)

    outcomes = run_together([send] * 20)

    assert outcomes == Counter({"True": 1, "False": 19})
    assert Notification.objects.filter(user=carol).count() == 1


@pytest.mark.postgres
def test_lock_workspace_holds_a_row_lock_on_postgres() -> None:
    """The guarantee the services rely on: while one transaction holds the workspace, another cannot take it."""
    from django.db import OperationalError

    from tidings.workspaces.models import Workspace

    workspace = workspace_of(make_user("alice", Tier.FREE))
    holding = threading.Event()
    done = threading.Event()

    def holder() -> None:
        with transaction.atomic():
            lock_workspace(workspace.pk)
            holding.set()
            done.wait(timeout=30)
        connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    assert holding.wait(timeout=30)
    try:
        with pytest.raises(OperationalError), transaction.atomic():
            Workspace.objects.select_for_update(nowait=True).get(pk=workspace.pk)
    finally:
        done.set()
        thread.join(timeout=30)
    with transaction.atomic():
        assert lock_workspace(workspace.pk).pk == workspace.pk


def test_video_posts_scheduled_at_once_reserve_exactly_the_video_credits_and_no_credit() -> None:
    from tidings.credits.models import Balance
    from tidings.platforms.models import Platform
    from tidings.posts.models import MediaAsset, MediaKind

    alice = make_user("alice", Tier.FREE, tier_limits={"queue_size": 100})
    account = create_account(alice, Platform.WEBHOOK)
    drafts = [create_post(owner(alice), text=f"clip {n}", account_ids=[account.pk]) for n in range(20)]
    MediaAsset.objects.bulk_create(
        MediaAsset(
            workspace=post.workspace,
            post=post,
            file="uploads/clip.mp4",
            kind=MediaKind.VIDEO,
            mime_type="video/mp4",
            size_bytes=1,
        )
        for post in drafts
    )
    at = [timezone.now() + timedelta(hours=1, days=n) for n in range(20)]

    outcomes = run_together(
        [
            lambda pk=post.pk, n=n: schedule_post(owner(alice), pk, at=at[n]).pk and "scheduled"
            for n, post in enumerate(drafts)
        ]
    )
    report("schedule x20 video posts (Free: 2 video credits)", outcomes)

    assert outcomes == Counter({"'scheduled'": 2, "InsufficientCredits": 18})
    held = CreditReservation.objects.filter(workspace=workspace_of(alice), status=ReservationStatus.PENDING)
    assert list(held.values_list("balance", flat=True)) == [Balance.VIDEO_CREDITS] * 2
    assert available_credits(workspace_of(alice), Balance.VIDEO_CREDITS) == 0
    assert workspace_of(alice).video_credits == ledger_balance(workspace_of(alice), Balance.VIDEO_CREDITS) == 2
    assert (
        available_credits(workspace_of(alice))
        == workspace_of(alice).credits
        == ledger_balance(workspace_of(alice))
        == 10
    )


def test_picks_sent_at_once_connect_from_one_sign_in_once_and_within_the_plan() -> None:
    user = make_user("piper", Tier.FREE)
    found = [(Identity(f"page-{n}", f"Page {n}"), TokenSet(f"token-{n}")) for n in range(THREADS)]
    actor = owner(user)
    pending = hold_choices(actor, platform=Platform.FACEBOOK, found=found)

    def pick(n: int) -> Callable[[], int]:
        return lambda: len(pick_choices(actor, pending.pk, external_ids=[f"page-{n}"]))

    outcomes = run_together([pick(n) for n in range(THREADS)])
    report("one sign-in, many picks", outcomes)
    # The first pick connects its Page and uses the sign-in up; every other finds it gone.
    assert outcomes == Counter({"1": 1, "NotFound": THREADS - 1})
    assert SocialAccount.objects.filter(workspace=workspace_of(user)).count() == 1
    assert not PendingConnection.objects.exists()


def _two_members_of_alices_workspace(**limits: int) -> tuple[User, list[Actor]]:
    """alice (Free) and bob, an editor of her workspace: two people spending one workspace's queue and credits."""
    alice, bob = make_user("alice", Tier.FREE, tier_limits=limits or None), make_user("bob", Tier.PRO)
    return alice, [owner(alice), join(bob, workspace_of(alice), "editor")]


def _drafts_by_turns(members: list[Actor], account: SocialAccount, count: int) -> list[tuple[Actor, int]]:
    """`count` drafts in the workspace, written by each member in turn; each is scheduled by its own author."""
    return [
        (members[n % 2], create_post(members[n % 2], text=f"draft {n}", account_ids=[account.pk]).pk)
        for n in range(count)
    ]


def test_two_members_racing_for_the_last_queue_place_get_it_once() -> None:
    alice, members = _two_members_of_alices_workspace()
    account = create_account(alice)
    for day in range(4):  # Free's queue holds 5: one place is left
        create_scheduled_post(alice, [account], days=day)
    drafts = _drafts_by_turns(members, account, THREADS)
    at = [timezone.now() + timedelta(hours=1, days=10 + n) for n in range(THREADS)]

    outcomes = run_together(
        [
            lambda actor=actor, pk=pk, n=n: schedule_post(actor, pk, at=at[n]).pk and "scheduled"
            for n, (actor, pk) in enumerate(drafts)
        ]
    )
    report("two members schedule x50 for the last queue place", outcomes)

    assert outcomes == Counter({"'scheduled'": 1, "TierLimitReached": THREADS - 1})
    workspace = workspace_of(alice)
    assert CreditReservation.objects.filter(workspace=workspace, status=ReservationStatus.PENDING).count() == 5
    assert workspace.posts.filter(targets__status=TargetStatus.SCHEDULED).distinct().count() == 5
    assert workspace.credits == ledger_balance(workspace) == 10
    assert available_credits(workspace) == 5
    # Each member who may schedule hears of the full queue once, however many refusals there were.
    refused = Notification.objects.filter(workspace=workspace, type=NotificationType.TIER_LIMIT_REACHED)
    assert sorted(refused.values_list("user__username", flat=True)) == ["alice", "bob"]


def test_two_members_racing_for_the_last_credit_spend_it_once() -> None:
    alice, members = _two_members_of_alices_workspace(queue_size=100)
    account = create_account(alice, Platform.WEBHOOK)
    for day in range(9):  # Free's 10 credits: one is left
        create_scheduled_post(alice, [account], days=day)
    drafts = _drafts_by_turns(members, account, THREADS)
    at = [timezone.now() + timedelta(hours=1, days=10 + n) for n in range(THREADS)]

    outcomes = run_together(
        [
            lambda actor=actor, pk=pk, n=n: schedule_post(actor, pk, at=at[n]).pk and "scheduled"
            for n, (actor, pk) in enumerate(drafts)
        ]
    )
    report("two members schedule x50 for the last credit", outcomes)

    assert outcomes == Counter({"'scheduled'": 1, "InsufficientCredits": THREADS - 1})
    workspace = workspace_of(alice)
    assert CreditReservation.objects.filter(workspace=workspace, status=ReservationStatus.PENDING).count() == 10
    assert available_credits(workspace) == 0
    assert workspace.credits == ledger_balance(workspace) == 10
    # The editor's own workspace paid nothing.
    assert not CreditReservation.objects.filter(workspace=workspace_of(members[1].user)).exists()
