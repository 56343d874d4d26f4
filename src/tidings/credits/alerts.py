"""Low-credit and expiring-credit alerts, each at most once per credit cycle."""

from datetime import datetime, timedelta

from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.tiers.plans import Limit

LOW_CREDIT_SHARE_PERCENT = 20
EXPIRY_WARNING_DAYS = 3


def is_low(available: int, monthly: int) -> bool:
    """At or below 20% of the monthly amount (integer arithmetic: no rounding surprises at the edge)."""
    return monthly > 0 and available * 100 <= monthly * LOW_CREDIT_SHARE_PERCENT


def check_low_credits(user: User, *, available: int | None = None) -> bool:
    """Notify `low_credits` when available credits are low, once per cycle; True when a notification was created.

    The caller holds the user's lock. The cycle already alerted is kept on the user's row, so once the alert is
    out every later check answers from the row it already has, without a query.
    """
    if user.low_credits_alerted_cycle == user.last_credit_reset:
        return False
    monthly = user.limits[Limit.MONTHLY_CREDITS] or 0
    # Available credits never exceed the balance, so a balance that is not low answers without summing anything.
    if available is None and not is_low(user.credits, monthly):
        available = user.credits
    if available is None:
        available = available_credits(user)
    if not is_low(available, monthly):
        return False
    created = notify(
        user,
        type=NotificationType.LOW_CREDITS,
        title="Credits are running low",
        message=f"{available} of your {monthly} monthly credits are left. They renew on "
        f"{user.next_credit_reset.astimezone(user.zone):%d %B %Y}.",
        dedupe_key=f"low_credits:{user.last_credit_reset.isoformat()}",
        data={"available": available, "monthly": monthly},
    )
    User.objects.filter(pk=user.pk).update(low_credits_alerted_cycle=user.last_credit_reset)
    user.low_credits_alerted_cycle = user.last_credit_reset
    return created is not None


def credits_to_expire(user: User, available: int) -> int:
    return max(0, available - (user.limits[Limit.CARRYOVER_CAP] or 0))


def notify_expiring_credits(*, now: datetime | None = None, days: int = EXPIRY_WARNING_DAYS) -> int:
    """Warn users whose cycle renews within `days` and who would lose credits then. Returns warnings created."""
    now = now or timezone.now()
    pending = (
        CreditReservation.objects.filter(user=OuterRef("pk"), status=ReservationStatus.PENDING)
        .values("user")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    users = (
        User.objects.filter(next_credit_reset__gt=now, next_credit_reset__lte=now + timedelta(days=days))
        .annotate(reserved=Coalesce(Subquery(pending, output_field=IntegerField()), Value(0)))
        .order_by("pk")
    )
    warned = 0
    for user in users.iterator(chunk_size=1000):
        losing = credits_to_expire(user, user.credits - user.reserved)
        if not losing:
            continue
        created = notify(
            user,
            type=NotificationType.CREDITS_EXPIRING,
            title=f"{losing} credits expire soon",
            message=f"{losing} unused credits expire when your plan renews on "
            f"{user.next_credit_reset.astimezone(user.zone):%d %B %Y}. Schedule posts before then to use them.",
            dedupe_key=f"credits_expiring:{user.last_credit_reset.isoformat()}",
            data={"expiring": losing, "renews_at": user.next_credit_reset.isoformat()},
        )
        warned += created is not None
    return warned
