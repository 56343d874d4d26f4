"""A random walk over one user's credits: reserve, consume, release, renew, grant, adjust and change plan, in any
order, against a model kept by the machine. After every step the balance, the ledger, the reservations and the
model must agree, and no credit is lost or spent twice."""

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import create_account
from tidings.accounts.models import User
from tidings.accounts.services import change_tier, create_user
from tidings.core.errors import InvalidInput
from tidings.credits.errors import InsufficientCredits
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.credits.renewal import Renewal, renew_credits
from tidings.credits.services import (
    adjust_credits,
    available_credits,
    consume_reservation,
    grant_credits,
    ledger_balance,
    release_reservation,
    reserve_credits,
)
from tidings.notifications.models import Notification, NotificationType
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db

# The plan table as DESIGN.md states it (monthly credits, carryover cap), written out rather than read from src.
PLAN = {Tier.FREE: (10, 0), Tier.PRO: (500, 250), Tier.BUSINESS: (2000, 1000)}

# Month ends and year ends are where cycles go wrong; the rest is spread over five years.
ANCHORS = st.one_of(
    st.sampled_from(
        [
            datetime(2027, 1, 31, 10, tzinfo=UTC),
            datetime(2028, 1, 31, 23, 59, 59, tzinfo=UTC),
            datetime(2028, 2, 29, 12, tzinfo=UTC),
            datetime(2027, 12, 31, 0, 0, tzinfo=UTC),
            datetime(2027, 3, 30, 8, 15, tzinfo=UTC),
        ]
    ),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
)


def months_after(anchor: datetime, months: int) -> datetime:
    """The test's own month arithmetic: same day and time, clamped to the month's last day."""
    year, month = anchor.year + (anchor.month - 1 + months) // 12, (anchor.month - 1 + months) % 12 + 1
    return anchor.replace(year=year, month=month, day=min(anchor.day, calendar.monthrange(year, month)[1]))


@dataclass
class Held:
    """The model of one reservation: its amount, the cycle (months after the anchor) it was made in, its state, and
    whether its release expired its credits."""

    amount: int
    cycle: int
    status: str = "pending"
    expired: bool = False


Row = tuple[str, int, int, int | None, datetime | None]  # kind, amount, balance_after, reservation, cycle_start


