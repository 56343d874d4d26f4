"""Reads of a user's credits that pages, the API and the services share."""

from django.db.models import Sum

from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus


def reserved_credits(user_id: int) -> int:
    pending = CreditReservation.objects.filter(user_id=user_id, status=ReservationStatus.PENDING)
    return pending.aggregate(total=Sum("amount"))["total"] or 0


def available_credits(user: User) -> int:
    """Credits that can still be reserved: the balance less what pending reservations hold."""
    return user.credits - reserved_credits(user.pk)
