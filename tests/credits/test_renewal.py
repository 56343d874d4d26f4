"""The monthly credit cycle: renewal with carryover per plan, pending reservations over a renewal, idempotence,
missed months, month ends and the set-based renewal of every due user. Credits are held, spent and released the
way the product moves them: through post targets."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.credits import hold_credits, release, spend
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict
from tidings.credits.errors import InsufficientCredits
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.credits.renewal import Renewal, renew_credits, renew_due_workspaces
from tidings.credits.selectors import available_credits, reserved_credits
from tidings.credits.services import ledger_balance
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.publishing import claim_due_targets, end_target
from tidings.posts.services import cancel_post, reschedule_post, unschedule_post
from tidings.tiers.plans import Tier
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.plan import change_tier

pytestmark = pytest.mark.django_db

# Every user in this module is created at T0 unless a test moves the clock first; their first renewal is at T1.
T0 = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)
T1 = datetime(2026, 4, 15, 9, 30, tzinfo=UTC)
T2 = datetime(2026, 5, 15, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def ledger(user: User) -> list[tuple[str, int, int]]:
    return list(
        CreditLedgerEntry.objects.filter(workspace=workspace_of(user), balance="credits")
        .order_by("pk")
        .values_list("kind", "amount", "balance_after")
    )


def renewal_cycles(user: User) -> list[datetime]:
    rows = CreditLedgerEntry.objects.filter(
        workspace=workspace_of(user), kind=LedgerKind.RENEWAL, balance="credits"
    ).order_by("pk")
    return list(rows.values_list("cycle_start", flat=True))


def reservation_of(target: PostTarget) -> CreditReservation:
    return CreditReservation.objects.get(target=target)


def spend_credits(user: User, amount: int) -> None:
    """Hold `amount` credits on a target and publish it, as a post that went out would."""
    assert spend(hold_credits(user, amount)) is True


def fresh(user: User) -> Workspace:
    """The person's own workspace as it is now (its balances and cycle)."""
    return workspace_of(user)


def test_a_new_user_starts_a_cycle_now_with_the_first_months_credits(cast: dict[Tier, User]) -> None:
    for tier, monthly in ((Tier.FREE, 10), (Tier.PRO, 500), (Tier.BUSINESS, 2000)):
        user = cast[tier]
        assert workspace_of(user).credit_cycle_anchor == T0
        assert workspace_of(user).last_credit_reset == T0
        assert workspace_of(user).next_credit_reset == T1
        assert workspace_of(user).credits == monthly
        assert ledger(user) == [("grant", monthly, monthly)]


@pytest.mark.parametrize(
    ("name", "spent", "carried", "expired", "balance", "rows_after_spending"),
    [
        # Free: monthly 10, cap 0.
        ("alice", 0, 0, 10, 10, [("grant", 10, 10)]),
        ("alice", 7, 0, 3, 10, [("grant", 10, 10), ("consume", -7, 3)]),
        ("alice", 10, 0, 0, 10, [("grant", 10, 10), ("consume", -10, 0)]),
        # Pro: monthly 500, cap 250.
        ("bob", 300, 200, 0, 700, [("grant", 500, 500), ("consume", -300, 200)]),
        ("bob", 250, 250, 0, 750, [("grant", 500, 500), ("consume", -250, 250)]),
        ("bob", 100, 250, 150, 750, [("grant", 500, 500), ("consume", -100, 400)]),
        ("bob", 0, 250, 250, 750, [("grant", 500, 500)]),
        ("bob", 500, 0, 0, 500, [("grant", 500, 500), ("consume", -500, 0)]),
        # Business: monthly 2000, cap 1000.
        ("carol", 1500, 500, 0, 2500, [("grant", 2000, 2000), ("consume", -1500, 500)]),
        ("carol", 0, 1000, 1000, 3000, [("grant", 2000, 2000)]),
        ("carol", 999, 1000, 1, 3000, [("grant", 2000, 2000), ("consume", -999, 1001)]),
        ("carol", 2000, 0, 0, 2000, [("grant", 2000, 2000), ("consume", -2000, 0)]),
    ],
)
def test_renewal_grants_the_monthly_credits_and_carries_over_up_to_the_cap(
    request: pytest.FixtureRequest,
    name: str,
    spent: int,
    carried: int,
    expired: int,
    balance: int,
    rows_after_spending: list[tuple[str, int, int]],
) -> None:
    user: User = request.getfixturevalue(name)
    monthly = {"alice": 10, "bob": 500, "carol": 2000}[name]
    if spent:
        spend_credits(user, spent)
    assert ledger(user) == rows_after_spending
    renewal = renew_credits(workspace_of(user).pk, now=T1)
    assert renewal == Renewal(workspace_of(user).pk, T1, monthly, carried, expired, balance)
    unused = monthly - spent
    expected_rows = list(rows_after_spending)
    if expired:
        expected_rows.append(("expire", -expired, unused - expired))
    expected_rows.append(("renewal", monthly, balance))
    assert ledger(user) == expected_rows
    assert renewal_cycles(user) == [T1]
    assert workspace_of(user).credits == balance == ledger_balance(workspace_of(user))
    assert available_credits(workspace_of(user)) == monthly + carried
    assert workspace_of(user).last_credit_reset == T1
    assert workspace_of(user).next_credit_reset == T2
    assert workspace_of(user).credit_cycle_anchor == T0


