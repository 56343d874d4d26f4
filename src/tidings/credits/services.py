"""The one writer of credit balances: reserve, consume, release, grant and adjust.

Every function takes the user's row lock first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite every transaction
is BEGIN IMMEDIATE, which serialises writers), then changes state with conditional updates, so concurrent callers
can neither spend a credit twice nor lose one.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from tidings.accounts.models import User
from tidings.core.errors import InvalidInput
from tidings.credits.errors import InsufficientCredits
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.posts.models import PostTarget


def lock_user(user_id: int) -> User:
    """The user's row, locked until the surrounding transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_user must run inside transaction.atomic().")
    return User.objects.select_for_update().get(pk=user_id)


def lock_target_owner(target_id: int) -> tuple[User, str]:
    """The row of the user who owns a post target, locked as `lock_user` does, and the target's platform, in one
    round trip (the publishing path takes this lock twice per post, and it is hot).

    Only the user's row is locked (FOR UPDATE OF); read the target itself after this returns: PostgreSQL does not
    re-read the other rows of a join when the lock had to wait, so they may predate the lock holder's commit.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_target_owner must run inside transaction.atomic().")
    owner = User.objects.select_for_update(of=("self",)).filter(posts__targets__pk=target_id)
    # Annotated after the filter, so it reuses the filter's join to the one target rather than adding another.
    user = owner.annotate(target_platform=F("posts__targets__platform")).get()
    return user, user.target_platform


def reserved_credits(user_id: int) -> int:
    pending = CreditReservation.objects.filter(user_id=user_id, status=ReservationStatus.PENDING)
    return pending.aggregate(total=Sum("amount"))["total"] or 0


def available_credits(user: User) -> int:
    """Credits that can still be reserved: the balance less what pending reservations hold."""
    return user.credits - reserved_credits(user.pk)


def write_ledger(
    user: User,
    *,
    kind: LedgerKind,
    amount: int,
    reason: str = "",
    reservation: CreditReservation | None = None,
    reservation_id: int | None = None,
    cycle_start: datetime | None = None,
) -> CreditLedgerEntry:
    """Apply `amount` to the locked user's balance and record it. Callers hold the user's lock."""
    User.objects.filter(pk=user.pk).update(credits=F("credits") + amount)
    user.credits += amount
    return CreditLedgerEntry.objects.create(
        user=user,
        kind=kind,
        amount=amount,
        balance_after=user.credits,
        reservation_id=reservation.pk if reservation is not None else reservation_id,
        cycle_start=cycle_start,
        reason=reason[:300],
    )


def settle_target_reservations(user: User, *, target_id: int, to: ReservationStatus, reason: str) -> int:
    """Consume or release what a target holds, for a caller that already holds the user's lock (the publishing
    path, where the lock is hot and every statement counts). Returns the credits settled."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("settle_target_reservations must run inside the transaction that locked the user.")
    settled = _settle_pending_of_target(target_id, to=to, reason=reason, renewed_at=user.last_credit_reset)
    for pk, amount, reserved_before_renewal in settled:
        if to == ReservationStatus.CONSUMED:
            write_ledger(user, kind=LedgerKind.CONSUME, amount=-amount, reservation_id=pk, reason=reason)
        elif reserved_before_renewal:
            write_ledger(
                user,
                kind=LedgerKind.EXPIRE,
                amount=-amount,
                reservation_id=pk,
                reason="Reserved in an earlier cycle and released after renewal",
            )
    return sum(amount for _, amount, _ in settled)


# Standard SQL that PostgreSQL and SQLite (3.35+) both run; table and columns are CreditReservation's.
_SETTLE_PENDING_OF_TARGET = (
    'UPDATE "credits_creditreservation" SET "status" = %s, "settled_at" = %s, "reason" = %s '
    'WHERE "target_id" = %s AND "status" = %s RETURNING "id", "amount", "cycle_start" < %s'
)


def _settle_pending_of_target(
    target_id: int, *, to: ReservationStatus, reason: str, renewed_at: datetime
) -> list[tuple[int, int, bool]]:
    """Settle the target's pending reservations in one statement (UPDATE ... RETURNING, which the ORM lacks), and
    return (id, amount, reserved before `renewed_at`) for each. The update itself is the claim: a reservation
    settled by a concurrent caller is not pending any more and comes back from no one else."""
    connection = transaction.get_connection()
    ops = connection.ops
    params = [
        str(to),
        ops.adapt_datetimefield_value(timezone.now()),
        reason[:300],
        target_id,
        str(ReservationStatus.PENDING),
        ops.adapt_datetimefield_value(renewed_at),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_SETTLE_PENDING_OF_TARGET, params)
        return [(pk, amount, bool(earlier)) for pk, amount, earlier in cursor.fetchall()]


