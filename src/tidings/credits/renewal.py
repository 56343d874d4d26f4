"""The monthly credit cycle: renew, carry over up to the plan's cap, expire the rest."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.core.months import cycle_start, next_cycle_start
from tidings.credits.models import LedgerKind
from tidings.credits.selectors import available_credits
from tidings.credits.services import lock_user, write_ledger
from tidings.tiers.plans import Limit


@dataclass(frozen=True)
class Renewal:
    user_id: int
    cycle_start: datetime
    granted: int
    carried_over: int
    expired: int
    balance: int


def renew_credits(user_id: int, *, now: datetime | None = None) -> Renewal | None:
    """Start the user's current cycle if it has not started yet; None when nothing is due.

    The new balance is the plan's monthly credits, plus unreserved credits up to the carryover cap, plus what
    pending reservations hold (those posts were paid for in the old cycle and keep their credits). Missed months
    renew once, into the cycle that contains `now`. Idempotent per cycle: the lock orders callers and a unique
    renewal row per (user, cycle) backs it up.
    """
    now = now or timezone.now()
    with transaction.atomic():
        user = lock_user(user_id)
        start = cycle_start(user.credit_cycle_anchor, now)
        if start <= user.last_credit_reset:
            return None
        limits = user.limits
        monthly = limits[Limit.MONTHLY_CREDITS] or 0
        cap = limits[Limit.CARRYOVER_CAP] or 0
        unreserved = available_credits(user)
        carried = min(unreserved, cap)
        expired = unreserved - carried
        if expired:
            write_ledger(user, kind=LedgerKind.EXPIRE, amount=-expired, reason=f"Cycle ended; carryover cap {cap}")
        write_ledger(
            user,
            kind=LedgerKind.RENEWAL,
            amount=monthly,
            cycle_start=start,
            reason=f"{user.tier} monthly credits",
        )
        user.last_credit_reset = start
        user.next_credit_reset = next_cycle_start(user.credit_cycle_anchor, now)
        User.objects.filter(pk=user.pk).update(
            last_credit_reset=user.last_credit_reset, next_credit_reset=user.next_credit_reset
        )
        return Renewal(user.pk, start, monthly, carried, expired, user.credits)


def renew_due_users(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Renew every user whose cycle is due, in keyset-ordered batches, one short transaction per user.

    The due set comes from the indexed `next_credit_reset`, so the scan touches only due users. Returns how many
    renewals this call made (another worker renewing the same user concurrently makes this one a no-op).
    """
    now = now or timezone.now()
    renewed = 0
    last_id = 0
    while True:
        ids = list(
            User.objects.filter(next_credit_reset__lte=now, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return renewed
        for user_id in ids:
            if renew_credits(user_id, now=now) is not None:
                renewed += 1
        last_id = ids[-1]
