"""Deleting an account: what it takes with it, said before, and the deletion itself, safe against a post that is
on its way to a platform at that moment.

A person's account takes with it the workspaces they own alone (their personal one, and any other) with all they
hold, and ends their memberships of the others. A workspace they own together with other members, their personal
one included, is not theirs to delete: they hand it over to another member first, and then it stays.
"""

from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, Sum

from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput
from tidings.credits.models import Balance, CreditReservation, ReservationStatus
from tidings.platforms.models import SocialAccount
from tidings.posts.models import MediaAsset, Post, PostTarget, TargetStatus
from tidings.workspaces.erasing import erase_workspaces
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.roles import Role
from tidings.workspaces.services import personal_workspace

# Waiting to go out: they go with the account. A target being published cannot be stopped halfway, so the
# deletion waits for it.
WAITING = (TargetStatus.SCHEDULED, TargetStatus.QUEUED)


@dataclass(frozen=True)
class Closing:
    """What deleting the account would do, for the page that asks to confirm."""

    posts: int
    waiting: int  # targets scheduled or queued: they will not go out
    publishing: int  # targets being sent right now: the deletion is refused until they finish
    held_credits: int
    held_video_credits: int
    credits: int
    video_credits: int
    accounts: int
    media: int
    # Shared workspaces the person owns with other members: to hand over first (the deletion is refused until then).
    hand_over: tuple[str, ...] = ()
    # Other workspaces the person is a member of: the memberships end, the workspaces stay.
    leaving: int = 0


def _owned_alone(user: User) -> tuple[list[int], list[Workspace]]:
    """The workspaces that go with the person (those they own with no one else in it), and those they own with
    others (to hand over first)."""
    personal_workspace(user)  # made now for a person who never had one, so that it goes too
    owned = (
        Workspace.objects.filter(pk__in=Membership.objects.filter(user=user, role=Role.OWNER).values("workspace_id"))
        .annotate(others=Count("memberships", filter=~Q(memberships__user=user)))
        .order_by("pk")
    )
    going: list[int] = []
    shared: list[Workspace] = []
    for workspace in owned:
        (shared.append(workspace) if workspace.others else going.append(workspace.pk))
    return going, shared


def closing_summary(user: User) -> Closing:
    going, shared = _owned_alone(user)
    statuses = Counter(PostTarget.objects.filter(post__workspace_id__in=going).values_list("status", flat=True))
    held = dict(
        CreditReservation.objects.filter(workspace_id__in=going, status=ReservationStatus.PENDING)
        .values("balance")
        .annotate(total=Sum("amount"))
        .values_list("balance", "total")
    )
    balances = Workspace.objects.filter(pk__in=going).aggregate(credits=Sum("credits"), video=Sum("video_credits"))
    return Closing(
        posts=Post.objects.filter(workspace_id__in=going).count(),
        waiting=sum(statuses[s] for s in WAITING),
        publishing=statuses[TargetStatus.PUBLISHING],
        held_credits=held.get(Balance.CREDITS, 0),
        held_video_credits=held.get(Balance.VIDEO_CREDITS, 0),
        credits=balances["credits"] or 0,
        video_credits=balances["video"] or 0,
        accounts=SocialAccount.objects.filter(workspace_id__in=going).count(),
        media=MediaAsset.objects.filter(workspace_id__in=going).count(),
        hand_over=tuple(w.name for w in shared),
        leaving=Membership.objects.filter(user=user)
        .exclude(workspace_id__in=[*going, *(w.pk for w in shared)])
        .count(),
    )


def delete_account(user: User, *, password: str) -> None:
    """Delete the user, the workspaces that go with them and everything those hold, and their memberships of the
    others, once they confirm with their password.

    Under the workspaces' locks, which every publish takes before it sends: a post being sent refuses the deletion
    (nothing is cut off mid-send, and its outcome is recorded); posts waiting to go out go with the account and are
    never sent. Uploaded files are removed once the deletion is committed."""
    if not password or not user.check_password(password):
        raise InvalidInput("That is not your password; nothing was deleted.", field="password")
    with transaction.atomic():
        going, shared = _owned_alone(user)
        if shared:
            names = ", ".join(f"“{w.name}”" for w in shared)
            raise Conflict(
                f"You own {names} together with other members. Hand {'them' if len(shared) > 1 else 'it'} over "
                "to another member (make them the owner), then delete your account; nothing was deleted."
            )
        erase_workspaces(going, then="delete your account")
        # A personal workspace handed over to another member is theirs now: it outlives the person it was made for.
        Workspace.objects.filter(personal_owner=user).update(personal_owner=None)
        User.objects.filter(pk=user.pk).delete()
