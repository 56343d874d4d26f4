"""Inviting people into a workspace by an emailed link: to one address, single use, until it expires.

The link carries a random secret; only its SHA-256 is stored, so a database dump opens no workspace. An invitation
holds the seat it would fill (the members limit counts it) until it is accepted, revoked or expires.
"""

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.accounts.services import normalize_email
from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.credits.services import lock_workspace
from tidings.tiers.checks import can_add_member
from tidings.tiers.services import enforce
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Invitation, Membership
from tidings.workspaces.roles import Action, Role, RoleTooLow

logger = logging.getLogger(__name__)
NOT_VALID = "This invitation link is not valid. Copy the whole link from the email, or ask for a new one."


@dataclass(frozen=True)
class Sent:
    invitation: Invitation
    secret: str  # for the link; not stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def invite(actor: Actor, *, email: str, role: Role | str, link: Callable[[str], str]) -> Sent:
    """Email `email` a link to join as `role` (below the inviter's own role unless they own the workspace). An
    open invitation to the same address is replaced, keeping one seat."""
    actor.require(Action.MEMBERS)
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput("Enter a valid email address.", field="email") from None
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"{role!r} is not a role.", field="role") from None
    if role == Role.OWNER:
        raise InvalidInput("Invite them as an admin, then hand the workspace over.", field="role")
    if actor.role != Role.OWNER and role.rank >= actor.role.rank:
        raise RoleTooLow(
            f"You can invite people with a role below your own ({actor.role.label}) only.",
            role=actor.role.value,
            needed=Role.OWNER.value,
            action=Action.MEMBERS.value,
        )
    workspace = actor.workspace
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise Conflict(f"{email} is a member of this workspace already.", field="email")
    now = timezone.now()
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        lock_workspace(workspace.pk)  # seats are counted and taken one at a time
        earlier = Invitation.objects.filter(
            workspace=workspace, email=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        )
        # A new invitation to the same address takes over its seat; otherwise it needs a free one.
        decision = None if earlier.exists() else can_add_member(workspace)
        if decision is None or decision.allowed:
            earlier.update(revoked_at=now)
            invitation = Invitation.objects.create(
                workspace=workspace,
                email=email,
                role=role,
                secret_hash=_digest(secret),
                invited_by=actor.user,
                expires_at=now + timedelta(days=settings.TIDINGS_INVITATION_DAYS),
            )
    if decision is not None:
        enforce(workspace, decision, by=actor.user)  # outside the transaction: the refusal's notification stays
    inviter = (actor.user.get_full_name() or actor.user.username) if actor.user else "Tidings"
    send_mail(
        f"Tidings: join {workspace.name}",
        f"{inviter} invites you to work in {workspace.name} on Tidings as {role.label.lower()}.\n\n"
        f"Accept here (the link works once, for {settings.TIDINGS_INVITATION_DAYS} days):\n{link(secret)}\n\n"
        "If you did not expect this, ignore this email.",
        None,
        [email],
    )
    logger.info("invitation sent", extra={"workspace_id": workspace.pk, "invitation_id": invitation.pk})
    return Sent(invitation=invitation, secret=secret)


def find_open(secret: str) -> Invitation:
    """The invitation a link names, while it can still be accepted."""
    found = Invitation.objects.select_related("workspace", "invited_by").filter(secret_hash=_digest(secret)).first()
    if found is None:
        raise NotFound(NOT_VALID)
    if found.accepted_at is not None:
        raise Conflict("This invitation has been used. Log in to reach the workspace.")
    if found.revoked_at is not None:
        raise Conflict("This invitation was withdrawn. Ask for a new one.")
    if found.expires_at <= timezone.now():
        raise Conflict("This invitation has expired. Ask for a new one.")
    return found


def accept(user: User, *, secret: str) -> Membership:
    """Join the workspace as invited. The login must use the invited address: the link went to that mailbox."""
    with transaction.atomic():
        invitation = find_open(secret)
        lock_workspace(invitation.workspace_id)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None or invitation.revoked_at is not None:
            raise Conflict("This invitation has been used. Log in to reach the workspace.")
        if normalize_email(user.email) != invitation.email:
            raise Conflict(
                f"This invitation is for {invitation.email}. Log in with that address, or sign up with it.",
                field="email",
            )
        if Membership.objects.filter(workspace_id=invitation.workspace_id, user=user).exists():
            raise Conflict("You are a member of this workspace already.")
        membership = Membership.objects.create(workspace_id=invitation.workspace_id, user=user, role=invitation.role)
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now(), accepted_by=user)
    logger.info("invitation accepted", extra={"workspace_id": invitation.workspace_id, "user_id": user.pk})
    return Membership.objects.select_related("workspace").get(pk=membership.pk)


def revoke(actor: Actor, invitation_id: int) -> Invitation:
    actor.require(Action.MEMBERS)
    found = Invitation.objects.filter(workspace=actor.workspace, pk=invitation_id, accepted_at__isnull=True).first()
    if found is None:
        raise NotFound("There is no such open invitation in this workspace.")
    Invitation.objects.filter(pk=found.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    found.refresh_from_db()
    return found
