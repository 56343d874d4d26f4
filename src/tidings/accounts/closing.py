"""Deleting an account: what it takes with it, said before, and the deletion itself, safe against a post that is
on its way to a platform at that moment."""

from collections import Counter
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum

from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput
from tidings.credits.models import Balance, CreditReservation, ReservationStatus
from tidings.credits.services import lock_workspace
from tidings.posts.models import MediaAsset, Post, PostTarget, TargetStatus

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


def closing_summary(user: User) -> Closing:
    statuses = Counter(PostTarget.objects.filter(post__user=user).values_list("status", flat=True))
    held = dict(
        CreditReservation.objects.filter(user=user, status=ReservationStatus.PENDING)
        .values("balance")
        .annotate(total=Sum("amount"))
        .values_list("balance", "total")
    )
    fresh = User.objects.get(pk=user.pk)
    return Closing(
        posts=Post.objects.filter(user=user).count(),
        waiting=sum(statuses[s] for s in WAITING),
        publishing=statuses[TargetStatus.PUBLISHING],
        held_credits=held.get(Balance.CREDITS, 0),
        held_video_credits=held.get(Balance.VIDEO_CREDITS, 0),
        credits=fresh.credits,
        video_credits=fresh.video_credits,
        accounts=fresh.social_accounts.count(),
        media=MediaAsset.objects.filter(user=user).count(),
    )


def delete_account(user: User, *, password: str) -> None:
    """Delete the user and everything they own, once they confirm with their password.

    Under the user's lock, which every publish takes before it sends: a post being sent refuses the deletion
    (nothing is cut off mid-send, and its outcome is recorded); posts waiting to go out go with the account and are
    never sent. Uploaded files are removed once the deletion is committed."""
    if not password or not user.check_password(password):
        raise InvalidInput("That is not your password; nothing was deleted.", field="password")
    with transaction.atomic():
        locked = lock_workspace(user.pk)
        targets = PostTarget.objects.filter(post__user=locked)
        publishing = targets.filter(status=TargetStatus.PUBLISHING).count()
        if publishing:
            raise Conflict(
                f"{publishing} post{'s are' if publishing != 1 else ' is'} being published right now. Wait a "
                "minute for the platform to answer, then delete your account; nothing was deleted."
            )
        # In order: held credits first (the database refuses one pointing at no post), then the posts (a post's
        # targets hold on to their accounts), then the user with the rest. No send starts after this commits: each
        # begins under this lock and finds neither the user nor the post.
        CreditReservation.objects.filter(user=locked).delete()
        Post.objects.filter(user=locked).delete()
        files = list(MediaAsset.objects.filter(user=locked).values_list("file", flat=True))
        locked.delete()
        transaction.on_commit(lambda: _remove_files(files))


def _remove_files(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)
