"""Who is acting, in which workspace, with which role: what every service that changes a workspace is given.

A person acts through their membership; Tidings itself (an automation rule, a scheduled job, staff in the admin)
acts as the system, which may do everything a workspace's owner may but is no one's author.
"""

from dataclasses import dataclass

from tidings.accounts.models import User
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.roles import Action, Role, allows, require


@dataclass(frozen=True)
class Actor:
    workspace: Workspace
    user: User | None
    role: Role

    @classmethod
    def of(cls, membership: Membership) -> "Actor":
        return cls(workspace=membership.workspace, user=membership.user, role=Role(membership.role))

    @classmethod
    def system(cls, workspace: Workspace) -> "Actor":
        return cls(workspace=workspace, user=None, role=Role.OWNER)

    @property
    def is_system(self) -> bool:
        return self.user is None

    @property
    def needs_approval(self) -> bool:
        """Contributors' posts always wait for an approver; everyone's do where the workspace asks for it. Tidings
        itself does not (a rule set to review first proposes its posts on purpose)."""
        if self.is_system:
            return False
        return self.role == Role.CONTRIBUTOR or self.workspace.posts_need_approval

    def may(self, action: Action) -> bool:
        return allows(self.role, action)

    def require(self, action: Action) -> None:
        """RoleTooLow (403, naming the role needed) unless this actor's role allows `action`."""
        require(self.role, action)
