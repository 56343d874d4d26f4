"""The monthly credit cycle, for both balances: renew, carry over up to the plan's cap, expire the rest."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.core.months import cycle_start, next_cycle_start
from tidings.credits.models import CARRYOVER, MONTHLY, Balance, LedgerKind, balance_label
from tidings.credits.selectors import available_credits
from tidings.credits.services import lock_user, write_ledger


@dataclass(frozen=True)
class BalanceRenewal:
    granted: int
    carried_over: int
    expired: int
    balance: int


@dataclass(frozen=True)
class Renewal:
    """What a renewal did to the credits (the fields) and to the video credits (`video`)."""

    user_id: int
    cycle_start: datetime
    granted: int
    carried_over: int
    expired: int
    balance: int
    video: BalanceRenewal = field(default=BalanceRenewal(0, 0, 0, 0), compare=False)


def renew_credits(user_id: int, *, now: datetime | None = None) -> Renewal | None:
    """Start the user's current cycle if it has not started yet; None when nothing is due.

    Each balance (credits, video credits) becomes the plan's monthly amount, plus unreserved credits up to its
    carryover cap, plus what its pending reservations hold (those posts were paid for in the old cycle and keep
    their credits). Missed months renew once, into the cycle that contains `now`. Idempotent per cycle: the lock
    orders callers and a unique renewal row per (user, cycle, balance) backs it up.
    """
    now = now or timezone.now()
    with transaction.atomic():
        user = lock_user(user_id)
        start = cycle_start(user.credit_cycle_anchor, now)
        if start <= user.last_credit_reset:
            return None
        renewed = {balance: _renew_balance(user, balance, start) for balance in Balance}
        user.last_credit_reset = start
        user.next_credit_reset = next_cycle_start(user.credit_cycle_anchor, now)
        User.objects.filter(pk=user.pk).update(
            last_credit_reset=user.last_credit_reset, next_credit_reset=user.next_credit_reset
        )
        credits = renewed[Balance.CREDITS]
        return Renewal(
            user.pk,
            start,
            credits.granted,
            credits.carried_over,
            credits.expired,
            credits.balance,
            video=renewed[Balance.VIDEO_CREDITS],
        )


def _renew_balance(user: User, balance: Balance, start: datetime) -> BalanceRenewal:
    monthly = user.limits[MONTHLY[balance]] or 0
    cap = user.limits[CARRYOVER[balance]] or 0
    unreserved = available_credits(user, balance)
    carried = min(unreserved, cap)
    expired = unreserved - carried
    if expired:
        write_ledger(
            user, kind=LedgerKind.EXPIRE, amount=-expired, balance=balance, reason=f"Cycle ended; carryover cap {cap}"
        )
    write_ledger(
        user,
        kind=LedgerKind.RENEWAL,
        amount=monthly,
        balance=balance,
        cycle_start=start,
        reason=f"{user.tier} monthly {balance_label(balance)}",
    )
    return BalanceRenewal(monthly, carried, expired, getattr(user, balance.value))


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