def reserve_credits(user: User, *, target: PostTarget | None = None, amount: int = 1) -> CreditReservation:
    """Hold `amount` credits, for a post target when given. Raises InsufficientCredits and holds nothing."""
    if amount <= 0:
        raise InvalidInput("A reservation must be for at least one credit.", field="amount")
    with transaction.atomic():
        locked = lock_user(user.pk)
        available = available_credits(locked)
        if available < amount:
            raise InsufficientCredits(
                f"Not enough credits: {available} available, {amount} needed. "
                "Credits renew monthly; cancel a scheduled post or upgrade to free some.",
                available=available,
                needed=amount,
                tier=locked.tier,
            )
        return CreditReservation.objects.create(
            user=locked, target=target, amount=amount, cycle_start=locked.last_credit_reset
        )


def _settle(reservation_id: int, *, to: ReservationStatus, reason: str) -> tuple[User, CreditReservation] | None:
    """Move a pending reservation to `to`, once. Returns None when it was already settled."""
    user_id = CreditReservation.objects.values_list("user_id", flat=True).get(pk=reservation_id)
    user = lock_user(user_id)
    moved = CreditReservation.objects.filter(pk=reservation_id, status=ReservationStatus.PENDING).update(
        status=to, settled_at=timezone.now(), reason=reason[:300]
    )
    if not moved:
        return None
    return user, CreditReservation.objects.get(pk=reservation_id)


def consume_reservation(reservation_id: int, *, reason: str = "Published") -> bool:
    """Spend a pending reservation's credits. True when this call spent them, False when already settled."""
    from tidings.credits.alerts import check_low_credits

    with transaction.atomic():
        settled = _settle(reservation_id, to=ReservationStatus.CONSUMED, reason=reason)
        if settled is None:
            return False
        user, reservation = settled
        write_ledger(user, kind=LedgerKind.CONSUME, amount=-reservation.amount, reservation=reservation, reason=reason)
        check_low_credits(user)
    return True


def release_reservation(reservation_id: int, *, reason: str) -> bool:
    """Give a pending reservation's credits back. True when this call released them, False when already settled.

    Credits reserved in a cycle that has since been renewed were held over the renewal for their post; when the
    post does not use them they expire rather than join the new cycle's allowance.
    """
    with transaction.atomic():
        settled = _settle(reservation_id, to=ReservationStatus.RELEASED, reason=reason)
        if settled is None:
            return False
        user, reservation = settled
        if reservation.cycle_start < user.last_credit_reset:
            write_ledger(
                user,
                kind=LedgerKind.EXPIRE,
                amount=-reservation.amount,
                reservation=reservation,
                reason="Reserved in an earlier cycle and released after renewal",
            )
    return True


def grant_credits(user: User, *, amount: int, reason: str) -> CreditLedgerEntry:
    if amount <= 0:
        raise InvalidInput("A grant must be a positive number of credits.", field="amount")
    with transaction.atomic():
        return write_ledger(lock_user(user.pk), kind=LedgerKind.GRANT, amount=amount, reason=reason)


def adjust_credits(user: User, *, amount: int, reason: str) -> CreditLedgerEntry:
    """A manual correction by staff. It may not take away credits that pending reservations hold."""
    if amount == 0:
        raise InvalidInput("An adjustment must change the balance.", field="amount")
    if not reason.strip():
        raise InvalidInput("An adjustment needs a reason.", field="reason")
    with transaction.atomic():
        locked = lock_user(user.pk)
        available = available_credits(locked)
        if available + amount < 0:
            raise InvalidInput(
                f"Cannot remove {-amount} credits: only {available} are not held by scheduled posts.",
                field="amount",
            )
        return write_ledger(locked, kind=LedgerKind.ADJUST, amount=amount, reason=reason)


def ledger_balance(user: User) -> int:
    """The balance rebuilt from history; equals `user.credits` whenever the ledger is whole."""
    return CreditLedgerEntry.objects.filter(user=user).aggregate(total=Sum("amount"))["total"] or 0
