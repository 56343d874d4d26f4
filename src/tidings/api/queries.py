"""Read-only selectors for the API: each returns the user's own rows, so another user's object is never seen."""

from django.db.models import QuerySet

from tidings.accounts.models import User
from tidings.api.models import ApiToken
from tidings.automation.models import AutomationRule
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.notifications.models import Notification
from tidings.platforms.models import SocialAccount


def list_accounts(user: User, *, platform: str | None = None, status: str | None = None) -> QuerySet[SocialAccount]:
    accounts = SocialAccount.objects.filter(user=user).order_by("platform", "id")
    if platform:
        accounts = accounts.filter(platform=platform)
    if status:
        accounts = accounts.filter(status=status)
    return accounts


def list_rules(user: User) -> QuerySet[AutomationRule]:
    return AutomationRule.objects.filter(user=user).prefetch_related("accounts")


def list_notifications(user: User, *, unread: bool | None = None) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(user=user)
    if unread is not None:
        notifications = notifications.filter(read_at__isnull=unread)
    return notifications


def list_reservations(
    user: User, *, status: str | None = None, balance: str | None = None
) -> QuerySet[CreditReservation]:
    reservations = CreditReservation.objects.filter(user=user).order_by("-created_at", "-id")
    if status:
        reservations = reservations.filter(status=status)
    return reservations.filter(balance=balance) if balance else reservations


def list_ledger(user: User, *, balance: str | None = None) -> QuerySet[CreditLedgerEntry]:
    rows = CreditLedgerEntry.objects.filter(user=user).order_by("-id")
    return rows.filter(balance=balance) if balance else rows


def list_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)