class LedgerMachine(RuleBasedStateMachine):
    reservations = Bundle("reservations")

    def __init__(self) -> None:
        super().__init__()
        # Each example runs in its own savepoint, rolled back in teardown, so examples never see each other.
        self._example = transaction.atomic()
        self._example.__enter__()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    # The model.

    @property
    def pending(self) -> int:
        return sum(h.amount for h in self.held.values() if h.status == "pending")

    @property
    def available(self) -> int:
        return self.balance - self.pending

    def expect_rows(self, expected: list[Row]) -> None:
        """The ledger rows written since the last step are exactly `expected`."""
        rows = CreditLedgerEntry.objects.filter(user_id=self.user.pk, pk__gt=self.last_row).order_by("pk")
        written = list(rows.values_list("pk", "kind", "amount", "balance_after", "reservation_id", "cycle_start"))
        assert [row[1:] for row in written] == expected
        if written:
            self.last_row = written[-1][0]

    # Rules.

    @initialize(tier=st.sampled_from(list(Tier)), anchor=ANCHORS)
    def sign_up(self, tier: Tier, anchor: datetime) -> None:
        with time_machine.travel(anchor, tick=False):
            self.user = create_user("walker", password=None, tier=tier)
        self.account = create_account(self.user)
        self.tier, self.anchor, self.now, self.cycle = tier, anchor, anchor, 0
        self.balance = PLAN[tier][0]
        self.held: dict[int, Held] = {}
        self.seen: dict[int, str] = {}
        self.low_alerts: set[int] = set()
        self.last_row = 0
        assert self.user.credit_cycle_anchor == anchor
        self.expect_rows([("grant", self.balance, self.balance, None, None)])

    def _reserve(self, amount: int, for_post: bool) -> Any:
        target = None
        if for_post:
            target = create_post(self.user, text="walk", account_ids=[self.account.pk]).targets.get()
        if amount > self.available:
            with pytest.raises(InsufficientCredits) as refusal:
                reserve_credits(self.user, target=target, amount=amount)
            assert refusal.value.details == {"available": self.available, "needed": amount, "tier": self.tier}
            event("reserve refused")
            self.expect_rows([])
            return multiple()
        reservation = reserve_credits(self.user, target=target, amount=amount)
        assert reservation.amount == amount
        assert reservation.status == "pending"
        assert reservation.target_id == (target.pk if target else None)
        assert reservation.cycle_start == months_after(self.anchor, self.cycle)
        self.held[reservation.pk] = Held(amount, self.cycle)
        self.expect_rows([])
        return reservation.pk

    @rule(target=reservations, amount=st.integers(1, 3), for_post=st.booleans())
    def reserve(self, amount: int, for_post: bool) -> Any:
        return self._reserve(amount, for_post)

    @rule(target=reservations, quarters=st.integers(1, 4), extra=st.sampled_from([0, 0, 0, 1]))
    def reserve_a_share(self, quarters: int, extra: int) -> Any:
        """Large reservations reach the low-credit threshold and, with `extra`, go one past what is available."""
        return self._reserve(max(1, self.available * quarters // 4) + extra, for_post=False)

    @rule(amount=st.integers(-3, 0))
    def reserve_nothing(self, amount: int) -> None:
        with pytest.raises(InvalidInput):
            reserve_credits(self.user, amount=amount)
        self.expect_rows([])

    @rule(reservation_id=reservations)
    def consume(self, reservation_id: int) -> None:
        held = self.held[reservation_id]
        spent = consume_reservation(reservation_id, reason="Published")
        if held.status != "pending":
            event("consume of a settled reservation")
            assert spent is False
            self.expect_rows([])
            return
        assert spent is True
        held.status = "consumed"
        self.balance -= held.amount
        self.expect_rows([("consume", -held.amount, self.balance, reservation_id, None)])
        monthly = PLAN[self.tier][0]
        if self.available * 100 <= monthly * 20:
            event("low credits")
            self.low_alerts.add(self.cycle)

    @rule(reservation_id=reservations)
    def release(self, reservation_id: int) -> None:
        held = self.held[reservation_id]
        released = release_reservation(reservation_id, reason="Cancelled")
        if held.status != "pending":
            assert released is False
            self.expect_rows([])
            return
        assert released is True
        held.status = "released"
        if held.cycle < self.cycle:
            # Held over a renewal for its post; unused, it expires rather than join the new cycle.
            event("release after a renewal expires")
            held.expired = True
            self.balance -= held.amount
            self.expect_rows([("expire", -held.amount, self.balance, reservation_id, None)])
        else:
            self.expect_rows([])

    @rule(days=st.integers(0, 75), hours=st.integers(0, 23))
    def renew(self, days: int, hours: int) -> None:
        self.now += timedelta(days=days, hours=hours)
        renewal = renew_credits(self.user.pk, now=self.now)
        cycle = self.cycle
        while months_after(self.anchor, cycle + 1) <= self.now:
            cycle += 1
        if cycle == self.cycle:
            assert renewal is None
            self.expect_rows([])
            return
        start = months_after(self.anchor, cycle)
        monthly, cap = PLAN[self.tier]
        carried = min(self.available, cap)
        expired = self.available - carried
        rows: list[Row] = []
        if expired:
            self.balance -= expired
            rows.append(("expire", -expired, self.balance, None, None))
        self.balance += monthly
        rows.append(("renewal", monthly, self.balance, None, start))
        assert self.balance == monthly + carried + self.pending
        assert renewal == Renewal(self.user.pk, start, monthly, carried, expired, self.balance)
        event("renewal with expiry" if expired else "renewal")
        if self.pending:
            event("renewal over pending reservations")
        self.cycle = cycle
        self.expect_rows(rows)
        # The same moment again is the same cycle: nothing more.
        assert renew_credits(self.user.pk, now=self.now) is None
        self.expect_rows([])

    @rule(amount=st.integers(-3, 40))
    def grant(self, amount: int) -> None:
        if amount <= 0:
            with pytest.raises(InvalidInput):
                grant_credits(self.user, amount=amount, reason="Welcome bonus")
            self.expect_rows([])
            return
        grant_credits(self.user, amount=amount, reason="Welcome bonus")
        self.balance += amount
        self.expect_rows([("grant", amount, self.balance, None, None)])

    @rule(data=st.data())
    def adjust(self, data: st.DataObject) -> None:
        amount = data.draw(st.integers(-(self.available + 5), 40), label="amount")
        reason = data.draw(st.sampled_from(["Support correction", "Refund", "", "   "]), label="reason")
        if amount == 0 or not reason.strip() or self.available + amount < 0:
            with pytest.raises(InvalidInput) as refusal:
                adjust_credits(self.user, amount=amount, reason=reason)
            event("adjust refused")
            field = "reason" if amount != 0 and not reason.strip() else "amount"
            assert refusal.value.details == {"field": field}
            self.expect_rows([])
            return
        adjust_credits(self.user, amount=amount, reason=reason)
        self.balance += amount
        self.expect_rows([("adjust", amount, self.balance, None, None)])

    @rule(tier=st.sampled_from(list(Tier)))
    def change_plan(self, tier: Tier) -> None:
        self.user = change_tier(self.user, tier=tier)
        self.tier = tier
        self.expect_rows([])

    # What must hold after every step.

    @invariant()
    def the_balance_is_its_ledger(self) -> None:
        user = User.objects.get(pk=self.user.pk)
        rows = list(CreditLedgerEntry.objects.filter(user=user).order_by("pk").values_list("amount", "balance_after"))
        running = 0
        for amount, balance_after in rows:
            running += amount
            assert balance_after == running
        assert user.credits == ledger_balance(user) == sum(amount for amount, _ in rows) == self.balance
        assert rows[-1][1] == user.credits
        assert user.tier == self.tier
        assert user.last_credit_reset == months_after(self.anchor, self.cycle)
        assert user.next_credit_reset == months_after(self.anchor, self.cycle + 1)

    @invariant()
    def reservations_move_forward_once(self) -> None:
        rows = CreditReservation.objects.filter(user_id=self.user.pk)
        statuses = dict(rows.values_list("pk", "status"))
        assert statuses == {pk: held.status for pk, held in self.held.items()}
        for pk, status in statuses.items():
            assert status in {"pending", "consumed", "released"}
            if self.seen.get(pk, "pending") != "pending":
                assert status == self.seen[pk]
        self.seen = statuses
        assert not rows.filter(status="pending", settled_at__isnull=False).exists()
        assert not rows.exclude(status="pending").filter(settled_at__isnull=True).exists()
        by_status = {"pending": 0, "consumed": 0, "released": 0}
        for status, amount in rows.values_list("status", "amount"):
            by_status[status] += amount
        assert sum(by_status.values()) == sum(held.amount for held in self.held.values())
        assert by_status["pending"] == self.pending

    @invariant()
    def available_is_balance_less_pending(self) -> None:
        user = User.objects.get(pk=self.user.pk)
        assert available_credits(user) == user.credits - self.pending == self.available
        assert self.available >= 0

    @invariant()
    def spending_and_expiry_match_the_reservations(self) -> None:
        entries = CreditLedgerEntry.objects.filter(user_id=self.user.pk)
        consumed = sum(entries.filter(kind="consume").values_list("amount", flat=True))
        assert -consumed == sum(h.amount for h in self.held.values() if h.status == "consumed")
        expired_on_release = sum(
            entries.filter(kind="expire", reservation__isnull=False).values_list("amount", flat=True)
        )
        assert -expired_on_release == sum(h.amount for h in self.held.values() if h.expired)

    @invariant()
    def low_credits_is_notified_once_per_cycle(self) -> None:
        alerts = Notification.objects.filter(user_id=self.user.pk, type=NotificationType.LOW_CREDITS)
        assert alerts.count() == len(self.low_alerts)


def test_the_ledger_survives_any_sequence_of_operations() -> None:
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=60,
            stateful_step_count=40,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
