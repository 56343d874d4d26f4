"""The one writer of credit balances: reserve, consume, release, grant and adjust.

Every function takes the workspace's row lock first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite every transaction
is BEGIN IMMEDIATE, which serialises writers), then changes state with conditional updates, so concurrent callers
can neither spend a credit twice nor lose one.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from tidings.core.errors import InvalidInput
from tidings.credits.alerts import check_low_credits
from tidings.credits.errors import InsufficientCredits
from tidings.credits.models import (
    MONTHLY,
    Balance,
    CreditLedgerEntry,
    CreditReservation,
    LedgerKind,
    ReservationStatus,
    balance_label,
)
from tidings.credits.selectors import available_credits
from tidings.workspaces.models import Workspace


def lock_workspace(workspace_id: int) -> Workspace:
    """The workspace's row, locked until the surrounding transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_workspace must run inside transaction.atomic().")
    return Workspace.objects.select_for_update().get(pk=workspace_id)


def lock_target_owner(target_id: int) -> tuple[Workspace, str]:
    """The row of the workspace that owns a post target, locked as `lock_workspace` does, and the target's
    platform, in one round trip (the publishing path takes this lock twice per post, and it is hot).

    Only the workspace's row is locked (FOR UPDATE OF); read the target itself after this returns: PostgreSQL does not
    re-read the other rows of a join when the lock had to wait, so they may predate the lock holder's commit.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_target_owner must run inside transaction.atomic().")
    owner = Workspace.objects.select_for_update(of=("self",)).filter(posts__targets__pk=target_id)
    # Annotated after the filter, so it reuses the filter's join to the one target rather than adding another.
    workspace = owner.annotate(target_platform=F("posts__targets__platform")).get()
    return workspace, workspace.target_platform


def write_ledger(
    workspace: Workspace,
    *,
    kind: LedgerKind,
    amount: int,
    balance: str = Balance.CREDITS,
    reason: str = "",
    reservation: CreditReservation | None = None,
    reservation_id: int | None = None,
    cycle_start: datetime | None = None,
) -> CreditLedgerEntry:
    """Apply `amount` to one of the locked workspace's balances and record it. Callers hold the workspace's lock."""
    balance = Balance(balance)
    Workspace.objects.filter(pk=workspace.pk).update(**{balance.value: F(balance.value) + amount})
    setattr(workspace, balance.value, getattr(workspace, balance.value) + amount)
    return CreditLedgerEntry.objects.create(
        workspace=workspace,
        kind=kind,
        balance=balance,
        amount=amount,
        balance_after=getattr(workspace, balance.value),
        reservation_id=reservation.pk if reservation is not None else reservation_id,
        cycle_start=cycle_start,
        reason=reason[:300],
    )


def settle_reservations_of_targets(
    workspace: Workspace, *, target_ids: Sequence[int], to: ReservationStatus, reason: str
) -> int:
    """Consume or release what the targets hold, for a caller that already holds the workspace's lock (`move_targets`,
    the only caller). Returns the credits settled."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("settle_reservations_of_targets must run inside the transaction that locked the workspace.")
    settled = _settle_pending_of_targets(target_ids, to=to, reason=reason, renewed_at=workspace.last_credit_reset)
    for pk, amount, balance, reserved_before_renewal in settled:
        if to == ReservationStatus.CONSUMED:
            write_ledger(
                workspace, kind=LedgerKind.CONSUME, amount=-amount, balance=balance, reservation_id=pk, reason=reason
            )
        elif reserved_before_renewal:
            write_ledger(
                workspace,
                kind=LedgerKind.EXPIRE,
                amount=-amount,
                balance=balance,
                reservation_id=pk,
                reason="Reserved in an earlier cycle and released after renewal",
            )
    return sum(amount for _, amount, _, _ in settled)


# Standard SQL that PostgreSQL and SQLite (3.35+) both run; table and columns are CreditReservation's.
_SETTLE_PENDING_OF_TARGETS = (
    'UPDATE "credits_creditreservation" SET "status" = %s, "settled_at" = %s, "reason" = %s '
    'WHERE "target_id" IN ({targets}) AND "status" = %s RETURNING "id", "amount", "balance", "cycle_start" < %s'
)


