"""Sending a target again after it failed, was skipped, or ended unconfirmed: a new dispatch round, due now.

The new round runs under its own workflow id (`publish-<id>-<round>`), so it is a new run rather than a replay of
the finished one, while a re-drive of the same round still cannot run twice. The target keeps its idempotency key:
a platform that deduplicates by key answers a resend of an unconfirmed post with the post it already has.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tidings.accounts.models import User
from tidings.core.errors import Conflict, DomainError, InvalidInput, NotFound
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.services import lock_user, reserve_credits
from tidings.platforms.models import AccountStatus
from tidings.platforms.registry import connector_for
from tidings.posts.models import IN_QUEUE, PostTarget, TargetStatus
from tidings.tiers.checks import can_post, can_schedule
from tidings.tiers.services import TierLimitReached, refuse

RETRYABLE = (TargetStatus.FAILED, TargetStatus.SKIPPED, TargetStatus.UNCONFIRMED)


def retry_target(user: User, target_id: int, *, at: datetime | None = None) -> PostTarget:
    """Put one of the user's failed, skipped or unconfirmed targets back in the queue, due at `at` (default now).

    The plan's queue and daily post limits and the credit balance are checked as for scheduling, and a credit is
    reserved again (an unconfirmed target still holds its own). A refusal changes nothing but the target's error,
    which then starts with why the retry was refused; the earlier reason is kept after it.
    """
    if at is not None and at <= timezone.now():
        raise InvalidInput("The scheduled time is in the past; pick a time from now on.", field="scheduled_at")
    target = _get_target(user, target_id)
    try:
        with transaction.atomic():
            locked = lock_user(user.pk)
            target = PostTarget.objects.select_related("account", "post").select_for_update().get(pk=target.pk)
            _check(locked, target)
            holds_credit = CreditReservation.objects.filter(
                target_id=target.pk, status=ReservationStatus.PENDING
            ).exists()
            if not holds_credit:
                reserve_credits(locked, target=target)
            now = timezone.now()
            moved = PostTarget.objects.filter(pk=target.pk, status__in=RETRYABLE).update(
                status=TargetStatus.SCHEDULED,
                scheduled_at=at or now,
                dispatch_round=F("dispatch_round") + 1,
                error="",
                sending_since=None,
                locked_until=None,
                updated_at=now,
            )
            if not moved:
                raise Conflict("This post changed while it was being retried; look at it again.")
    except DomainError as refusal:
        _record_refusal(target, refusal.message)
        if isinstance(refusal, TierLimitReached):
            refuse(user, refusal.decision)
        raise
    target.refresh_from_db()
    return target


def _get_target(user: User, target_id: int) -> PostTarget:
    try:
        return PostTarget.objects.get(pk=target_id, post__user=user)
    except PostTarget.DoesNotExist:
        raise NotFound("No such post target.") from None


def _check(user: User, target: PostTarget) -> None:
    if target.status not in RETRYABLE:
        raise Conflict(
            f"Only failed, skipped or unconfirmed posts can be sent again; this one is {target.get_status_display()}."
        )
    if target.account.status != AccountStatus.ACTIVE:
        raise Conflict(f"Reconnect {target.account} before sending to it again.")
    if connector_for(target.platform) is None:
        raise Conflict(f"Publishing to {target.platform} is not available on this server.")
    already_queued = PostTarget.objects.filter(post_id=target.post_id, status__in=IN_QUEUE).exists()
    for decision in (can_schedule(user, adding=0 if already_queued else 1), can_post(user, platform=target.platform)):
        if not decision.allowed:
            raise TierLimitReached(decision)


def _record_refusal(target: PostTarget, reason: str) -> None:
    """Keep the target as it was, with the refusal in front of the reason it ended."""
    previous = PostTarget.objects.filter(pk=target.pk).values_list("error", flat=True).first() or ""
    if previous.startswith("Retry refused: "):
        previous = previous.split("\n", 1)[1] if "\n" in previous else ""
    text = f"Retry refused: {reason}" + (f"\n{previous}" if previous else "")
    PostTarget.objects.filter(pk=target.pk, status__in=RETRYABLE).update(error=text)