def test_pending_reservations_keep_their_credits_over_a_renewal(bob: User) -> None:
    held = hold_credits(bob, 100)
    spend_credits(bob, 50)
    # Balance 450, of which 100 are held: 350 unreserved, 250 carried, 100 expire; the held 100 stay.
    renewal = renew_credits(workspace_of(bob).pk, now=T1)
    assert renewal == Renewal(workspace_of(bob).pk, T1, 500, 250, 100, 850)
    assert ledger(bob) == [
        ("grant", 500, 500),
        ("consume", -50, 450),
        ("expire", -100, 350),
        ("renewal", 500, 850),
    ]
    assert workspace_of(bob).credits == 850 == ledger_balance(workspace_of(bob))
    assert reserved_credits(workspace_of(bob).pk) == 100
    assert available_credits(workspace_of(bob)) == 750  # monthly 500 + carried 250
    reservation = reservation_of(held)
    assert (reservation.status, reservation.amount, reservation.cycle_start) == (ReservationStatus.PENDING, 100, T0)
    held.refresh_from_db()
    assert held.status == TargetStatus.SCHEDULED


def test_a_free_users_pending_reservation_survives_the_zero_cap(alice: User) -> None:
    held = hold_credits(alice, 4)
    spend_credits(alice, 3)
    assert renew_credits(workspace_of(alice).pk, now=T1) == Renewal(workspace_of(alice).pk, T1, 10, 0, 3, 14)
    assert ledger(alice) == [("grant", 10, 10), ("consume", -3, 7), ("expire", -3, 4), ("renewal", 10, 14)]
    assert available_credits(fresh(alice)) == 10
    assert reservation_of(held).status == ReservationStatus.PENDING


def _cancel(target: PostTarget) -> None:
    assert release(target) == 1


def _unschedule(target: PostTarget) -> None:
    assert unschedule_post(Actor.system(target.post.workspace), target.post_id) == 1


def _skip(target: PostTarget) -> None:
    assert end_target(target.pk, status=TargetStatus.SKIPPED, reason="Too late to go out") == TargetStatus.SKIPPED


def _fail(target: PostTarget) -> None:
    target.refresh_from_db()
    assert [row[0] for row in claim_due_targets(now=target.scheduled_at)] == [target.pk]
    assert end_target(target.pk, status=TargetStatus.FAILED, reason="The platform refused it") == TargetStatus.FAILED


# Every way out of a credit-holding state other than publishing: (leave, the target's state, the settle reason).
RELEASES = {
    "cancelled": (_cancel, TargetStatus.CANCELLED, "Cancelled by the user"),
    "unscheduled": (_unschedule, TargetStatus.DRAFT, "Moved back to draft"),
    "skipped": (_skip, TargetStatus.SKIPPED, "Too late to go out"),
    "failed": (_fail, TargetStatus.FAILED, "The platform refused it"),
}


