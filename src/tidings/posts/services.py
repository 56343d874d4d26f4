"""Drafts, scheduling and taking posts out of the queue. Scheduling holds a queue place and one credit per target."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tidings.accounts.models import User
from tidings.core.errors import Conflict, DomainError, InvalidInput, NotFound
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.services import lock_user, release_reservation, reserve_credits
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.posts.models import IN_QUEUE, Post, PostTarget, TargetStatus
from tidings.posts.publishing import content_problems
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
            problems = [f"{t.account}: {problem}" for t in targets for problem in content_problems(t)]
            if problems:
                raise InvalidInput(" ".join(problems), field="text")
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


def post_status(statuses: Iterable[str]) -> str:
    """A post's own status, from its targets' (one failed target does not hide the others' success):
    one shared status as it is; otherwise the most active one, or `partially_published` when some went out."""
    found = set(statuses)
    if not found:
        return TargetStatus.DRAFT
    if len(found) == 1:
        return found.pop()
    for active in (TargetStatus.PUBLISHING, TargetStatus.QUEUED, TargetStatus.SCHEDULED, TargetStatus.DRAFT):
        if active in found:
            return TargetStatus.PUBLISHING if active == TargetStatus.QUEUED else active
    if TargetStatus.PUBLISHED in found:
        return "partially_published"
    for ended in (TargetStatus.UNCONFIRMED, TargetStatus.FAILED, TargetStatus.SKIPPED):
        if ended in found:
            return ended
    return TargetStatus.CANCELLED


def list_posts(
    user: User,
    *,
    status: str | None = None,
    platform: str | None = None,
    scheduled_after: datetime | None = None,
    scheduled_before: datetime | None = None,
    search: str = "",
) -> QuerySet[Post]:
    """The user's posts, newest first. `status` and `platform` match posts with at least one such target;
    the time bounds are inclusive; `search` looks in the text and the link."""
    posts = Post.objects.filter(user=user)
    if status:
        posts = posts.filter(targets__status=status)
    if platform:
        posts = posts.filter(targets__platform=platform)
    if scheduled_after is not None:
        posts = posts.filter(scheduled_at__gte=scheduled_after)
    if scheduled_before is not None:
        posts = posts.filter(scheduled_at__lte=scheduled_before)
    if search.strip():
        posts = posts.filter(Q(text__icontains=search.strip()) | Q(link__icontains=search.strip()))
    return posts.distinct().prefetch_related("targets")


def _check_link(link: str) -> str:
    link = link.strip()
    if link:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            raise InvalidInput("The link must be a full http:// or https:// address.", field="link") from None
    return link


def update_post(
    user: User,
    post_id: int,
    *,
    text: str | None = None,
    link: str | None = None,
    account_ids: Iterable[int] | None = None,
) -> Post:
    """Edit a draft or a scheduled post; None leaves a field as it is.

    A scheduled post stays scheduled: an added account's target is scheduled with it and reserves a credit, a
    removed one's credit is released. Posts with anything queued, being published or finished are not editable.
    A refusal (not enough credits, an account needing reconnect) changes nothing.
    """
    post = get_post(user, post_id)
    link = None if link is None else _check_link(link)
    wanted = None if account_ids is None else set(account_ids)
    with transaction.atomic():
        locked_user = lock_user(user.pk)
        post = Post.objects.select_for_update().get(pk=post.pk)
        targets = list(post.targets.select_related("account"))
        if any(t.status not in (TargetStatus.DRAFT, TargetStatus.SCHEDULED) for t in targets):
            raise Conflict("Only drafts and scheduled posts can be edited; this one is being or has been published.")
        if text is not None:
            post.text = text
        if link is not None:
            post.link = link
        post.save(update_fields=["text", "link", "updated_at"])
        if wanted is not None:
            _retarget(locked_user, post, targets, wanted)
    post.refresh_from_db()
    return post


def _retarget(user: User, post: Post, targets: list[PostTarget], wanted: set[int]) -> None:
    accounts = list(SocialAccount.objects.filter(user=user, pk__in=wanted).exclude(status=AccountStatus.DISCONNECTED))
    if len(accounts) != len(wanted):
        raise InvalidInput("One of the chosen accounts is not connected to your profile.", field="account_ids")
    scheduled = any(t.status == TargetStatus.SCHEDULED for t in targets)
    if scheduled and not wanted:
        raise InvalidInput("A scheduled post needs at least one account; unschedule it first.", field="account_ids")
    for target in targets:
        if target.account_id not in wanted:
            pending = CreditReservation.objects.filter(target=target, status=ReservationStatus.PENDING)
            for reservation_id in pending.values_list("pk", flat=True):
                release_reservation(reservation_id, reason="Account removed from the post")
            target.delete()
    have = {t.account_id for t in targets}
    for account in accounts:
        if account.pk in have:
            continue
        if scheduled and account.status != AccountStatus.ACTIVE:
            raise Conflict(f"Reconnect {account} before scheduling to it.")
        target = PostTarget.objects.create(
            post=post,
            account=account,
            platform=account.platform,
            status=TargetStatus.SCHEDULED if scheduled else TargetStatus.DRAFT,
            scheduled_at=post.scheduled_at if scheduled else None,
        )
        if scheduled:
            reserve_credits(user, target=target)
