"""Drafts, scheduling and taking posts out of the queue. Scheduling holds a queue place and one credit per target."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.core.errors import Conflict, DomainError, InvalidInput, NotFound
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.services import lock_user, release_reservation, reserve_credits
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.posts.models import IN_QUEUE, Post, PostTarget, TargetStatus
from tidings.tiers.checks import can_schedule
from tidings.tiers.services import TierLimitReached, refuse


def create_post(user: User, *, text: str, account_ids: Iterable[int], link: str = "") -> Post:
    """A draft with one target per chosen account; the accounts must be the user's own."""
    wanted = set(account_ids)
    accounts = list(SocialAccount.objects.filter(user=user, pk__in=wanted).exclude(status=AccountStatus.DISCONNECTED))
    if len(accounts) != len(wanted):
        raise InvalidInput("One of the chosen accounts is not connected to your profile.", field="account_ids")
    with transaction.atomic():
        post = Post.objects.create(user=user, text=text, link=link)
        PostTarget.objects.bulk_create(PostTarget(post=post, account=a, platform=a.platform) for a in accounts)
    return post


def get_post(user: User, post_id: int) -> Post:
    """The user's own post; another user's post is as absent as a missing one."""
    try:
        return Post.objects.get(pk=post_id, user=user)
    except Post.DoesNotExist:
        raise NotFound("No such post.") from None


def schedule_post(user: User, post_id: int, *, at: datetime) -> Post:
    """Put a draft in the queue for `at` (UTC), reserving a credit per target.

    A refusal (time in the past, queue full, not enough credits, account needing reconnect) leaves the post a
    draft, records the reason on it, and raises; nothing is reserved.
    """
    post = get_post(user, post_id)
    try:
        if at <= timezone.now():
            raise InvalidInput("The scheduled time is in the past; pick a time from now on.", field="scheduled_at")
        with transaction.atomic():
            locked_user = lock_user(user.pk)
            post = Post.objects.select_for_update().get(pk=post.pk)
            targets = list(post.targets.select_related("account").filter(status=TargetStatus.DRAFT))
            if not targets:
                raise Conflict("This post has no draft targets to schedule; choose at least one account.")
            needing_reconnect = [t.account for t in targets if t.account.status != AccountStatus.ACTIVE]
            if needing_reconnect:
                raise Conflict(f"Reconnect {needing_reconnect[0]} before scheduling to it.")
            already_queued = post.targets.filter(status__in=IN_QUEUE).exists()
            decision = can_schedule(locked_user, adding=0 if already_queued else 1)
            if not decision.allowed:
                raise TierLimitReached(decision)
            for target in targets:
                reserve_credits(locked_user, target=target)
            PostTarget.objects.filter(pk__in=[t.pk for t in targets]).update(
                status=TargetStatus.SCHEDULED, scheduled_at=at
            )
            post.scheduled_at = at
            post.draft_reason = ""
            post.save(update_fields=["scheduled_at", "draft_reason", "updated_at"])
    except DomainError as refusal:
        Post.objects.filter(pk=post.pk).update(draft_reason=refusal.message[:500])
        if isinstance(refusal, TierLimitReached):
            refuse(user, refusal.decision)
        raise
    return post


def reschedule_post(user: User, post_id: int, *, at: datetime) -> Post:
    """Move the post's waiting targets to a new time; targets already being published keep their course."""
    if at <= timezone.now():
        raise InvalidInput("The new time is in the past; pick a time from now on.", field="scheduled_at")
    post = get_post(user, post_id)
    with transaction.atomic():
        moved = PostTarget.objects.filter(post=post, status=TargetStatus.SCHEDULED).update(scheduled_at=at)
        if not moved:
            raise Conflict("Nothing in this post is waiting to be published, so there is nothing to reschedule.")
        Post.objects.filter(pk=post.pk).update(scheduled_at=at, updated_at=timezone.now())
    post.refresh_from_db()
    return post


def _take_out_of_queue(user: User, post_id: int, *, to: TargetStatus, statuses: tuple[str, ...], reason: str) -> int:
    """Move the post's targets in `statuses` to `to` and release their credits; returns targets moved."""
    post = get_post(user, post_id)
    with transaction.atomic():
        lock_user(user.pk)
        target_ids = list(post.targets.filter(status__in=statuses).values_list("pk", flat=True))
        moved = PostTarget.objects.filter(pk__in=target_ids, status__in=statuses).update(status=to)
        pending = CreditReservation.objects.filter(target_id__in=target_ids, status=ReservationStatus.PENDING)
        for reservation_id in pending.values_list("pk", flat=True):
            release_reservation(reservation_id, reason=reason)
        if to == TargetStatus.DRAFT:
            Post.objects.filter(pk=post.pk).update(scheduled_at=None, updated_at=timezone.now())
    return moved


def unschedule_post(user: User, post_id: int) -> int:
    """Back to a draft: waiting targets leave the queue and their credits are released."""
    return _take_out_of_queue(
        user, post_id, to=TargetStatus.DRAFT, statuses=(TargetStatus.SCHEDULED,), reason="Moved back to draft"
    )


def cancel_post(user: User, post_id: int) -> int:
    """Cancel what has not gone out yet and release its credits."""
    moved = _take_out_of_queue(
        user,
        post_id,
        to=TargetStatus.CANCELLED,
        statuses=(TargetStatus.DRAFT, TargetStatus.SCHEDULED, TargetStatus.QUEUED),
        reason="Cancelled by the user",
    )
    if not moved:
        raise Conflict("Nothing in this post can be cancelled: it is published, being published, or ended.")
    return moved


def delete_post(user: User, post_id: int) -> None:
    """Delete a post that is not being published right now, releasing any credits it holds."""
    post = get_post(user, post_id)
    if post.targets.filter(status=TargetStatus.PUBLISHING).exists():
        raise Conflict("This post is being published right now; wait for it to finish, then delete it.")
    _take_out_of_queue(
        user,
        post_id,
        to=TargetStatus.CANCELLED,
        statuses=(TargetStatus.SCHEDULED, TargetStatus.QUEUED),
        reason="Post deleted",
    )
    post.delete()
