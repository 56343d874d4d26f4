"""What happens when a plan check says no: one notification per limit per day, and a structured error."""

from typing import NoReturn

from tidings.accounts.models import User
from tidings.core.errors import DomainError
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.tiers.checks import Decision
from tidings.usage.services import local_day


class TierLimitReached(DomainError):
    code = "tier_limit_reached"

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason, **decision.details())
        self.decision = decision


def refuse(user: User, decision: Decision) -> NoReturn:
    """Record the refusal for the user and raise it. Call outside the refused action's transaction, so the
    notification is kept while the action rolls back."""
    suffix = f":{decision.platform}" if decision.platform else ""
    notify(
        user,
        type=NotificationType.TIER_LIMIT_REACHED,
        title="Plan limit reached",
        message=decision.reason,
        dedupe_key=f"tier_limit_reached:{decision.check}{suffix}:{local_day(user).isoformat()}",
        data=decision.details(),
    )
    raise TierLimitReached(decision)


def enforce(user: User, decision: Decision) -> Decision:
    """Return an allowed decision; refuse a denied one."""
    if not decision.allowed:
        refuse(user, decision)
    return decision
