"""A random walk over one user's credits, driven through the product's own path: targets hold credits as scheduling
leaves them, are published, cancelled, moved back to a draft and scheduled again; credits are granted, adjusted and
renewed, and the plan changes, in any order, against a model kept by the machine. After every step the balance, the
ledger, the reservations, the targets, the low-credit alerts and the model must agree: no credit is lost or spent
twice, each reservation moves once, and a second spend or release of the same target changes nothing."""

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
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

from tests.support.credits import hold_credits, release, spend
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.services import create_user
from tidings.core.errors import Conflict, InvalidInput
from tidings.credits.errors import InsufficientCredits
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.credits.renewal import Renewal, renew_credits
from tidings.credits.selectors import available_credits, reserved_credits
from tidings.credits.services import adjust_credits, grant_credits, ledger_balance
from tidings.notifications.models import Notification, NotificationType
from tidings.posts.models import PostTarget
from tidings.posts.services import READY, schedule_post, unschedule_post
from tidings.tiers.plans import Tier
from tidings.tiers.services import TierLimitReached
from tidings.workspaces.models import Workspace
from tidings.workspaces.plan import change_tier

pytestmark = pytest.mark.django_db

# The plan table as DESIGN.md states it (monthly credits, carryover cap, queue size), written out rather than read
# from src.
PLAN = {Tier.FREE: (10, 0, 5), Tier.PRO: (500, 250, 50), Tier.BUSINESS: (2000, 1000, 200)}
# The target states this walk reaches, and the ones that hold a credit.
SCHEDULED, PUBLISHED, CANCELLED, DRAFT = "scheduled", "published", "cancelled", "draft"
HOLDING = {SCHEDULED, "queued", "publishing", "unconfirmed"}

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
    """The model of one reservation: its target, its amount, the cycle (months after the anchor) it was made in,
    its state, and whether its release expired its credits."""

    target_id: int
    amount: int
    cycle: int
    status: str = "pending"
    expired: bool = False


@dataclass
class Target:
    """The model of one post target (each in a post of its own): its state and the reservation it holds now."""

    post_id: int
    status: str = SCHEDULED
    reservation_id: int | None = None


Row = tuple[str, int, int, int | None, datetime | None]  # kind, amount, balance_after, reservation, cycle_start


