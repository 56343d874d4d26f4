"""The set-based renewal: one chunk renews a mixed set of workspaces (every plan, a limit override, pending
reservations of both balances, carryover at and over the cap, missed months) with exactly the per-workspace
arithmetic, skips what is not due or gone, and changes nothing when it runs again."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.conftest import make_user
from tests.support.credits import hold_credits, spend
from tests.support.workspaces import workspace_of
from tidings.accounts.closing import delete_account
from tidings.accounts.models import User
from tidings.credits.models import CreditLedgerEntry, CreditReservation, ReservationStatus
from tidings.credits.renewal import RenewalChunk, renew_due_chunk
from tidings.credits.services import ledger_balance
from tidings.tiers.plans import Tier
from tidings.workspaces.models import Workspace
from tidings.workspaces.plan import set_tier_limits

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)
T1 = datetime(2026, 4, 15, 9, 30, tzinfo=UTC)
T2 = datetime(2026, 5, 15, 9, 30, tzinfo=UTC)
NOW = T1 + timedelta(hours=1)
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def mixed(alice: User, bob: User, carol: User, clock: time_machine.Traveller) -> dict[str, User]:
    """Five due workspaces, one not due yet and one deleted, each balance in a different state."""
    hold_credits(alice, 4)
    assert spend(hold_credits(alice, 3)) is True  # 7 credits, 4 held: 3 unreserved on a zero cap
    hold_credits(bob, 100)
    hold_credits(bob, 5, balance="video_credits")  # 400 credits over a 250 cap; 25 video credits over 15
    assert spend(hold_credits(carol, 1000)) is True  # exactly the cap of 1000 left
    clock.move_to(T0 - timedelta(days=59))  # 15 January: two months missed by April
    frank = make_user("frank", Tier.FREE)
    clock.move_to(T0)
    dave = make_user("dave", Tier.PRO)
    set_tier_limits(workspace_of(dave), overrides={"monthly_credits": 100, "carryover_cap": 40})
    gina = make_user("gina", Tier.PRO)
    clock.move_to(T0 + timedelta(days=10))
    erin = make_user("erin", Tier.PRO)
    clock.move_to(T0)
    delete_account(gina, password=PASSWORD)
    return {"alice": alice, "bob": bob, "carol": carol, "frank": frank, "dave": dave, "erin": erin}


def rows_after(pk: int) -> list[tuple[str, str, str, int, int, datetime | None, str]]:
    rows = CreditLedgerEntry.objects.filter(pk__gt=pk).order_by("pk")
    return [
        (r.workspace.personal_owner.username, r.balance, r.kind, r.amount, r.balance_after, r.cycle_start, r.reason)
        for r in rows.select_related("workspace__personal_owner")
    ]


def state(user: User) -> tuple[int, int, datetime, datetime, datetime]:
    w = workspace_of(user)
    return (w.credits, w.video_credits, w.credit_cycle_anchor, w.last_credit_reset, w.next_credit_reset)


def test_one_chunk_renews_a_mixed_set_with_the_per_workspace_arithmetic(mixed: dict[str, User]) -> None:
    before = CreditLedgerEntry.objects.order_by("pk").last()
    assert before is not None
    pending = list(CreditReservation.objects.filter(status=ReservationStatus.PENDING).values_list("pk", "amount"))
    erin = state(mixed["erin"])

    assert renew_due_chunk(now=NOW, after_id=0, limit=100) == RenewalChunk(5, workspace_of(mixed["dave"]).pk)

    c, v = "credits", "video_credits"
    assert rows_after(before.pk) == [
        # Free 10/0, video 2/0: the 3 unreserved credits expire, the 4 held stay with their post.
        ("alice", c, "expire", -3, 4, None, "Cycle ended; carryover cap 0"),
        ("alice", c, "renewal", 10, 14, T1, "free monthly credits"),
        ("alice", v, "expire", -2, 0, None, "Cycle ended; carryover cap 0"),
        ("alice", v, "renewal", 2, 2, T1, "free monthly video credits"),
        # Pro 500/250, video 30/15, with both balances held: 100 credits and 5 video credits stay.
        ("bob", c, "expire", -150, 350, None, "Cycle ended; carryover cap 250"),
        ("bob", c, "renewal", 500, 850, T1, "pro monthly credits"),
        ("bob", v, "expire", -10, 20, None, "Cycle ended; carryover cap 15"),
        ("bob", v, "renewal", 30, 50, T1, "pro monthly video credits"),
        # Business 2000/1000: exactly at the cap, nothing expires; video 150 over a 75 cap.
        ("carol", c, "renewal", 2000, 3000, T1, "business monthly credits"),
        ("carol", v, "expire", -75, 75, None, "Cycle ended; carryover cap 75"),
        ("carol", v, "renewal", 150, 225, T1, "business monthly video credits"),
        # Two months missed: one renewal, into the cycle that contains now.
        ("frank", c, "expire", -10, 0, None, "Cycle ended; carryover cap 0"),
        ("frank", c, "renewal", 10, 10, T1, "free monthly credits"),
        ("frank", v, "expire", -2, 0, None, "Cycle ended; carryover cap 0"),
        ("frank", v, "renewal", 2, 2, T1, "free monthly video credits"),
        # The workspace's overrides (monthly 100, cap 40) over the plan's; video credits keep the plan's.
        ("dave", c, "expire", -460, 40, None, "Cycle ended; carryover cap 40"),
        ("dave", c, "renewal", 100, 140, T1, "pro monthly credits"),
        ("dave", v, "expire", -15, 15, None, "Cycle ended; carryover cap 15"),
        ("dave", v, "renewal", 30, 45, T1, "pro monthly video credits"),
    ]
    frank_anchor = T0 - timedelta(days=59)
    assert {name: state(user) for name, user in mixed.items()} == {
        "alice": (14, 2, T0, T1, T2),
        "bob": (850, 50, T0, T1, T2),
        "carol": (3000, 225, T0, T1, T2),
        "frank": (10, 2, frank_anchor, T1, T2),
        "dave": (140, 45, T0, T1, T2),
        "erin": erin,
    }
    for user in mixed.values():
        w = workspace_of(user)
        assert (w.credits, w.video_credits) == (ledger_balance(w), ledger_balance(w, "video_credits"))
    assert list(CreditReservation.objects.filter(status=ReservationStatus.PENDING).values_list("pk", "amount")) == (
        pending
    )
    # Nothing after the last due workspace: the walk ends.
    assert renew_due_chunk(now=NOW, after_id=workspace_of(mixed["dave"]).pk) == RenewalChunk(0, None)


def test_a_chunk_stops_at_its_limit_and_the_next_starts_after_it(mixed: dict[str, User]) -> None:
    ids = sorted(workspace_of(mixed[name]).pk for name in ("alice", "bob", "carol", "frank", "dave"))
    assert renew_due_chunk(now=NOW, limit=2) == RenewalChunk(2, ids[1])
    assert renew_due_chunk(now=NOW, after_id=ids[1], limit=2) == RenewalChunk(2, ids[3])
    assert renew_due_chunk(now=NOW, after_id=ids[3], limit=2) == RenewalChunk(1, ids[4])
    assert renew_due_chunk(now=NOW, after_id=ids[4], limit=2) == RenewalChunk(0, None)
    assert [workspace_of(mixed[name]).last_credit_reset for name in ("alice", "frank", "dave", "erin")] == [
        T1,
        T1,
        T1,
        T0 + timedelta(days=10),
    ]


def test_a_chunk_that_runs_again_changes_nothing(mixed: dict[str, User]) -> None:
    assert renew_due_chunk(now=NOW).renewed == 5
    ledger = list(CreditLedgerEntry.objects.values_list("pk", "balance_after"))
    states = {name: state(user) for name, user in mixed.items()}

    assert renew_due_chunk(now=NOW) == RenewalChunk(0, None)
    # As if a crash had left the due date behind: the cycle check under the lock still finds the cycle started.
    Workspace.objects.filter(pk=workspace_of(mixed["bob"]).pk).update(next_credit_reset=T1)
    assert renew_due_chunk(now=NOW) == RenewalChunk(0, workspace_of(mixed["bob"]).pk)
    assert renew_due_chunk(now=NOW + timedelta(days=5)) == RenewalChunk(0, workspace_of(mixed["bob"]).pk)

    assert list(CreditLedgerEntry.objects.values_list("pk", "balance_after")) == ledger
    assert {name: state(user)[:4] for name, user in mixed.items()} == {n: s[:4] for n, s in states.items()}
