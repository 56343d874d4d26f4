"""Reads of a user's credits that pages, the API and the services share."""

from dataclasses import dataclass

from django.db.models import Sum

from tidings.accounts.models import User
from tidings.credits.models import (
    CARRYOVER,
    MONTHLY,
    Balance,
    CreditLedgerEntry,
    CreditReservation,
    LedgerKind,
    ReservationStatus,
)


def reserved_credits(user_id: int, balance: str = Balance.CREDITS) -> int:
    pending = CreditReservation.objects.filter(user_id=user_id, status=ReservationStatus.PENDING, balance=balance)
    return pending.aggregate(total=Sum("amount"))["total"] or 0


def available_credits(user: User, balance: str = Balance.CREDITS) -> int:
    """What can still be reserved from one balance: the balance less what its pending reservations hold."""
    return int(getattr(user, balance)) - reserved_credits(user.pk, balance)


@dataclass(frozen=True)
class BalanceSummary:
    """One balance as the pages and the API show it."""

    balance: str
    label: str
    amount: int
    reserved: int
    available: int
    used_this_cycle: int
    monthly: int | None
    carryover_cap: int | None


def balance_summary(user: User, balance: str = Balance.CREDITS) -> BalanceSummary:
    balance = Balance(balance)
    reserved = reserved_credits(user.pk, balance)
    consumed = CreditLedgerEntry.objects.filter(
        user=user, balance=balance, kind=LedgerKind.CONSUME, created_at__gte=user.last_credit_reset
    ).aggregate(total=Sum("amount"))["total"]
    amount = int(getattr(user, balance.value))
    return BalanceSummary(
        balance=balance.value,
        label=balance.label,
        amount=amount,
        reserved=reserved,
        available=amount - reserved,
        used_this_cycle=-(consumed or 0),
        monthly=user.limits[MONTHLY[balance]],
        carryover_cap=user.limits[CARRYOVER[balance]],
    )


def balance_summaries(user: User) -> dict[str, BalanceSummary]:
    """Both balances, credits first."""
    return {balance.value: balance_summary(user, balance) for balance in Balance}
