"""Actions on many posts at once. Each post goes through the same service as on its own, in its own transaction
and with its own checks, so one refusal leaves the others done; the answer says for every post what happened.
A role that may not do the action at all is refused once, for the whole request."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tidings.accounts.timezones import local_to_utc
from tidings.core.errors import Conflict, DomainError, InvalidInput
from tidings.posts.actions import RESCHEDULE, SCHEDULE
from tidings.posts.models import Post
from tidings.posts.services import delete_post, reschedule_post, schedule_post, unschedule_post
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

# A page of the queue is what a person selects from; a request naming more is refused whole.
MAX_POSTS = 200


@dataclass(frozen=True)
class Outcome:
    post_id: int
    done: bool
    # Why it was refused, as the service said it (safe to show); empty when it was done.
    reason: str = ""
    # Where a rescheduled post now waits.
    at: datetime | None = None


def reschedule_posts(
    actor: Actor, post_ids: Iterable[int], *, at: datetime | None = None, shift_days: int | None = None
) -> list[Outcome]:
    """Move each post to `at`, or `shift_days` local days from its own time (the wall-clock time kept across a
    daylight saving change). Drafts are scheduled for `at`; a draft has no time to shift from. Posts are taken
    earliest first, so where a day's limit runs out, the ones due soonest keep their places."""
    actor.require(Action.SCHEDULE)
    if (at is None) == (shift_days is None):
        raise InvalidInput("Give either a new time or a number of days to move by.", field="when")
    if shift_days == 0:
        raise InvalidInput("Move by at least one day, earlier or later.", field="days")

    def move(post: Post) -> datetime | None:
        statuses, times = _states(post)
        when = at if at is not None else _shifted(actor.workspace, times, shift_days or 0)
        if statuses & RESCHEDULE:
            return _due(reschedule_post(actor, post.pk, at=when))
        if statuses & SCHEDULE:
            return _due(schedule_post(actor, post.pk, at=when))
        raise Conflict("Nothing in this post can be rescheduled: it is published or being published.")

    return _each(actor, post_ids, move)


def unschedule_posts(actor: Actor, post_ids: Iterable[int]) -> list[Outcome]:
    """Move each post back to drafts (what waits leaves the queue and its credit comes back)."""
    actor.require(Action.SCHEDULE)

    def unschedule(post: Post) -> None:
        unschedule_post(actor, post.pk)

    return _each(actor, post_ids, unschedule)


def delete_posts(actor: Actor, post_ids: Iterable[int]) -> list[Outcome]:
    """Delete each post; one being published or whose send is unanswered is kept, and says why."""
    actor.require(Action.SCHEDULE)
    return _each(actor, post_ids, lambda post: delete_post(actor, post.pk))


def _each(actor: Actor, post_ids: Iterable[int], act: Callable[[Post], datetime | None]) -> list[Outcome]:
    wanted = list(dict.fromkeys(post_ids))
    if not wanted:
        raise InvalidInput("Select at least one post.", field="posts")
    if len(wanted) > MAX_POSTS:
        raise InvalidInput(f"Select at most {MAX_POSTS} posts at a time.", field="posts")
    posts = Post.objects.filter(workspace=actor.workspace, pk__in=wanted).prefetch_related("targets")
    found = {post.pk: post for post in posts}
    outcomes = [Outcome(pk, False, "No such post.") for pk in wanted if pk not in found]
    for post in sorted(found.values(), key=_order):
        try:
            outcomes.append(Outcome(post.pk, True, at=act(post)))
        except DomainError as refusal:
            outcomes.append(Outcome(post.pk, False, refusal.message))
    return outcomes


def _states(post: Post) -> tuple[set[str], list[datetime]]:
    targets = list(post.targets.all())
    times = [t.scheduled_at for t in targets if t.status in RESCHEDULE and t.scheduled_at is not None]
    return {t.status for t in targets}, times


def _order(post: Post) -> tuple[bool, datetime | None, int]:
    _, times = _states(post)
    first = min(times, default=post.scheduled_at)
    return first is None, first, post.pk


def _shifted(workspace: Workspace, times: list[datetime], days: int) -> datetime:
    if not times:
        raise Conflict("A draft has no time to move from; give it a time instead.")
    local = min(times).astimezone(workspace.zone).replace(tzinfo=None)
    return local_to_utc(local + timedelta(days=days), workspace.time_zone, field="days")


def _due(post: Post) -> datetime | None:
    return post.scheduled_at
