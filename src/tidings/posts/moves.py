"""Rescheduling several waiting posts at once (the queue's shuffle and "move up"): every post gets its new time in
one transaction, and the daily limits are checked on the arrangement they end in, not on each step of the way
(swapping two posts on full days would otherwise be refused half-way)."""

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from tidings.core.errors import Conflict, NotFound
from tidings.credits.services import lock_workspace, refresh_reservations
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import check_schedule_time, check_targets_can_go_out
from tidings.tiers.checks import can_plan_post
from tidings.tiers.services import TierLimitReached
from tidings.usage.services import local_day
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action


def reschedule_posts(actor: Actor, moves: Mapping[int, datetime]) -> None:
    """Give each post in `moves` (post id to UTC time) its new time. Every post must be the workspace's and wait in
    the queue (scheduled, nothing of it sent); a refusal changes none of them. Credits reserved before the last
    renewal are reserved again from this cycle, as `reschedule_post` does."""
    actor.require(Action.SCHEDULE)
    for at in moves.values():
        check_schedule_time(at)
    with transaction.atomic():
        locked = lock_workspace(actor.workspace.pk)
        posts = list(Post.objects.filter(workspace=locked, pk__in=list(moves)))
        if len(posts) != len(moves):
            raise NotFound("No such post.")
        targets = list(PostTarget.objects.select_related("account", "post").filter(post__in=posts))
        if any(t.status != TargetStatus.SCHEDULED for t in targets):
            raise Conflict("Only posts waiting in the queue can be moved together; one of them has changed.")
        moving = [t.pk for t in targets]
        by_post: dict[int, list[PostTarget]] = defaultdict(list)
        for target in targets:
            by_post[target.post_id].append(target)
        for post_id, own in by_post.items():
            check_targets_can_go_out(locked, own, at=moves[post_id], excluding=moving)
        landing: Counter[tuple[str, date]] = Counter()
        when: dict[tuple[str, date], datetime] = {}
        for target in targets:
            key = (target.platform, local_day(locked, moves[target.post_id]))
            landing[key] += 1
            when[key] = moves[target.post_id]
        for (platform, day), adding in landing.items():
            decision = can_plan_post(locked, platform=platform, at=when[platform, day], adding=adding, excluding=moving)
            if not decision.allowed:
                raise TierLimitReached(decision)
        refresh_reservations(locked, target_ids=moving)
        now = timezone.now()
        for post_id, at in moves.items():
            PostTarget.objects.filter(post_id=post_id, status=TargetStatus.SCHEDULED).update(
                scheduled_at=at, updated_at=now
            )
            Post.objects.filter(pk=post_id).update(scheduled_at=at, draft_reason="", updated_at=now)
