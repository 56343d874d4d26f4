"""The slot queue: posts put at a posting slot by "Add to queue" that still wait there. Shuffle and "move up"
trade their times among themselves through `reschedule_posts`, so credits and daily limits stay right."""

import logging
import random
from collections import defaultdict
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from tidings.accounts.timezones import wall_clock_to_utc
from tidings.core.errors import Conflict, NotFound
from tidings.planning.finder import Weekly, schedules_of
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.moves import reschedule_posts
from tidings.tiers.services import TierLimitReached
from tidings.usage.services import local_day
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

logger = logging.getLogger(__name__)
# Random arrangements tried before a shuffle gives up (each one refused by a daily limit is rolled back).
SHUFFLE_TRIES = 20


def queued_posts(workspace: Workspace) -> list[Post]:
    """The workspace's slot queue, soonest first: posts added to the queue whose every target still waits, at a
    time that is still one of their accounts' slots (a post moved by hand to another time has left the queue)."""
    posts = list(
        Post.objects.filter(
            workspace=workspace,
            queued_in_slot=True,
            scheduled_at__gt=timezone.now(),
            targets__status=TargetStatus.SCHEDULED,
        )
        .exclude(targets__status__in=[s for s in TargetStatus.values if s != TargetStatus.SCHEDULED])
        .distinct()
        .prefetch_related(Prefetch("targets", queryset=PostTarget.objects.select_related("account")))
        .order_by("scheduled_at", "pk")
    )
    if not posts:
        return []
    schedules = _schedules(workspace, posts)
    return [post for post in posts if _is_slot_of(workspace, schedules, post, post.scheduled_at)]


def _schedules(workspace: Workspace, posts: list[Post]) -> dict[int, Weekly]:
    return schedules_of(workspace, list({t.account_id: t.account for p in posts for t in p.targets.all()}.values()))


def _is_slot_of(workspace: Workspace, schedules: dict[int, Weekly], post: Post, at: datetime | None) -> bool:
    """Whether `at` is a slot instant of every account of the post."""
    if at is None:
        return False
    day = local_day(workspace, at)
    return all(
        any(weekday == day.weekday() and wall_clock_to_utc(day, t, workspace.time_zone) == at for weekday, t in weekly)
        for weekly in (schedules[target.account_id] for target in post.targets.all())
    )


def _fits(workspace: Workspace, posts: list[Post], times: list[datetime]) -> bool:
    """Each post on a slot of its accounts, and no account twice at one instant."""
    schedules = _schedules(workspace, posts)
    held: dict[int, set[datetime]] = defaultdict(set)
    for post, at in zip(posts, times, strict=True):
        if not _is_slot_of(workspace, schedules, post, at):
            return False
        for target in post.targets.all():
            if at in held[target.account_id]:
                return False
            held[target.account_id].add(at)
    return True


def shuffle_queue(actor: Actor, *, rng: random.Random | None = None) -> int:
    """Deal the queue's times out again at random, every post still on one of its slots and every limit kept.
    Returns how many posts changed time; refused when the queue has fewer than two posts or no other
    arrangement fits."""
    actor.require(Action.SCHEDULE)
    rng = rng or random.SystemRandom()
    posts = queued_posts(actor.workspace)
    if len(posts) < 2:
        raise Conflict("The queue needs at least two posts to shuffle.")
    times = [p.scheduled_at for p in posts if p.scheduled_at]
    for _ in range(SHUFFLE_TRIES):
        dealt = rng.sample(times, len(times))
        if dealt == times or not _fits(actor.workspace, posts, dealt):
            continue
        moves = {p.pk: at for p, at in zip(posts, dealt, strict=True) if at != p.scheduled_at}
        try:
            reschedule_posts(actor, moves)
        except TierLimitReached:
            continue
        logger.info("slots.shuffled workspace=%s moved=%s", actor.workspace.pk, len(moves))
        return len(moves)
    raise Conflict("No other order fits these posts' slots and daily limits, so the queue stays as it is.")


def move_up(actor: Actor, post_id: int) -> Post:
    """Swap the post's time with the one before it in the queue."""
    actor.require(Action.SCHEDULE)
    posts = queued_posts(actor.workspace)
    index = next((i for i, p in enumerate(posts) if p.pk == post_id), None)
    if index is None:
        raise NotFound("This post is not in the slot queue.")
    if index == 0:
        raise Conflict("This post is first in the queue already.")
    before, post = posts[index - 1], posts[index]
    assert before.scheduled_at
    assert post.scheduled_at
    if not _fits(actor.workspace, [post, before], [before.scheduled_at, post.scheduled_at]):
        raise Conflict("The post before this one is on a slot its accounts do not share, so they cannot swap.")
    reschedule_posts(actor, {post.pk: before.scheduled_at, before.pk: post.scheduled_at})
    post.refresh_from_db()
    return post
