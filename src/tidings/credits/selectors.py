"""Reads of a workspace's credits that pages, the API and the services share."""

from dataclasses import dataclass

from django.db.models import Sum

from tidings.credits.models import (
    CARRYOVER,
    MONTHLY,
    Balance,
    CreditLedgerEntry,
    CreditReservation,
    LedgerKind,
    ReservationStatus,
)
from tidings.workspaces.models import Workspace


def reserved_credits(workspace_id: int, balance: str = Balance.CREDITS) -> int:
    pending = CreditReservation.objects.filter(
        workspace_id=workspace_id, status=ReservationStatus.PENDING, balance=balance
    )
    return pending.aggregate(total=Sum("amount"))["total"] or 0


def available_credits(workspace: Workspace, balance: str = Balance.CREDITS) -> int:
    """What can still be reserved from one balance: the balance less what its pending reservations hold."""
    return int(getattr(workspace, balance)) - reserved_credits(workspace.pk, balance)


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


def balance_summary(workspace: Workspace, balance: str = Balance.CREDITS) -> BalanceSummary:
    balance = Balance(balance)
    reserved = reserved_credits(workspace.pk, balance)
    consumed = CreditLedgerEntry.objects.filter(
        workspace=workspace, balance=balance, kind=LedgerKind.CONSUME, created_at__gte=workspace.last_credit_reset
    ).aggregate(total=Sum("amount"))["total"]
    amount = int(getattr(workspace, balance.value))
    return BalanceSummary(
        balance=balance.value,
        label=balance.label,
        amount=amount,
        reserved=reserved,
        available=amount - reserved,
        used_this_cycle=-(consumed or 0),
        monthly=workspace.limits[MONTHLY[balance]],
        carryover_cap=workspace.limits[CARRYOVER[balance]],
    )


def balance_summaries(workspace: Workspace) -> dict[str, BalanceSummary]:
    """Both balances, credits first."""
    return {balance.value: balance_summary(workspace, balance) for balance in Balance}