@pytest.mark.parametrize("how", list(RELEASES))
def test_a_reservation_from_before_the_renewal_expires_when_released_after_it(bob: User, how: str) -> None:
    leave, state, reason = RELEASES[how]
    held = hold_credits(bob, 100)
    renew_credits(workspace_of(bob).pk, now=T1)  # 400 unreserved: 250 carried, 150 expire; balance 850
    leave(held)
    rows = list(CreditLedgerEntry.objects.filter(workspace=workspace_of(bob), balance="credits").order_by("pk"))
    reservation = reservation_of(held)
    assert [(r.kind, r.amount, r.balance_after) for r in rows] == [
        ("grant", 500, 500),
        ("expire", -150, 350),
        ("renewal", 500, 850),
        ("expire", -100, 750),
    ]
    assert rows[-1].reservation_id == reservation.pk
    assert rows[-1].reason == "Reserved in an earlier cycle and released after renewal"
    assert workspace_of(bob).credits == 750 == ledger_balance(workspace_of(bob))
    assert available_credits(workspace_of(bob)) == 750
    assert (reservation.status, reservation.reason, reservation.settled_at) == (ReservationStatus.RELEASED, reason, T0)
    held.refresh_from_db()
    assert held.status == state
    # Released once: neither a second release nor a publish moves it again.
    again = unschedule_post if state == TargetStatus.DRAFT else cancel_post
    with pytest.raises(Conflict):
        again(owner(bob), held.post_id)
    assert spend(held) is False
    assert len(ledger(bob)) == 4
    assert reservation_of(held).status == ReservationStatus.RELEASED
    assert fresh(bob).credits == 750


def test_a_reservation_from_before_the_renewal_can_still_be_consumed_after_it(bob: User) -> None:
    held = hold_credits(bob, 100)
    renew_credits(workspace_of(bob).pk, now=T1)
    assert spend(held) is True
    reservation = reservation_of(held)
    assert ledger(bob) == [("grant", 500, 500), ("expire", -150, 350), ("renewal", 500, 850), ("consume", -100, 750)]
    assert (
        CreditLedgerEntry.objects.filter(workspace=workspace_of(bob), balance="credits")
        .order_by("pk")
        .last()
        .reservation_id
        == reservation.pk
    )
    assert workspace_of(bob).credits == 750 == ledger_balance(workspace_of(bob))
    assert available_credits(workspace_of(bob)) == 750
    assert (reservation.status, reservation.cycle_start) == (ReservationStatus.CONSUMED, T0)
    # Spent once: a second publish and a cancel change nothing.
    assert spend(held) is False
    with pytest.raises(Conflict):
        release(held)
    assert len(ledger(bob)) == 4
    assert fresh(bob).credits == 750


def test_a_reservation_made_and_released_in_the_same_cycle_writes_no_ledger_row(
    bob: User, clock: time_machine.Traveller
) -> None:
    clock.move_to(T1)
    renew_credits(workspace_of(bob).pk)
    held = hold_credits(bob, 5)
    assert reservation_of(held).cycle_start == T1
    assert available_credits(fresh(bob)) == 745
    assert unschedule_post(owner(bob), held.post_id) == 1
    assert ledger(bob) == [("grant", 500, 500), ("expire", -250, 250), ("renewal", 500, 750)]
    assert available_credits(fresh(bob)) == 750
    assert reservation_of(held).status == ReservationStatus.RELEASED


def test_a_post_rescheduled_after_the_renewal_pays_from_the_new_cycle(bob: User, clock: time_machine.Traveller) -> None:
    post = create_scheduled_post(bob, [create_account(bob)])
    target = post.targets.get()
    old = reservation_of(target)
    clock.move_to(T1 + timedelta(hours=1))
    # 499 unreserved: 250 carried, 249 expire; the held credit stays.
    assert renew_credits(workspace_of(bob).pk) == Renewal(workspace_of(bob).pk, T1, 500, 250, 249, 751)
    reschedule_post(owner(bob), post.pk, at=T1 + timedelta(days=2))
    old.refresh_from_db()
    assert (old.status, old.reason) == (
        ReservationStatus.RELEASED,
        "Post changed after renewal: reserved again from this cycle",
    )
    new = CreditReservation.objects.get(target=target, status=ReservationStatus.PENDING)
    assert (new.amount, new.cycle_start) == (1, T1)
    assert ledger(bob)[-1] == ("expire", -1, 750)
    assert workspace_of(bob).credits == 750 == ledger_balance(workspace_of(bob))
    assert available_credits(workspace_of(bob)) == 749
    # Rescheduled again in the same cycle: the credit stays where it is.
    reschedule_post(owner(bob), post.pk, at=T1 + timedelta(days=3))
    assert CreditReservation.objects.filter(target=target).count() == 2
    assert len(ledger(bob)) == 4
    # And publishing it spends the new cycle's credit once.
    assert spend(target) is True
    new.refresh_from_db()
    assert new.status == ReservationStatus.CONSUMED
    assert ledger(bob)[-1] == ("consume", -1, 749)
    assert available_credits(fresh(bob)) == 749


