"""The renewal chunk against scheduling, with the real interleaving on PostgreSQL: one side holds the workspace's
lock in an open transaction while the other runs into it. Whichever commits first, the renewal counts exactly the
reservations committed before it, and a reservation made after it pays from the new cycle."""

from datetime import timedelta

import pytest

from tests.concurrency.test_lifecycle_races import held_open, in_thread, wait_until_blocked_on_a_lock
from tests.conftest import make_user
from tests.support.credits import hold_credits
from tests.support.workspaces import workspace_of
from tidings.credits.models import CreditLedgerEntry, CreditReservation, ReservationStatus
from tidings.credits.renewal import RenewalChunk, renew_due_chunk
from tidings.credits.selectors import available_credits
from tidings.credits.services import ledger_balance
from tidings.tiers.plans import Tier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def credit_rows(workspace_id: int) -> list[tuple[str, int, int]]:
    rows = CreditLedgerEntry.objects.filter(workspace_id=workspace_id, balance="credits").order_by("pk")
    return list(rows.values_list("kind", "amount", "balance_after"))


def test_a_chunk_waits_for_an_open_scheduling_and_renews_with_its_reservation() -> None:
    bob = make_user("bob", Tier.PRO)
    workspace = workspace_of(bob)
    later = workspace.next_credit_reset + timedelta(minutes=1)

    with held_open(lambda: hold_credits(bob, 100)) as held:
        thread, outcome = in_thread(lambda: renew_due_chunk(now=later))
        wait_until_blocked_on_a_lock()
    thread.join(timeout=30)

    assert outcome == {"value": RenewalChunk(1, workspace.pk)}
    # 400 unreserved: 250 carried, 150 expire; the 100 held stay with their post.
    assert credit_rows(workspace.pk) == [("grant", 500, 500), ("expire", -150, 350), ("renewal", 500, 850)]
    reservation = CreditReservation.objects.get(target=held["value"])
    assert (reservation.status, reservation.amount, reservation.cycle_start) == (
        ReservationStatus.PENDING,
        100,
        workspace.last_credit_reset,
    )
    assert workspace_of(bob).credits == 850 == ledger_balance(workspace_of(bob))
    assert available_credits(workspace_of(bob)) == 750


def test_scheduling_waits_for_an_open_chunk_and_pays_from_the_new_cycle() -> None:
    bob = make_user("bob", Tier.PRO)
    workspace = workspace_of(bob)
    later = workspace.next_credit_reset + timedelta(minutes=1)

    with held_open(lambda: renew_due_chunk(now=later)) as chunk:
        # More than the old cycle has: it fits only in the renewed balance (500 new + 250 carried).
        thread, outcome = in_thread(lambda: hold_credits(bob, 700))
        wait_until_blocked_on_a_lock()
    thread.join(timeout=30)

    assert chunk["value"] == RenewalChunk(1, workspace.pk)
    assert "error" not in outcome
    assert credit_rows(workspace.pk) == [("grant", 500, 500), ("expire", -250, 250), ("renewal", 500, 750)]
    reservation = CreditReservation.objects.get(target=outcome["value"])
    assert (reservation.status, reservation.amount, reservation.cycle_start) == (
        ReservationStatus.PENDING,
        700,
        workspace.next_credit_reset,
    )
    assert workspace_of(bob).credits == 750 == ledger_balance(workspace_of(bob))
    assert available_credits(workspace_of(bob)) == 50
