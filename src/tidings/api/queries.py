"""Read-only selectors for the API: each returns the workspace's own rows (notifications and tokens: the person's),
so another workspace's object is never seen."""

from django.db.models import QuerySet

from tidings.accounts.models import User
from tidings.api.models import ApiToken
from tidings.automation.models import AutomationRule
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.notifications.models import Notification
from tidings.platforms.models import SocialAccount
from tidings.workspaces.models import Workspace


def list_accounts(
    workspace: Workspace, *, platform: str | None = None, status: str | None = None
) -> QuerySet[SocialAccount]:
    accounts = SocialAccount.objects.filter(workspace=workspace).select_related("tagging").order_by("platform", "id")
    if platform:
        accounts = accounts.filter(platform=platform)
    if status:
        accounts = accounts.filter(status=status)
    return accounts


def list_rules(workspace: Workspace) -> QuerySet[AutomationRule]:
    return AutomationRule.objects.filter(workspace=workspace).prefetch_related("accounts")


def list_notifications(user: User, *, unread: bool | None = None) -> QuerySet[Notification]:
    """The person's own notifications, from every workspace they belong to (they are addressed to them)."""
    notifications = Notification.objects.filter(user=user)
    if unread is not None:
        notifications = notifications.filter(read_at__isnull=unread)
    return notifications


def list_reservations(
    workspace: Workspace, *, status: str | None = None, balance: str | None = None
) -> QuerySet[CreditReservation]:
    reservations = CreditReservation.objects.filter(workspace=workspace).order_by("-created_at", "-id")
    if status:
        reservations = reservations.filter(status=status)
    return reservations.filter(balance=balance) if balance else reservations


def list_ledger(workspace: Workspace, *, balance: str | None = None) -> QuerySet[CreditLedgerEntry]:
    rows = CreditLedgerEntry.objects.filter(workspace=workspace).order_by("-id")
    return rows.filter(balance=balance) if balance else rows


def list_tokens(user: User, *, workspace: Workspace | None = None) -> QuerySet[ApiToken]:
    """The person's tokens: all of them, or those of one workspace (what a token may see of its siblings)."""
    tokens = ApiToken.objects.filter(user=user).select_related("workspace")
    return tokens.filter(workspace=workspace) if workspace is not None else tokens