def _settle_pending_of_targets(
    target_ids: Sequence[int], *, to: ReservationStatus, reason: str, renewed_at: datetime
) -> list[tuple[int, int, str, bool]]:
    """Settle the targets' pending reservations in one statement (UPDATE ... RETURNING, which the ORM lacks), and
    return (id, amount, balance, reserved before `renewed_at`) for each. The update itself is the claim: a reservation
    settled by a concurrent caller is not pending any more and comes back from no one else."""
    if not target_ids:
        return []
    connection = transaction.get_connection()
    ops = connection.ops
    params = [
        str(to),
        ops.adapt_datetimefield_value(timezone.now()),
        reason[:300],
        *target_ids,
        str(ReservationStatus.PENDING),
        ops.adapt_datetimefield_value(renewed_at),
    ]
    sql = _SETTLE_PENDING_OF_TARGETS.format(targets=", ".join(["%s"] * len(target_ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(pk, amount, balance, bool(earlier)) for pk, amount, balance, earlier in cursor.fetchall()]


def reserve_credits(
    workspace: Workspace, *, target_id: int, amount: int = 1, balance: str = Balance.CREDITS
) -> CreditReservation:
    """Hold `amount` of a balance for a post target. Raises InsufficientCredits, naming the balance, and holds
    nothing.

    Only `move_targets` calls this, as a target enters a credit-holding state: a reservation always has its target.
    """
    if amount <= 0:
        raise InvalidInput("A reservation must be for at least one credit.", field="amount")
    with transaction.atomic():
        locked = lock_workspace(workspace.pk)
        available = available_credits(locked, balance)
        if available < amount:
            noun = balance_label(balance)
            raise InsufficientCredits(
                f"Not enough {noun}: {available} available, {amount} needed. "
                f"{noun.capitalize()} renew monthly; cancel a scheduled post or upgrade to free some.",
                available=available,
                needed=amount,
                tier=locked.tier,
                balance=str(balance),
            )
        reservation = CreditReservation.objects.create(
            workspace=locked, target_id=target_id, amount=amount, balance=balance, cycle_start=locked.last_credit_reset
        )
        check_low_credits(locked, balance=balance, available=available - amount)
        return reservation


def refresh_reservations(
    workspace: Workspace, *, target_ids: Sequence[int], needs: Mapping[int, str] | None = None
) -> int:
    """Reserve again what the targets hold when it no longer fits them; returns how many moved.

    Two reasons, both for an edited post: the credit was reserved before a renewal (it stays with its post over the
    renewal only while the post is unchanged, so placeholder posts cannot carry credits past the carryover cap), or
    the post now needs the other balance (`needs`, per target: a video added or taken out). The old reservation is
    released (expiring on the ledger when it came from an earlier cycle) and the new one reserved from this cycle,
    in the caller's transaction; InsufficientCredits, naming the balance, rolls the whole edit back.
    """
    needs = needs or {}
    held = CreditReservation.objects.filter(target_id__in=list(target_ids), status=ReservationStatus.PENDING)
    moving = []
    for target_id, amount, had, cycle in held.values_list("target_id", "amount", "balance", "cycle_start"):
        wanted = needs.get(target_id, had)
        if target_id is not None and wanted != had:
            moving.append((target_id, amount, wanted, f"Post media changed: reserved again as {balance_label(wanted)}"))
        elif target_id is not None and cycle < workspace.last_credit_reset:
            moving.append((target_id, amount, wanted, "Post changed after renewal: reserved again from this cycle"))
    for reason in {reason for _, _, _, reason in moving}:
        ids = [target_id for target_id, _, _, why in moving if why == reason]
        settle_reservations_of_targets(workspace, target_ids=ids, to=ReservationStatus.RELEASED, reason=reason)
    for target_id, amount, balance, _ in moving:
        reserve_credits(workspace, target_id=target_id, amount=amount, balance=balance)
    return len(moving)


def grant_credits(
    workspace: Workspace, *, amount: int, reason: str, balance: str = Balance.CREDITS
) -> CreditLedgerEntry:
    if amount <= 0:
        raise InvalidInput(f"A grant must be a positive number of {balance_label(balance)}.", field="amount")
    with transaction.atomic():
        return write_ledger(
            lock_workspace(workspace.pk), kind=LedgerKind.GRANT, amount=amount, balance=balance, reason=reason
        )


def adjust_credits(
    workspace: Workspace, *, amount: int, reason: str, balance: str = Balance.CREDITS
) -> CreditLedgerEntry:
    """A manual correction by staff, to either balance. It may not take away what pending reservations hold."""
    if amount == 0:
        raise InvalidInput("An adjustment must change the balance.", field="amount")
    if not reason.strip():
        raise InvalidInput("An adjustment needs a reason.", field="reason")
    with transaction.atomic():
        locked = lock_workspace(workspace.pk)
        available = available_credits(locked, balance)
        if available + amount < 0:
            raise InvalidInput(
                f"Cannot remove {-amount} {balance_label(balance, -amount)}: only {available} are not held by "
                "scheduled posts.",
                field="amount",
            )
        entry = write_ledger(locked, kind=LedgerKind.ADJUST, amount=amount, balance=balance, reason=reason)
        check_low_credits(locked, balance=balance, available=available + amount)
        return entry


def ledger_balance(workspace: Workspace, balance: str = Balance.CREDITS) -> int:
    """A balance rebuilt from history; equals the workspace's field whenever the ledger is whole."""
    rows = CreditLedgerEntry.objects.filter(workspace=workspace, balance=balance)
    return rows.aggregate(total=Sum("amount"))["total"] or 0


def grant_first_month(workspace: Workspace) -> None:
    """The first month of both balances of a workspace whose first cycle starts now, on the ledger. The caller
    holds the workspace's lock."""
    for balance in Balance:
        monthly = workspace.limits[MONTHLY[balance]] or 0
        if monthly:
            write_ledger(
                workspace,
                kind=LedgerKind.GRANT,
                amount=monthly,
                balance=balance,
                reason=f"First month's {balance.label.lower()}",
            )