class LedgerMachine(RuleBasedStateMachine):
    targets = Bundle("targets")

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

    @property
    def queue_size(self) -> int:
        return sum(1 for t in self.posts.values() if t.status == SCHEDULED)

    def expect_rows(self, expected: list[Row]) -> None:
        """The ledger rows written since the last step are exactly `expected`."""
        rows = CreditLedgerEntry.objects.filter(
            workspace_id=self.workspace_id, pk__gt=self.last_row, balance="credits"
        ).order_by("pk")
        written = list(rows.values_list("pk", "kind", "amount", "balance_after", "reservation_id", "cycle_start"))
        assert [row[1:] for row in written] == expected
        if written:
            self.last_row = written[-1][0]

    def checked_for_low_credits(self) -> None:
        """What a reservation, an adjustment or a publish does after it: alert once per cycle at 20% or below."""
        monthly = PLAN[self.tier][0]
        if self.alerted_cycle == self.cycle or self.available * 100 > monthly * 20:
            return
        event("low credits")
        self.low_alerts.append((self.cycle, {"available": self.available, "monthly": monthly, "balance": "credits"}))
        self.alerted_cycle = self.cycle

    def reserved(self, target_id: int, amount: int) -> None:
        """The target now holds one new pending reservation of `amount`, from this cycle."""
        reservation = CreditReservation.objects.get(target_id=target_id, status="pending")
        assert reservation.pk not in self.held
        assert reservation.workspace_id == self.workspace_id
        assert reservation.amount == amount
        assert reservation.cycle_start == months_after(self.anchor, self.cycle)
        assert reservation.settled_at is None
        self.held[reservation.pk] = Held(target_id, amount, self.cycle)
        self.posts[target_id].status = SCHEDULED
        self.posts[target_id].reservation_id = reservation.pk
        self.checked_for_low_credits()

    def released(self, target_id: int) -> None:
        """The target left `scheduled` other than by publishing: its credit comes back, or expires if it was
        reserved before the last renewal."""
        reservation_id = self.posts[target_id].reservation_id
        assert reservation_id is not None
        held = self.held[reservation_id]
        held.status = "released"
        self.posts[target_id].reservation_id = None
        if held.cycle < self.cycle:
            # Held over a renewal for its post; unused, it expires rather than join the new cycle.
            event("release after a renewal expires")
            held.expired = True
            self.balance -= held.amount
            self.expect_rows([("expire", -held.amount, self.balance, reservation_id, None)])
        else:
            self.expect_rows([])

    # Rules.

    @initialize(tier=st.sampled_from(list(Tier)), anchor=ANCHORS)
    def sign_up(self, tier: Tier, anchor: datetime) -> None:
        with time_machine.travel(anchor, tick=False):
            self.user = create_user("walker", password=None, tier=tier)
            self.workspace_id = workspace_of(self.user).pk
        self.tier, self.anchor, self.now, self.cycle = tier, anchor, anchor, 0
        self.balance = PLAN[tier][0]
        self.held: dict[int, Held] = {}
        self.posts: dict[int, Target] = {}
        self.seen: dict[int, str] = {}
        self.low_alerts: list[tuple[int, dict[str, int]]] = []
        self.alerted_cycle: int | None = None
        self.last_row = 0
        self.next_day = 2  # days ahead for the next schedule: one post a day stays within every plan's daily limit
        assert workspace_of(self.user).credit_cycle_anchor == anchor
        self.expect_rows([("grant", self.balance, self.balance, None, None)])

    def _hold(self, amount: int) -> Any:
        if amount > self.available:
            with pytest.raises(InsufficientCredits) as refusal:
                hold_credits(self.user, amount)
            assert refusal.value.details == {
                "available": self.available,
                "needed": amount,
                "tier": self.tier,
                "balance": "credits",
            }
            event("hold refused")
            self.expect_rows([])
            return multiple()
        target = hold_credits(self.user, amount)
        assert target.status == SCHEDULED
        self.posts[target.pk] = Target(target.post_id)
        self.reserved(target.pk, amount)
        self.expect_rows([])
        return target.pk

    @rule(target=targets, amount=st.integers(1, 3))
    def hold(self, amount: int) -> Any:
        return self._hold(amount)

    @rule(target=targets, quarters=st.integers(1, 4), extra=st.sampled_from([0, 0, 0, 1]))
    def hold_a_share(self, quarters: int, extra: int) -> Any:
        """Large holds reach the low-credit threshold and, with `extra`, go one past what is available."""
        return self._hold(max(1, self.available * quarters // 4) + extra)

    @rule(amount=st.integers(-3, 0))
    def hold_nothing(self, amount: int) -> None:
        with pytest.raises(InvalidInput):
            hold_credits(self.user, amount)
        self.expect_rows([])

    @rule(target_id=targets)
    def publish(self, target_id: int) -> None:
        target = self.posts[target_id]
        row = PostTarget.objects.get(pk=target_id)
        if target.status != SCHEDULED:
            event(f"publish of a {target.status} target")
            assert spend(row) is False
            self.expect_rows([])
            return
        assert spend(row) is True
        reservation_id = target.reservation_id
        assert reservation_id is not None
        held = self.held[reservation_id]
        held.status = "consumed"
        target.status, target.reservation_id = PUBLISHED, None
        self.balance -= held.amount
        self.expect_rows([("consume", -held.amount, self.balance, reservation_id, None)])
        self.checked_for_low_credits()
        # Spent once: publishing it again is a no-op.
        assert spend(row) is False
        self.expect_rows([])

    @rule(target_id=targets, how=st.sampled_from(["cancel", "unschedule"]))
    def release_target(self, target_id: int, how: str) -> None:
        target = self.posts[target_id]
        row = PostTarget.objects.select_related("post__workspace").get(pk=target_id)

        def leave() -> int:
            return release(row) if how == "cancel" else unschedule_post(owner(self.user), target.post_id)

        # cancel: draft, scheduled -> cancelled; unschedule: scheduled, cancelled -> draft; published stays.
        moves = {"cancel": {DRAFT: CANCELLED, SCHEDULED: CANCELLED}, "unschedule": {SCHEDULED: DRAFT, CANCELLED: DRAFT}}
        to = moves[how].get(target.status)
        if to is None:
            event(f"{how} of a {target.status} target")
            with pytest.raises(Conflict):
                leave()
            self.expect_rows([])
            return
        was = target.status
        event(f"{how} of a {was} target")
        assert leave() == 1
        target.status = to
        if was == SCHEDULED:
            self.released(target_id)
        else:
            self.expect_rows([])
        # Released once: the same release again is refused and changes nothing.
        with pytest.raises(Conflict):
            leave()
        self.expect_rows([])

    @rule(target_id=targets)
    def schedule_again(self, target_id: int) -> None:
        """A target out of the queue and not sent (a draft, or one that failed, was skipped or was cancelled) is
        scheduled again through `schedule_post`: a new reservation for it."""
        target = self.posts[target_id]
        at = timezone.now() + timedelta(days=self.next_day)
        self.next_day += 1
        if target.status not in READY:
            event(f"schedule of a {target.status} target")
            with pytest.raises(Conflict):
                schedule_post(owner(self.user), target.post_id, at=at)
            self.expect_rows([])
            return
        if self.queue_size + 1 > PLAN[self.tier][2]:
            event("schedule refused: queue full")
            with pytest.raises(TierLimitReached):
                schedule_post(owner(self.user), target.post_id, at=at)
            self.expect_rows([])
            return
        if self.available < 1:
            event("schedule refused: no credits")
            with pytest.raises(InsufficientCredits):
                schedule_post(owner(self.user), target.post_id, at=at)
            self.expect_rows([])
            return
        schedule_post(owner(self.user), target.post_id, at=at)
        event("scheduled again")
        self.reserved(target_id, 1)
        self.expect_rows([])

    @rule(days=st.integers(0, 75), hours=st.integers(0, 23))
    def renew(self, days: int, hours: int) -> None:
        self.now += timedelta(days=days, hours=hours)
        renewal = renew_credits(workspace_of(self.user).pk, now=self.now)
        cycle = self.cycle
        while months_after(self.anchor, cycle + 1) <= self.now:
            cycle += 1
        if cycle == self.cycle:
            assert renewal is None
            self.expect_rows([])
            return
        start = months_after(self.anchor, cycle)
        monthly, cap, _ = PLAN[self.tier]
        carried = min(self.available, cap)
        expired = self.available - carried
        rows: list[Row] = []
        if expired:
            self.balance -= expired
            rows.append(("expire", -expired, self.balance, None, None))
        self.balance += monthly
        rows.append(("renewal", monthly, self.balance, None, start))
        assert self.balance == monthly + carried + self.pending
        assert renewal == Renewal(self.workspace_id, start, monthly, carried, expired, self.balance)
        event("renewal with expiry" if expired else "renewal")
        if self.pending:
            event("renewal over pending reservations")
        self.cycle = cycle
        self.expect_rows(rows)
        # The same moment again is the same cycle: nothing more.
        assert renew_credits(workspace_of(self.user).pk, now=self.now) is None
        self.expect_rows([])

    @rule(amount=st.integers(-3, 40))
    def grant(self, amount: int) -> None:
        if amount <= 0:
            with pytest.raises(InvalidInput):
                grant_credits(workspace_of(self.user), amount=amount, reason="Welcome bonus")
            self.expect_rows([])
            return
        grant_credits(workspace_of(self.user), amount=amount, reason="Welcome bonus")
        self.balance += amount
        self.expect_rows([("grant", amount, self.balance, None, None)])

    @rule(data=st.data())
    def adjust(self, data: st.DataObject) -> None:
        amount = data.draw(st.integers(-(self.available + 5), 40), label="amount")
        reason = data.draw(st.sampled_from(["Support correction", "Refund", "", "   "]), label="reason")
        if amount == 0 or not reason.strip() or self.available + amount < 0:
            with pytest.raises(InvalidInput) as refusal:
                adjust_credits(workspace_of(self.user), amount=amount, reason=reason)
            event("adjust refused")
            field = "reason" if amount != 0 and not reason.strip() else "amount"
            assert refusal.value.details == {"field": field}
            self.expect_rows([])
            return
        adjust_credits(workspace_of(self.user), amount=amount, reason=reason)
        self.balance += amount
        self.expect_rows([("adjust", amount, self.balance, None, None)])
        self.checked_for_low_credits()

    @rule(tier=st.sampled_from(list(Tier)))
    def change_plan(self, tier: Tier) -> None:
        change_tier(workspace_of(self.user), tier=tier)
        self.tier = tier
        self.expect_rows([])

    # What must hold after every step.

    @invariant()
    def the_video_balance_is_its_ledger(self) -> None:
        """Video credits ride the same ledger: granted, renewed and expired beside the credits, never mixed in."""
        workspace = workspace_of(self.user)
        rows = CreditLedgerEntry.objects.filter(workspace=workspace, balance="video_credits").order_by("pk")
        running = 0
        for amount, balance_after in rows.values_list("amount", "balance_after"):
            running += amount
            assert balance_after == running
        assert workspace.video_credits == ledger_balance(workspace, "video_credits") == running >= 0
        assert available_credits(workspace, "video_credits") == workspace.video_credits - reserved_credits(
            workspace.pk, "video_credits"
        )

    @invariant()
    def the_balance_is_its_ledger(self) -> None:
        workspace = workspace_of(self.user)
        rows = list(
            CreditLedgerEntry.objects.filter(workspace=workspace, balance="credits")
            .order_by("pk")
            .values_list("amount", "balance_after")
        )
        running = 0
        for amount, balance_after in rows:
            running += amount
            assert balance_after == running
        assert workspace.credits == ledger_balance(workspace) == sum(amount for amount, _ in rows) == self.balance
        assert rows[-1][1] == workspace.credits
        assert workspace.tier == self.tier
        assert workspace.last_credit_reset == months_after(self.anchor, self.cycle)
        assert workspace.next_credit_reset == months_after(self.anchor, self.cycle + 1)

    @invariant()
    def available_is_balance_less_pending(self) -> None:
        workspace = workspace_of(self.user)
        assert reserved_credits(workspace.pk) == self.pending
        assert available_credits(workspace) == workspace.credits - self.pending == self.available
        assert self.available >= 0

    @invariant()
    def reservations_move_forward_once(self) -> None:
        rows = CreditReservation.objects.filter(workspace_id=self.workspace_id)
        found = {pk: (target_id, status) for pk, target_id, status in rows.values_list("pk", "target_id", "status")}
        assert found == {pk: (held.target_id, held.status) for pk, held in self.held.items()}
        for pk, (_, status) in found.items():
            if self.seen.get(pk, "pending") != "pending":
                assert status == self.seen[pk]
        self.seen = {pk: status for pk, (_, status) in found.items()}
        assert not rows.filter(status="pending", settled_at__isnull=False).exists()
        assert not rows.exclude(status="pending").filter(settled_at__isnull=True).exists()

    @invariant()
    def a_target_holds_one_credit_exactly_while_its_state_holds_one(self) -> None:
        targets = PostTarget.objects.filter(post__workspace_id=self.workspace_id)
        statuses = dict(targets.values_list("pk", "status"))
        assert {pk: statuses[pk] for pk in self.posts} == {pk: t.status for pk, t in self.posts.items()}
        pending: dict[int, list[int]] = {}
        for pk, target_id in CreditReservation.objects.filter(
            workspace_id=self.workspace_id, status="pending"
        ).values_list("pk", "target_id"):
            pending.setdefault(target_id, []).append(pk)
        for pk, status in statuses.items():
            expected = [self.posts[pk].reservation_id] if pk in self.posts and status in HOLDING else []
            assert pending.get(pk, []) == expected
            assert (status in HOLDING) == bool(expected)

    @invariant()
    def each_reservation_is_on_the_ledger_once_as_it_settled(self) -> None:
        entries = CreditLedgerEntry.objects.filter(workspace_id=self.workspace_id, reservation__isnull=False)
        by_reservation: dict[int, list[tuple[str, int]]] = {}
        for reservation_id, kind, amount in entries.values_list("reservation_id", "kind", "amount"):
            by_reservation.setdefault(reservation_id, []).append((kind, amount))
        expected = {}
        for pk, held in self.held.items():
            if held.status == "consumed":
                expected[pk] = [("consume", -held.amount)]
            elif held.expired:
                expected[pk] = [("expire", -held.amount)]
        assert by_reservation == expected

    @invariant()
    def low_credits_is_notified_once_per_cycle(self) -> None:
        alerts = Notification.objects.filter(
            user_id=self.user.pk, type=NotificationType.LOW_CREDITS, data__balance="credits"
        ).order_by("pk")
        assert list(alerts.values_list("dedupe_key", "data")) == [
            (f"{self.workspace_id}:low_credits:{months_after(self.anchor, cycle).isoformat()}", data)
            for cycle, data in self.low_alerts
        ]
        memo = Workspace.objects.values_list("low_credits_alerted_cycle", flat=True).get(pk=self.workspace_id)
        assert memo == (None if self.alerted_cycle is None else months_after(self.anchor, self.alerted_cycle))


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