def test_a_reschedule_the_new_cycle_cannot_pay_for_changes_nothing(alice: User, clock: time_machine.Traveller) -> None:
    post = create_scheduled_post(alice, [create_account(alice)])
    target = post.targets.get()
    before_at = PostTarget.objects.get(pk=target.pk).scheduled_at
    clock.move_to(T1 + timedelta(hours=1))
    assert renew_credits(workspace_of(alice).pk) == Renewal(workspace_of(alice).pk, T1, 10, 0, 9, 11)
    hold_credits(alice, 10)  # the whole new cycle is spoken for
    rows = ledger(alice)
    with pytest.raises(InsufficientCredits):
        reschedule_post(owner(alice), post.pk, at=T1 + timedelta(days=2))
    assert ledger(alice) == rows
    old = reservation_of(target)
    assert (old.status, old.cycle_start) == (ReservationStatus.PENDING, T0)
    target.refresh_from_db()
    assert (target.status, target.scheduled_at) == (TargetStatus.SCHEDULED, before_at)
    assert workspace_of(alice).credits == 11 == ledger_balance(workspace_of(alice))
    assert available_credits(workspace_of(alice)) == 0


def test_renewing_twice_for_the_same_cycle_renews_once(bob: User) -> None:
    assert renew_credits(workspace_of(bob).pk, now=T1) is not None
    assert renew_credits(workspace_of(bob).pk, now=T1) is None
    assert renew_credits(workspace_of(bob).pk, now=T1 + timedelta(days=20)) is None
    assert ledger(bob) == [("grant", 500, 500), ("expire", -250, 250), ("renewal", 500, 750)]
    assert workspace_of(bob).last_credit_reset == T1
    assert workspace_of(bob).next_credit_reset == T2


def test_renew_due_workspaces_twice_renews_once(bob: User) -> None:
    assert renew_due_workspaces(now=T1) == 1
    assert renew_due_workspaces(now=T1) == 0
    assert renew_due_workspaces(now=T1 + timedelta(hours=5)) == 0
    assert renewal_cycles(bob) == [T1]
    assert fresh(bob).credits == 750


def test_renewal_uses_the_clock_when_no_time_is_given(bob: User, clock: time_machine.Traveller) -> None:
    clock.move_to(T1 - timedelta(microseconds=1))
    assert renew_credits(workspace_of(bob).pk) is None
    assert renew_due_workspaces() == 0
    clock.move_to(T1)
    assert renew_credits(workspace_of(bob).pk) == Renewal(workspace_of(bob).pk, T1, 500, 250, 250, 750)


def test_a_cycle_not_due_yet_is_not_renewed_and_nothing_changes(bob: User) -> None:
    spend_credits(bob, 10)
    before = ledger(bob)
    assert renew_credits(workspace_of(bob).pk, now=T1 - timedelta(seconds=1)) is None
    assert renew_due_workspaces(now=T1 - timedelta(seconds=1)) == 0
    assert ledger(bob) == before
    assert workspace_of(bob).credits == 490
    assert workspace_of(bob).last_credit_reset == T0
    assert workspace_of(bob).next_credit_reset == T1


