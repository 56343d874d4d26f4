"""Low-credit and expiring-credit alerts, each at most once per credit cycle."""

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from tidings.credits.models import CARRYOVER, MONTHLY, Balance, CreditReservation, ReservationStatus, balance_label
from tidings.credits.selectors import available_credits
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.tiers.plans import PLANS
from tidings.webhooks.events import emit
from tidings.webhooks.models import EventType
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

LOW_CREDIT_SHARE_PERCENT = 20
EXPIRY_WARNING_DAYS = 3


def is_low(available: int, monthly: int) -> bool:
    """At or below 20% of the monthly amount (integer arithmetic: no rounding surprises at the edge)."""
    return monthly > 0 and available * 100 <= monthly * LOW_CREDIT_SHARE_PERCENT


# Where each balance's low alert is remembered on the workspace's row: the start of the cycle it was sent in.
ALERTED_CYCLE = {Balance.CREDITS: "low_credits_alerted_cycle", Balance.VIDEO_CREDITS: "low_video_credits_alerted_cycle"}
# The dedupe key's prefix per balance (the credits' one predates video credits and stays as it was).
_LOW_KEY = {Balance.CREDITS: "low_credits", Balance.VIDEO_CREDITS: "low_video_credits"}
_EXPIRING_KEY = {Balance.CREDITS: "credits_expiring", Balance.VIDEO_CREDITS: "video_credits_expiring"}


def check_low_credits(workspace: Workspace, *, balance: str = Balance.CREDITS, available: int | None = None) -> bool:
    """Notify `low_credits` when a balance's available amount is low, once per cycle and balance; True when a
    notification was created.

    The caller holds the workspace's lock. The cycle already alerted is kept on the workspace's row, so once the
    alert is out every later check answers from the row it already has, without a query.
    """
    balance = Balance(balance)
    memo = ALERTED_CYCLE[balance]
    if getattr(workspace, memo) == workspace.last_credit_reset:
        return False
    monthly = workspace.limits[MONTHLY[balance]] or 0
    # Pending reservations count: a balance well above the threshold can still have little of it available.
    if available is None:
        available = available_credits(workspace, balance)
    if not is_low(available, monthly):
        return False
    noun = balance_label(balance)
    cycle = workspace.last_credit_reset.isoformat()
    created = notify(
        workspace,
        audience=Action.SCHEDULE,
        type=NotificationType.LOW_CREDITS,
        title=f"{noun.capitalize()} are running low",
        message=f"{available} of your {monthly} monthly {noun} are left. They renew on "
        f"{workspace.next_credit_reset.astimezone(workspace.zone):%d %B %Y}.",
        dedupe_key=f"{_LOW_KEY[balance]}:{workspace.last_credit_reset.isoformat()}",
        data={"available": available, "monthly": monthly, "balance": balance.value},
    )
    emit(workspace, EventType.CREDITS_LOW, low_data(workspace, balance, available, monthly), key=f"{balance}:{cycle}")
    Workspace.objects.filter(pk=workspace.pk).update(**{memo: workspace.last_credit_reset})
    setattr(workspace, memo, workspace.last_credit_reset)
    return bool(created)


def low_data(workspace: Workspace, balance: Balance, available: int, monthly: int) -> dict[str, object]:
    return {
        "balance": balance.value,
        "available": available,
        "monthly": monthly,
        "renews_at": workspace.next_credit_reset.isoformat(),
    }


def credits_to_expire(workspace: Workspace, available: int, balance: str = Balance.CREDITS) -> int:
    return max(0, available - (workspace.limits[CARRYOVER[Balance(balance)]] or 0))


def notify_expiring_credits(*, now: datetime | None = None, days: int = EXPIRY_WARNING_DAYS) -> int:
    """Warn workspaces whose cycle renews within `days` and who would lose credits or video credits then, one warning
    per balance and cycle. Returns warnings created.

    One query per balance finds who will lose some (unreserved above the plan's cap, compared in SQL), so the loop
    runs only over the workspaces to warn.
    """
    now = now or timezone.now()
    warned = 0
    for balance in Balance:
        for workspace, unreserved in _losing_at_renewal(balance, now=now, until=now + timedelta(days=days)):
            losing = credits_to_expire(workspace, unreserved, balance)
            if not losing:
                continue  # an override raised the cap above what the plan's would be
            noun = balance_label(balance, losing)
            created = notify(
                workspace,
                audience=Action.SCHEDULE,
                type=NotificationType.CREDITS_EXPIRING,
                title=f"{losing} {noun} expire soon",
                message=f"{losing} unused {noun} expire when your plan renews on "
                f"{workspace.next_credit_reset.astimezone(workspace.zone):%d %B %Y}. "
                "Schedule posts before then to use them.",
                dedupe_key=f"{_EXPIRING_KEY[balance]}:{workspace.last_credit_reset.isoformat()}",
                data={
                    "expiring": losing,
                    "renews_at": workspace.next_credit_reset.isoformat(),
                    "balance": balance.value,
                },
            )
            warned += bool(created)
    return warned


def _losing_at_renewal(balance: Balance, *, now: datetime, until: datetime) -> Iterator[tuple[Workspace, int]]:
    """The workspaces renewing in (now, until] whose unreserved amount of `balance` is over their plan's cap, each
    with that amount. Those with limit overrides come whenever they have any unreserved (the caller
    applies their own cap)."""
    pending = (
        CreditReservation.objects.filter(workspace=OuterRef("pk"), status=ReservationStatus.PENDING, balance=balance)
        .values("workspace")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    plan_cap = Case(
        *[When(tier=tier.value, then=Value(limits[CARRYOVER[balance]] or 0)) for tier, limits in PLANS.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    workspaces = (
        Workspace.objects.filter(next_credit_reset__gt=now, next_credit_reset__lte=until)
        .annotate(unreserved=F(balance.value) - Coalesce(Subquery(pending, output_field=IntegerField()), Value(0)))
        .filter(Q(tier_limits={}, unreserved__gt=plan_cap) | (~Q(tier_limits={}) & Q(unreserved__gt=0)))
        .order_by("pk")
    )
    for workspace in workspaces.iterator(chunk_size=1000):
        yield workspace, int(workspace.unreserved)
