"""The cast in their own workspaces: `owner(alice)` is alice acting as the owner of her personal workspace, and
`workspace_of(alice)` that workspace read fresh from the database (its balances as they are now)."""

from tidings.accounts.models import User
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.roles import Role
from tidings.workspaces.services import acting_alone, acting_as


def owner(user: User) -> Actor:
    return acting_alone(user)


def workspace_of(user: User) -> Workspace:
    return Workspace.objects.get(personal_owner=user)


def join(user: User, workspace: Workspace, role: Role | str) -> Actor:
    """Make `user` a member of `workspace` with `role` (as an accepted invitation would) and act as them there."""
    Membership.objects.create(workspace=workspace, user=user, role=Role(role))
    return acting_as(user, workspace.pk)