@pytest.mark.parametrize(
    ("name", "balance", "expired"),
    [("alice", 10, 10), ("bob", 750, 250), ("carol", 3000, 1000)],
)
def test_missed_months_renew_once_into_the_cycle_that_contains_now(
    request: pytest.FixtureRequest, name: str, balance: int, expired: int
) -> None:
    user: User = request.getfixturevalue(name)
    now = datetime(2026, 7, 20, tzinfo=UTC)
    july = datetime(2026, 7, 15, 9, 30, tzinfo=UTC)
    monthly = {"alice": 10, "bob": 500, "carol": 2000}[name]
    assert renew_credits(workspace_of(user).pk, now=now) == Renewal(
        workspace_of(user).pk, july, monthly, monthly - expired, expired, balance
    )
    assert renew_credits(workspace_of(user).pk, now=now) is None
    assert renewal_cycles(user) == [july]
    assert [kind for kind, _, _ in ledger(user)] == ["grant", "expire", "renewal"]
    assert workspace_of(user).credits == balance
    assert workspace_of(user).last_credit_reset == july
    assert workspace_of(user).next_credit_reset == datetime(2026, 8, 15, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("year", "february_end"),
    [(2027, datetime(2027, 2, 28, 10, tzinfo=UTC)), (2028, datetime(2028, 2, 29, 10, tzinfo=UTC))],
)
def test_a_cycle_anchored_on_the_31st_renews_at_months_end_without_drifting(
    clock: time_machine.Traveller, year: int, february_end: datetime
) -> None:
    anchor = datetime(year, 1, 31, 10, tzinfo=UTC)
    clock.move_to(anchor)
    dave = make_user("dave", Tier.FREE)
    assert workspace_of(dave).next_credit_reset == february_end
    assert renew_credits(workspace_of(dave).pk, now=february_end - timedelta(seconds=1)) is None
    # Feb 28 in a leap year is not the end of the month yet.
    assert renew_credits(workspace_of(dave).pk, now=datetime(year, 2, 28, 9, tzinfo=UTC)) is None
    expected = [
        february_end,
        datetime(year, 3, 31, 10, tzinfo=UTC),
        datetime(year, 4, 30, 10, tzinfo=UTC),
        datetime(year, 5, 31, 10, tzinfo=UTC),
        datetime(year, 6, 30, 10, tzinfo=UTC),
    ]
    for start, following in zip(expected, [*expected[1:], datetime(year, 7, 31, 10, tzinfo=UTC)], strict=True):
        renewal = renew_credits(workspace_of(dave).pk, now=start)
        assert renewal is not None
        assert renewal.cycle_start == start
        assert workspace_of(dave).last_credit_reset == start
        assert workspace_of(dave).next_credit_reset == following
        assert workspace_of(dave).credit_cycle_anchor == anchor
    assert renewal_cycles(dave) == expected


@pytest.mark.parametrize(
    ("name", "tier", "rows"),
    [
        ("alice", Tier.PRO, [("grant", 10, 10), ("renewal", 500, 510)]),
        # The plan in force at renewal sets the cap too: Business carries all 500 over, Free carries nothing.
        ("bob", Tier.BUSINESS, [("grant", 500, 500), ("renewal", 2000, 2500)]),
        ("carol", Tier.FREE, [("grant", 2000, 2000), ("expire", -2000, 0), ("renewal", 10, 10)]),
    ],
)
def test_a_tier_change_applies_its_monthly_credits_at_the_next_renewal(
    request: pytest.FixtureRequest, name: str, tier: Tier, rows: list[tuple[str, int, int]]
) -> None:
    user: User = request.getfixturevalue(name)
    balance = workspace_of(user).credits
    change_tier(workspace_of(user), tier=tier)
    assert workspace_of(user).tier == tier
    assert workspace_of(user).credits == balance
    assert len(ledger(user)) == 1
    renew_credits(workspace_of(user).pk, now=T1)
    assert ledger(user) == rows
    assert fresh(user).credits == rows[-1][2]


def test_renew_due_workspaces_renews_only_due_users_across_batches(clock: time_machine.Traveller) -> None:
    created = [T0, T0 + timedelta(days=10), T0 + timedelta(hours=1), T0 + timedelta(days=20), T0 + timedelta(hours=2)]
    users = []
    for n, moment in enumerate(created):
        clock.move_to(moment)
        users.append(make_user(f"user{n}", Tier.PRO))
    due, waiting = [users[0], users[2], users[4]], [users[1], users[3]]
    now = datetime(2026, 4, 15, 12, tzinfo=UTC)
    assert renew_due_workspaces(now=now, batch_size=2) == 3
    for user, moment in zip(users, created, strict=True):
        if user in due:
            assert workspace_of(user).last_credit_reset == moment + (T1 - T0)
            assert workspace_of(user).credits == 750
            assert renewal_cycles(user) == [workspace_of(user).last_credit_reset]
        else:
            assert workspace_of(user).last_credit_reset == moment
            assert workspace_of(user).credits == 500
            assert renewal_cycles(user) == []
    assert renew_due_workspaces(now=now, batch_size=2) == 0
    later = datetime(2026, 5, 5, 10, tzinfo=UTC)
    assert renew_due_workspaces(now=later, batch_size=2) == 2
    assert [fresh(u).next_credit_reset for u in waiting] == [
        datetime(2026, 5, 25, 9, 30, tzinfo=UTC),
        datetime(2026, 6, 4, 9, 30, tzinfo=UTC),
    ]
    assert [fresh(u).next_credit_reset for u in due] == [
        T2,
        T2 + timedelta(hours=1),
        T2 + timedelta(hours=2),
    ]


