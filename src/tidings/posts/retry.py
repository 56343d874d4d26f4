"""Sending a target again after it failed or was skipped: a new dispatch round, due now or at a chosen time.

The new round runs under its own workflow id (`publish-<id>-<round>`), so it is a new run rather than a replay of
the finished one, while a re-drive of the same round still cannot run twice. The target keeps its idempotency key.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tidings.core.errors import Conflict, DomainError, NotFound
from tidings.credits.services import lock_workspace
from tidings.platforms.registry import connector_for
from tidings.posts.actions import RETRY
from tidings.posts.lifecycle import move_targets
from tidings.posts.models import IN_QUEUE, PostTarget, TargetStatus
from tidings.posts.services import check_schedule_time, check_targets_can_go_out
from tidings.tiers.checks import can_schedule
from tidings.tiers.services import TierLimitReached, refuse
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

RETRYABLE = tuple(sorted(RETRY))


def retry_target(actor: Actor, target_id: int, *, at: datetime | None = None) -> PostTarget:
    """Put one of the workspace's failed or skipped targets back in the queue, due at `at` (default now).

    The plan's queue limit, the daily post limit of the day it is due and the credit balance are checked as for
    scheduling, and a credit is reserved again. An unconfirmed target is not sent again until its last send is
    resolved (it went out, or it did not), so nothing goes out twice. A refusal changes nothing but the target's
    error, which then starts with why the retry was refused; the earlier reason is kept after it.
    """
    actor.require(Action.SCHEDULE)
    if at is not None:
        check_schedule_time(at)
    target = _get_target(actor.workspace, target_id)
    try:
        with transaction.atomic():
            locked = lock_workspace(actor.workspace.pk)
            target = PostTarget.objects.select_related("account", "post").get(pk=target.pk)
            now = timezone.now()
            _check(locked, target, at=at or now)
            moved = move_targets(
                locked,
                [target.pk],
                to=TargetStatus.SCHEDULED,
                only_from=RETRYABLE,
                scheduled_at=at or now,
                dispatch_round=F("dispatch_round") + 1,
                error="",
                sending_since=None,
                locked_until=None,
                progress={},
                updated_at=now,
            )
            if not moved:
                raise Conflict("This post changed while it was being retried; look at it again.")
    except DomainError as refusal:
        _record_refusal(target, refusal.message)
        if isinstance(refusal, TierLimitReached):
            refuse(actor.workspace, refusal.decision, by=actor.user)
        raise
    target.refresh_from_db()
    return target


def _get_target(workspace: Workspace, target_id: int) -> PostTarget:
    try:
        return PostTarget.objects.get(pk=target_id, post__workspace=workspace)
    except PostTarget.DoesNotExist:
        raise NotFound("No such post target.") from None


def _check(workspace: Workspace, target: PostTarget, *, at: datetime) -> None:
    if target.status == TargetStatus.UNCONFIRMED:
        raise Conflict(
            "This post may already have gone out. Check the account, then mark whether it went out; "
            "if it did not, you can send it again."
        )
    if target.status not in RETRYABLE:
        raise Conflict(f"Only failed or skipped posts can be sent again; this one is {target.get_status_display()}.")
    if connector_for(target.platform) is None:
        raise Conflict(f"Publishing to {target.platform} is not available on this server.")
    check_targets_can_go_out(workspace, [target], at=at)
    already_queued = PostTarget.objects.filter(post_id=target.post_id, status__in=IN_QUEUE).exists()
    decision = can_schedule(workspace, adding=0 if already_queued else 1)
    if not decision.allowed:
        raise TierLimitReached(decision)


def _record_refusal(target: PostTarget, reason: str) -> None:
    """Keep the target as it was, with the refusal in front of the reason it ended."""
    previous = PostTarget.objects.filter(pk=target.pk).values_list("error", flat=True).first() or ""
    if previous.startswith("Retry refused: "):
        previous = previous.split("\n", 1)[1] if "\n" in previous else ""
    text = f"Retry refused: {reason}" + (f"\n{previous}" if previous else "")
    PostTarget.objects.filter(pk=target.pk, status__in=(*RETRYABLE, TargetStatus.UNCONFIRMED)).update(error=text)
