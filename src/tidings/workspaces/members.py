"""A workspace's people: making a shared workspace, changing roles, removing a member, handing over ownership.

Roles only move downwards from the one acting: a member may manage those ranked below them, never grant a role
above their own, and ownership moves only by transfer from the owner.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.core.months import add_months
from tidings.credits.services import grant_first_month, lock_workspace
from tidings.tiers.plans import Tier
from tidings.workspaces.actors import Actor
from tidings.workspaces.erasing import erase_workspaces
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.roles import Action, Role, RoleTooLow

logger = logging.getLogger(__name__)
NO_SUCH_MEMBER = "There is no such member in this workspace."


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("Give the workspace a name.", field="name")
    if len(name) > 100:
        raise InvalidInput("A workspace name can be at most 100 characters.", field="name")
    return name


def create_workspace(user: User, *, name: str) -> Workspace:
    """A shared workspace owned by `user`, on Free with Free's first month of credits (its own cycle), until its
    owner changes the plan."""
    name = clean_name(name)
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)  # one person's creations take turns with the cap below
        owned = Membership.objects.filter(user=user, role=Role.OWNER, workspace__personal_owner__isnull=True).count()
        if owned >= settings.TIDINGS_MAX_OWNED_WORKSPACES:
            raise Conflict(
                f"You own {owned} shared workspaces, the most this server allows one person. Hand one over or "
                "delete one first.",
                limit=settings.TIDINGS_MAX_OWNED_WORKSPACES,
            )
        now = timezone.now()
        workspace = Workspace.objects.create(
            name=name,
            tier=Tier.FREE,
            time_zone=personal_time_zone(user),
            credit_cycle_anchor=now,
            last_credit_reset=now,
            next_credit_reset=add_months(now, 1),
        )
        Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
        grant_first_month(lock_workspace(workspace.pk))
    logger.info("workspace created", extra={"workspace_id": workspace.pk, "user_id": user.pk})
    workspace.refresh_from_db()
    return workspace


def personal_time_zone(user: User) -> str:
    found = Workspace.objects.filter(personal_owner=user).values_list("time_zone", flat=True).first()
    return found or str(settings.TIDINGS_DEFAULT_USER_TIME_ZONE)


def rename_workspace(actor: Actor, *, name: str, posts_need_approval: bool | None = None) -> Workspace:
    actor.require(Action.SETTINGS)
    fields: dict[str, object] = {"name": clean_name(name)}
    if posts_need_approval is not None:
        fields["posts_need_approval"] = posts_need_approval
    Workspace.objects.filter(pk=actor.workspace.pk).update(**fields)
    actor.workspace.refresh_from_db()
    return actor.workspace


def members(workspace: Workspace) -> list[Membership]:
    """The owner first, then by rank and name."""
    found = list(Membership.objects.filter(workspace=workspace).select_related("user"))
    return sorted(found, key=lambda m: (-Role(m.role).rank, m.user.username.lower()))


def _member(actor: Actor, user_id: int, *, lock: bool = False) -> Membership:
    rows = Membership.objects.select_related("user").filter(workspace=actor.workspace, user_id=user_id)
    found = (rows.select_for_update(of=("self",)) if lock else rows).first()
    if found is None:
        raise NotFound(NO_SUCH_MEMBER)
    return found


def _outranks(actor: Actor, member: Membership) -> None:
    """Only someone ranked above a member manages them (the system and the owner manage everyone but themselves)."""
    if actor.role != Role.OWNER and Role(member.role).rank >= actor.role.rank:
        raise RoleTooLow(
            f"Only someone ranked above a {Role(member.role).label} can change their membership.",
            role=actor.role.value,
            needed=Role.OWNER.value if member.role == Role.ADMIN else Role.ADMIN.value,
            action=Action.MEMBERS.value,
        )


def change_role(actor: Actor, user_id: int, *, role: Role | str) -> Membership:
    actor.require(Action.MEMBERS)
    role = _role(role)
    if role == Role.OWNER:
        raise InvalidInput("Hand the workspace over to make someone its owner.", field="role")
    with transaction.atomic():
        member = _member(actor, user_id, lock=True)
        if member.role == Role.OWNER:
            raise Conflict("The owner's role changes only when they hand the workspace over.")
        _outranks(actor, member)
        if actor.role != Role.OWNER and role.rank >= actor.role.rank:
            raise RoleTooLow(
                f"You can give roles below your own ({actor.role.label}) only.",
                role=actor.role.value,
                needed=Role.OWNER.value,
                action=Action.MEMBERS.value,
            )
        Membership.objects.filter(pk=member.pk).update(role=role)
    member.role = role
    return member


def remove_member(actor: Actor, user_id: int) -> None:
    """Take a member out (or, with their own id, leave): they lose access at once, and their API tokens for this
    workspace are revoked. Posts they wrote stay, with their name as the author."""
    leaving = actor.user is not None and actor.user.pk == user_id
    if not leaving:
        actor.require(Action.MEMBERS)
    with transaction.atomic():
        member = _member(actor, user_id, lock=True)
        if member.role == Role.OWNER:
            raise Conflict("The owner cannot leave or be removed; hand the workspace over first.")
        if not leaving:
            _outranks(actor, member)
        member.delete()
        from tidings.api.models import ApiToken

        ApiToken.objects.filter(workspace=actor.workspace, user_id=user_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    logger.info("member removed", extra={"workspace_id": actor.workspace.pk, "user_id": user_id, "left": leaving})


def transfer_ownership(actor: Actor, user_id: int) -> Membership:
    """The owner hands the workspace to another member, and stays on as an admin. A personal workspace handed over
    becomes a shared one (its person gets a new personal workspace when they next need one)."""
    actor.require(Action.OWN)
    with transaction.atomic():
        new_owner = _member(actor, user_id, lock=True)
        if new_owner.role == Role.OWNER:
            raise Conflict("They own this workspace already.")
        Membership.objects.filter(workspace=actor.workspace, role=Role.OWNER).update(role=Role.ADMIN)
        Membership.objects.filter(pk=new_owner.pk).update(role=Role.OWNER)
        Workspace.objects.filter(pk=actor.workspace.pk).update(personal_owner=None)
    logger.info("ownership transferred", extra={"workspace_id": actor.workspace.pk, "to_user_id": user_id})
    new_owner.role = Role.OWNER
    return new_owner


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput(
            f"{role!r} is not a role; roles: {', '.join(r.value for r in Role)}.", field="role"
        ) from None


def delete_workspace(actor: Actor, *, confirm_name: str) -> None:
    """The owner deletes a shared workspace with everything it holds (its posts waiting to go out never do), once
    they type its name. A personal workspace goes only with its person's account."""
    actor.require(Action.OWN)
    workspace = actor.workspace
    if workspace.personal_owner_id is not None:
        raise Conflict("Your personal workspace goes only with your account (Settings → Your data → Delete).")
    if " ".join(confirm_name.split()) != workspace.name:
        raise InvalidInput(f"Type the workspace's name, {workspace.name}, to delete it.", field="confirm_name")
    with transaction.atomic():
        erase_workspaces([workspace.pk], then="delete the workspace")
    logger.info("workspace deleted", extra={"workspace_id": workspace.pk})