def test_renew_due_workspaces_walks_every_batch(clock: time_machine.Traveller) -> None:
    users = [make_user(f"user{n}", Tier.FREE) for n in range(5)]
    assert renew_due_workspaces(now=T1, batch_size=2) == 5
    assert renew_due_workspaces(now=T1, batch_size=2) == 0
    for user in users:
        assert renewal_cycles(user) == [T1]
        assert ledger(user) == [("grant", 10, 10), ("expire", -10, 0), ("renewal", 10, 10)]


def test_a_due_user_is_renewed_whatever_time_zone_now_is_given_in(clock: time_machine.Traveller) -> None:
    clock.move_to(datetime(2026, 3, 1, tzinfo=UTC))
    dave = make_user("dave", Tier.PRO)
    # 1 April 02:00 UTC: the cycle started 2 hours ago, though it is still 31 March in New York.
    now = datetime(2026, 4, 1, 2, tzinfo=UTC).astimezone(ZoneInfo("America/New_York"))
    assert renew_due_workspaces(now=now) == 1
    assert workspace_of(dave).last_credit_reset == datetime(2026, 4, 1, tzinfo=UTC)
    assert workspace_of(dave).next_credit_reset == datetime(2026, 5, 1, tzinfo=UTC)
    assert workspace_of(dave).credits == 750


def test_renewal_leaves_reservations_untouched(bob: User) -> None:
    first = hold_credits(bob, 3)
    second = hold_credits(bob, 2)
    assert spend(second) is True
    renew_credits(workspace_of(bob).pk, now=T1)
    assert dict(CreditReservation.objects.values_list("target_id", "status")) == {
        first.pk: ReservationStatus.PENDING,
        second.pk: ReservationStatus.CONSUMED,
    }
    assert list(PostTarget.objects.order_by("pk").values_list("status", flat=True)) == [
        TargetStatus.SCHEDULED,
        TargetStatus.PUBLISHED,
    ]


# How a scheduled target leaves its credit-holding state: (the reservation's end, its reason).
EXITS = {
    "published": (ReservationStatus.CONSUMED, "Published to mastodon"),
    **{how: (ReservationStatus.RELEASED, reason) for how, (_, _, reason) in RELEASES.items()},
}


def leave(target: PostTarget, how: str) -> None:
    if how == "published":
        assert spend(target) is True
    else:
        RELEASES[how][0](target)


@pytest.mark.parametrize(
    ("renewed", "how", "last_row", "balance"),
    [
        # Released in the cycle it was reserved in: the credit is simply available again, no ledger row.
        *[(False, how, ("grant", 500, 500), 500) for how in RELEASES],
        (False, "published", ("consume", -1, 499), 499),
        # Reserved before the renewal and released after it: the credit expires instead of joining the new cycle.
        *[(True, how, ("expire", -1, 750), 750) for how in RELEASES],
        (True, "published", ("consume", -1, 750), 750),
    ],
)
def test_a_scheduled_targets_credit_is_settled_once_with_the_ledger_row_its_cycle_calls_for(
    bob: User, renewed: bool, how: str, last_row: tuple[str, int, int], balance: int
) -> None:
    target = create_scheduled_post(bob, [create_account(bob)]).targets.get()
    held = reservation_of(target)
    assert (held.status, held.amount, held.cycle_start) == (ReservationStatus.PENDING, 1, T0)
    if renewed:
        renew_credits(workspace_of(bob).pk, now=T1)
    leave(target, how)
    to, reason = EXITS[how]
    assert ledger(bob)[-1] == last_row
    held.refresh_from_db()
    assert (held.status, held.reason, held.settled_at) == (to, reason, T0)
    assert (
        workspace_of(bob).credits
        == balance
        == ledger_balance(workspace_of(bob))
        == available_credits(workspace_of(bob))
    )
    assert reserved_credits(workspace_of(bob).pk) == 0
    # Settled once: publishing it, ending it or cancelling it again finds nothing pending and writes nothing.
    rows = len(ledger(bob))
    assert spend(target) is False
    assert end_target(target.pk, status=TargetStatus.SKIPPED, reason="again") == ""
    assert len(ledger(bob)) == rows
    assert CreditReservation.objects.filter(target=target).count() == 1
    held.refresh_from_db()
    assert (held.status, held.reason) == (to, reason)
    assert fresh(bob).credits == balance
