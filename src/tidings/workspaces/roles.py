"""Who may do what in a workspace: the five roles and the one table of permissions every check reads.

Roles are ordered: each one may do everything the one below it may. A check names the action, never a role, so
what a role allows is changed here and nowhere else.
"""

from enum import StrEnum

from tidings.core.errors import DomainError


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    EDITOR = "editor"
    CONTRIBUTOR = "contributor"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        return self.value.title()


_RANK = {Role.VIEWER: 0, Role.CONTRIBUTOR: 1, Role.EDITOR: 2, Role.ADMIN: 3, Role.OWNER: 4}


class Action(StrEnum):
    VIEW = "view"  # read posts, accounts, plan, history
    DRAFT = "draft"  # write and edit drafts, propose them for approval, write with AI, upload media, comment
    SCHEDULE = "schedule"  # schedule, publish now, reschedule, retry, cancel, delete, mark an outcome
    APPROVE = "approve"  # approve, reject or ask for changes on a proposed post
    AUTOMATE = "automate"  # create, change, run and delete automation rules
    CONNECT = "connect"  # connect, reconnect and disconnect social accounts
    SETTINGS = "settings"  # the workspace's name, time zone, approval rule and AI provider
    MEMBERS = "members"  # invite, remove, change roles below their own
    WEBHOOKS = "webhooks"  # add, change and remove event endpoints, see their secrets, test and redeliver
    PLAN = "plan"  # change the plan
    OWN = "own"  # transfer ownership, delete the workspace


# The lowest role each action needs.
NEEDS: dict[Action, Role] = {
    Action.VIEW: Role.VIEWER,
    Action.DRAFT: Role.CONTRIBUTOR,
    Action.SCHEDULE: Role.EDITOR,
    Action.APPROVE: Role.EDITOR,
    Action.AUTOMATE: Role.EDITOR,
    Action.CONNECT: Role.ADMIN,
    Action.SETTINGS: Role.ADMIN,
    Action.MEMBERS: Role.ADMIN,
    Action.WEBHOOKS: Role.ADMIN,
    Action.PLAN: Role.OWNER,
    Action.OWN: Role.OWNER,
}


def allows(role: Role | str, action: Action) -> bool:
    return Role(role).rank >= NEEDS[action].rank


class RoleTooLow(DomainError):
    """A member tried something their role does not allow (HTTP 403: the workspace exists for them)."""

    code = "role_too_low"


def require(role: Role | str, action: Action) -> None:
    """Raise RoleTooLow, naming the role the action needs, unless `role` allows it."""
    if not allows(role, action):
        needed = NEEDS[action]
        raise RoleTooLow(
            f"Your role in this workspace ({Role(role).label}) cannot {ACTION_PHRASES[action]}; "
            f"it needs {needed.label} or above.",
            role=str(role),
            needed=needed.value,
            action=action.value,
        )


ACTION_PHRASES = {
    Action.VIEW: "see this workspace",
    Action.DRAFT: "write drafts",
    Action.SCHEDULE: "schedule or publish posts",
    Action.APPROVE: "approve posts",
    Action.AUTOMATE: "manage automation rules",
    Action.CONNECT: "connect or disconnect accounts",
    Action.SETTINGS: "change the workspace's settings",
    Action.MEMBERS: "manage members",
    Action.WEBHOOKS: "manage webhooks",
    Action.PLAN: "change the plan",
    Action.OWN: "transfer or delete the workspace",
}
