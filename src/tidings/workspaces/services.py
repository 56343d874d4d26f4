"""Making workspaces and finding a person's place in one."""

from django.db import IntegrityError, transaction

from tidings.accounts.models import User
from tidings.core.errors import NotFound
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.roles import Role

NOT_YOURS = "There is no such workspace, or you are not a member of it."


def personal_name(user: User) -> str:
    return f"{user.get_full_name() or user.username}'s workspace"[:100]


def create_personal_workspace(user: User) -> Workspace:
    """The workspace a person owns from sign-up; call inside the transaction that creates the user."""
    workspace = Workspace.objects.create(name=personal_name(user), personal_owner=user)
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    return workspace


def personal_workspace(user: User) -> Workspace:
    """The person's own workspace, made now for a person who has none (a superuser made by `createsuperuser`)."""
    found = Workspace.objects.filter(personal_owner=user).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return create_personal_workspace(user)
    except IntegrityError:  # made by a concurrent request in the meantime
        return Workspace.objects.get(personal_owner=user)


def membership(user: User, workspace_id: int) -> Membership:
    """The person's membership of the workspace; NotFound (404) for anyone outside it, so a workspace's existence
    is not revealed to strangers."""
    found = Membership.objects.select_related("workspace").filter(user=user, workspace_id=workspace_id).first()
    if found is None:
        raise NotFound(NOT_YOURS)
    return found


def memberships_of(user: User) -> list[Membership]:
    """Every workspace the person belongs to, their own first, then by name."""
    found = list(Membership.objects.select_related("workspace").filter(user=user))
    return sorted(found, key=lambda m: (m.workspace.personal_owner_id != user.pk, m.workspace.name.lower()))
