from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from tidings.api.schemas import NO_NUL, Input
from tidings.workspaces.models import Invitation, Membership

RoleName = Literal["owner", "admin", "editor", "contributor", "viewer"]
AssignableRole = Literal["admin", "editor", "contributor", "viewer"]


class WorkspaceOut(Schema):
    id: int
    name: str
    personal: bool = Field(description="The person's own workspace, made at sign-up.")
    role: RoleName = Field(description="The token's person's role here.")
    tier: str
    time_zone: str
    posts_need_approval: bool
    current: bool = Field(description="The workspace this token acts in.")

    @classmethod
    def of(cls, membership: Membership, *, current_id: int) -> "WorkspaceOut":
        workspace = membership.workspace
        return cls(
            id=workspace.pk,
            name=workspace.name,
            personal=workspace.personal_owner_id is not None,
            role=membership.role,  # type: ignore[arg-type]
            tier=workspace.tier,
            time_zone=workspace.time_zone,
            posts_need_approval=workspace.posts_need_approval,
            current=workspace.pk == current_id,
        )


class MemberOut(Schema):
    user_id: int
    username: str
    name: str
    role: RoleName
    joined_at: datetime

    @classmethod
    def of(cls, membership: Membership) -> "MemberOut":
        user = membership.user
        return cls(
            user_id=user.pk,
            username=user.username,
            name=user.get_full_name(),
            role=membership.role,  # type: ignore[arg-type]
            joined_at=membership.joined_at,
        )


class RoleIn(Input):
    role: AssignableRole


class InvitationIn(Input):
    email: str = Field(min_length=3, max_length=254, pattern=NO_NUL, description="Checked as an address.")
    role: AssignableRole


class InvitationOut(Schema):
    id: int
    email: str
    role: AssignableRole
    created_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, invitation: Invitation) -> "InvitationOut":
        return cls(
            id=invitation.pk,
            email=invitation.email,
            role=invitation.role,  # type: ignore[arg-type]
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
        )
