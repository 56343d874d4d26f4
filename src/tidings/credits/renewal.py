"""The monthly credit cycle, for both balances: renew, carry over up to the plan's cap, expire the rest.

Set-based: a chunk locks its due workspaces in one statement, sums their pending reservations in one aggregate,
appends every expiry and renewal row in one INSERT and sets the balances and cycle dates in one UPDATE, so a
chunk of thousands costs a handful of statements. The arithmetic per workspace and balance is `renew_balance`.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from tidings.core.months import cycle_start, next_cycle_start
from tidings.credits.bulk import LedgerRow, WorkspaceRow, insert_ledger_rows, pending_totals, update_workspaces
from tidings.credits.models import CARRYOVER, MONTHLY, Balance, LedgerKind, balance_label
from tidings.tiers.plans import resolve_limits
from tidings.workspaces.models import Workspace

logger = logging.getLogger("tidings.credits")

CHUNK = 1000
# What a chunk reads of each workspace it locks, in this order.
_LOCKED = ("pk", "tier", "tier_limits", "credits", "video_credits", "credit_cycle_anchor", "last_credit_reset")
Locked = tuple[int, str, dict[str, Any], int, int, datetime, datetime]
# Plain strings for the per-row loop (an enum member's `.value` costs a descriptor call each time).
_BALANCES = tuple((balance.value, balance_label(balance)) for balance in Balance)
_EXPIRE, _RENEWAL = LedgerKind.EXPIRE.value, LedgerKind.RENEWAL.value


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


@dataclass(frozen=True)
class RenewalChunk:
    """One chunk's outcome: how many it renewed, and the highest id it looked at (None: nothing left after
    `after_id`), where the next chunk starts."""

    renewed: int
    last_id: int | None


def renew_balance(amount: int, *, pending: int, monthly: int, cap: int) -> BalanceRenewal:
    """A balance becomes the monthly amount, plus unreserved credits up to the cap, plus what pending reservations
    hold (those posts were paid for in the old cycle and keep their credits); the rest expires."""
    unreserved = amount - pending
    carried = min(unreserved, cap)
    expired = unreserved - carried
    return BalanceRenewal(monthly, carried, expired, amount - expired + monthly)


def renew_due_chunk(*, now: datetime, after_id: int = 0, limit: int = CHUNK) -> RenewalChunk:
    """Renew up to `limit` due workspaces with ids above `after_id`, in one transaction.

    The due rows are locked in id order with a plain FOR UPDATE: a workspace someone is scheduling into is waited
    for (milliseconds), then renewed with what that commit reserved; skipping it (SKIP LOCKED) would leave it
    unrenewed until the next run. Idempotent per cycle: a chunk that runs again after a crash finds each cycle
    started (`start <= last_credit_reset` under the lock) and changes nothing; a unique renewal row per
    (workspace, cycle, balance) backs that up.
    """
    with transaction.atomic():
        due = Workspace.objects.select_for_update().filter(next_credit_reset__lte=now, pk__gt=after_id)
        locked: list[Locked] = list(due.order_by("pk").values_list(*_LOCKED)[:limit])
        renewed = _renew_locked(locked, now)
    return RenewalChunk(len(renewed), locked[-1][0] if locked else None)


def renew_credits(workspace_id: int, *, now: datetime | None = None) -> Renewal | None:
    """Start one workspace's current cycle if it has not started yet (a chunk of one); None when nothing is due.
    Missed months renew once, into the cycle that contains `now`."""
    with transaction.atomic():
        locked = list(Workspace.objects.select_for_update().filter(pk=workspace_id).values_list(*_LOCKED))
        renewed = _renew_locked(locked, now or timezone.now())
    return renewed[0] if renewed else None


def renew_due_workspaces(
    *,
    now: datetime | None = None,
    batch_size: int = CHUNK,
    run_chunk: Callable[..., RenewalChunk] = renew_due_chunk,
) -> int:
    """Renew every workspace whose cycle is due, chunk after chunk in id order; returns how many it renewed.

    The due set comes from the indexed `next_credit_reset`, so the scan touches only due workspaces. The monthly job
    passes its checkpointed step as `run_chunk`, so a crash resumes after the last chunk that committed.
    """
    now = now or timezone.now()
    renewed, after_id = 0, 0
    while (chunk := run_chunk(now=now, after_id=after_id, limit=batch_size)).last_id is not None:
        renewed += chunk.renewed
        after_id = chunk.last_id
    logger.info("credits.renewed count=%s now=%s", renewed, now.isoformat())
    return renewed


def _renew_locked(locked: Sequence[Locked], now: datetime) -> list[Renewal]:
    """Renew the locked workspaces whose current cycle has not started; the caller holds their locks."""
    starting = [(row, start) for row in locked if (start := cycle_start(row[5], now)) > row[6]]
    if not starting:
        return []
    pending = pending_totals([row[0] for row, _ in starting])
    ledger: list[LedgerRow] = []
    states: list[WorkspaceRow] = []
    renewals = []
    for (pk, tier, overrides, credits, video_credits, anchor, _), start in starting:
        plan = _plan(tier, tuple(sorted(overrides.items())))
        done = []
        for (balance, label), amount in zip(_BALANCES, (credits, video_credits), strict=True):
            monthly, cap = plan[balance]
            renewed = renew_balance(amount, pending=pending.get((pk, balance), 0), monthly=monthly, cap=cap)
            if renewed.expired:
                reason = f"Cycle ended; carryover cap {cap}"
                ledger.append((pk, _EXPIRE, balance, -renewed.expired, amount - renewed.expired, None, reason))
            ledger.append((pk, _RENEWAL, balance, monthly, renewed.balance, start, f"{tier} monthly {label}"))
            done.append(renewed)
        credit, video = done
        states.append((pk, credit.balance, video.balance, start, next_cycle_start(anchor, now)))
        renewals.append(
            Renewal(pk, start, credit.granted, credit.carried_over, credit.expired, credit.balance, video=video)
        )
    insert_ledger_rows(ledger)
    update_workspaces(states)
    return renewals


@lru_cache(maxsize=256)
def _plan(tier: str, overrides: tuple[tuple[str, Any], ...]) -> dict[str, tuple[int, int]]:
    """Each balance's (monthly amount, carryover cap) for a tier and a workspace's overrides (the plan table is
    code, so the answer for a pair never changes)."""
    limits = resolve_limits(tier, dict(overrides))
    return {balance.value: (limits[MONTHLY[balance]] or 0, limits[CARRYOVER[balance]] or 0) for balance in Balance}
