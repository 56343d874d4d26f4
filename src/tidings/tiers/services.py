"""What happens when a plan check says no: one notification per limit per day, and a structured error."""

from typing import NoReturn

from tidings.accounts.models import User
from tidings.core.errors import DomainError
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.tiers.checks import Decision
from tidings.usage.services import local_day
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action


class TierLimitReached(DomainError):
    code = "tier_limit_reached"

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason, **decision.details())
        self.decision = decision


def refuse(workspace: Workspace, decision: Decision, *, by: User | None = None) -> NoReturn:
    """Record the refusal for the workspace (its editors and up, and `by`, the person refused) and raise it. Call
    outside the refused action's transaction, so the notification is kept while the action rolls back."""
    suffix = f":{decision.platform}" if decision.platform else ""
    notify(
        workspace,
        audience=Action.SCHEDULE,
        also=by,
        type=NotificationType.TIER_LIMIT_REACHED,
        title="Plan limit reached",
        message=decision.reason,
        dedupe_key=f"tier_limit_reached:{decision.check}{suffix}:{local_day(workspace).isoformat()}",
        data=decision.details(),
    )
    raise TierLimitReached(decision)


def enforce(workspace: Workspace, decision: Decision, *, by: User | None = None) -> Decision:
    """Return an allowed decision; refuse a denied one."""
    if not decision.allowed:
        refuse(workspace, decision, by=by)
    return decision
