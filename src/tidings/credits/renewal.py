"""The monthly credit cycle, for both balances: renew, carry over up to the plan's cap, expire the rest."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tidings.core.months import cycle_start, next_cycle_start
from tidings.credits.models import CARRYOVER, MONTHLY, Balance, LedgerKind, balance_label
from tidings.credits.selectors import available_credits
from tidings.credits.services import lock_workspace, write_ledger
from tidings.workspaces.models import Workspace


@dataclass(frozen=True)
class BalanceRenewal:
    granted: int
    carried_over: int
    expired: int
    balance: int


@dataclass(frozen=True)
class Renewal:
    """What a renewal did to the credits (the fields) and to the video credits (`video`)."""

    workspace_id: int
    cycle_start: datetime
    granted: int
    carried_over: int
    expired: int
    balance: int
    video: BalanceRenewal = field(default=BalanceRenewal(0, 0, 0, 0), compare=False)


def renew_credits(workspace_id: int, *, now: datetime | None = None) -> Renewal | None:
    """Start the workspace's current cycle if it has not started yet; None when nothing is due.

    Each balance (credits, video credits) becomes the plan's monthly amount, plus unreserved credits up to its
    carryover cap, plus what its pending reservations hold (those posts were paid for in the old cycle and keep
    their credits). Missed months renew once, into the cycle that contains `now`. Idempotent per cycle: the lock
    orders callers and a unique renewal row per (workspace, cycle, balance) backs it up.
    """
    now = now or timezone.now()
    with transaction.atomic():
        workspace = lock_workspace(workspace_id)
        start = cycle_start(workspace.credit_cycle_anchor, now)
        if start <= workspace.last_credit_reset:
            return None
        renewed = {balance: _renew_balance(workspace, balance, start) for balance in Balance}
        workspace.last_credit_reset = start
        workspace.next_credit_reset = next_cycle_start(workspace.credit_cycle_anchor, now)
        Workspace.objects.filter(pk=workspace.pk).update(
            last_credit_reset=workspace.last_credit_reset, next_credit_reset=workspace.next_credit_reset
        )
        credits = renewed[Balance.CREDITS]
        return Renewal(
            workspace.pk,
            start,
            credits.granted,
            credits.carried_over,
            credits.expired,
            credits.balance,
            video=renewed[Balance.VIDEO_CREDITS],
        )


def _renew_balance(workspace: Workspace, balance: Balance, start: datetime) -> BalanceRenewal:
    monthly = workspace.limits[MONTHLY[balance]] or 0
    cap = workspace.limits[CARRYOVER[balance]] or 0
    unreserved = available_credits(workspace, balance)
    carried = min(unreserved, cap)
    expired = unreserved - carried
    if expired:
        write_ledger(
            workspace,
            kind=LedgerKind.EXPIRE,
            amount=-expired,
            balance=balance,
            reason=f"Cycle ended; carryover cap {cap}",
        )
    write_ledger(
        workspace,
        kind=LedgerKind.RENEWAL,
        amount=monthly,
        balance=balance,
        cycle_start=start,
        reason=f"{workspace.tier} monthly {balance_label(balance)}",
    )
    return BalanceRenewal(monthly, carried, expired, getattr(workspace, balance.value))


def renew_due_workspaces(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Renew every workspace whose cycle is due, in keyset-ordered batches, one short transaction per workspace.

    The due set comes from the indexed `next_credit_reset`, so the scan touches only due workspaces. Returns how many
    renewals this call made (another worker renewing the same workspace concurrently makes this one a no-op).
    """
    now = now or timezone.now()
    renewed = 0
    last_id = 0
    while True:
        ids = list(
            Workspace.objects.filter(next_credit_reset__lte=now, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return renewed
        for workspace_id in ids:
            if renew_credits(workspace_id, now=now) is not None:
                renewed += 1
        last_id = ids[-1]
