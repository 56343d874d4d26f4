"""Setting, changing and stopping how a post repeats. The repeats themselves are made by `repeats`."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.platforms.models import Platform
from tidings.posts.models import IN_QUEUE, Post, PostTarget
from tidings.posts.services import get_post, require_to_edit
from tidings.recurring.models import Recurrence, Unit
from tidings.recurring.rules import Rule, next_occurrence, occurrences
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace

# Platforms that refuse a post identical to a recent one of the same account: X ("Status is a duplicate", error
# 187; https://developer.x.com/en/support/x-api/error-troubleshooting) and LinkedIn (422 "Content is a duplicate",
# https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api).
REFUSE_DUPLICATES = frozenset({Platform.X, Platform.LINKEDIN})
MOST_EVERY = {Unit.DAY: 365, Unit.WEEK: 52}


@dataclass(frozen=True)
class Series:
    """What a person asks for; the first occurrence is the post's own time."""

    every: int = 1
    unit: str = Unit.WEEK
    weekdays: tuple[int, ...] = ()
    until: date | None = None
    count: int | None = None
    rewrite: bool = False


def rule_of(recurrence: Recurrence) -> Rule:
    return Rule(
        every=recurrence.every,
        unit=recurrence.unit,
        weekdays=tuple(recurrence.weekdays or ()),
        at_time=recurrence.at_time,
        starts_on=recurrence.starts_on,
        until=recurrence.until,
    )


def get_recurrence(workspace: Workspace, post_id: int) -> Recurrence | None:
    return Recurrence.objects.filter(workspace=workspace, post_id=post_id).first()


def set_recurrence(actor: Actor, post_id: int, series: Series) -> Recurrence:
    """Make the post (which must be in the queue: its time is the series' first) repeat, or change how it does.

    Nothing is reserved here: each repeat reserves its own credit when it is scheduled, a little before its time.
    """
    post = get_post(actor.workspace, post_id)
    targets = list(post.targets.all())
    require_to_edit(actor, targets)
    existing = Recurrence.objects.filter(post=post).exists()
    if post.scheduled_at is None or not (existing or any(t.status in IN_QUEUE for t in targets)):
        raise Conflict("Schedule the post first: its time is when the series starts, and repeats follow it.")
    _check(series, targets=targets)
    zone = ZoneInfo(actor.workspace.time_zone)
    first = post.scheduled_at.astimezone(zone)
    weekdays = sorted(set(series.weekdays)) if series.unit == Unit.WEEK else []
    with transaction.atomic():
        recurrence = Recurrence.objects.select_for_update().filter(post=post).first() or Recurrence(
            workspace=actor.workspace, post=post, created_by=actor.user
        )
        if series.until is not None and series.until < first.date():
            raise InvalidInput("The series cannot end before its first post.", field="until")
        recurrence.every, recurrence.unit, recurrence.weekdays = (
            series.every,
            series.unit,
            weekdays or [first.weekday()],
        )
        recurrence.at_time, recurrence.starts_on = first.time().replace(second=0, microsecond=0), first.date()
        recurrence.until, recurrence.count, recurrence.rewrite = series.until, series.count, series.rewrite
        recurrence.created_by, recurrence.last_error = actor.user, ""
        # Repeats already made stay; the next one follows the latest of them (or the post itself).
        latest = None
        if recurrence.pk:
            latest = recurrence.repeats.order_by("-occurs_at").values_list("occurs_at", flat=True).first()
        after = max(latest or post.scheduled_at, post.scheduled_at, timezone.now())
        recurrence.next_at = _following(recurrence, after=after)
        recurrence.save()
    return recurrence


def _check(series: Series, *, targets: Iterable[PostTarget]) -> None:
    if series.unit not in MOST_EVERY:
        raise InvalidInput("Repeat every so many days or weeks.", field="unit")
    most = MOST_EVERY[Unit(series.unit)]
    if not 1 <= series.every <= most:
        raise InvalidInput(f"Repeat every 1 to {most} {Unit(series.unit).label}.", field="every")
    if any(not 0 <= day <= 6 for day in series.weekdays):
        raise InvalidInput("Weekdays are 0 (Monday) to 6 (Sunday).", field="weekdays")
    if series.count is not None and not 2 <= series.count <= 1000:
        raise InvalidInput("A series has 2 to 1,000 posts, the first included.", field="count")
    refusing = sorted({Platform(t.platform).label for t in targets if t.platform in REFUSE_DUPLICATES})
    if refusing and not series.rewrite:
        raise InvalidInput(
            f"{' and '.join(refusing)} refuse a post identical to a recent one: turn on rewording each repeat, "
            "or leave those accounts out of this post.",
            field="rewrite",
        )


def _following(recurrence: Recurrence, *, after: datetime) -> datetime | None:
    if recurrence.count is not None and recurrence.made >= recurrence.count:
        return None
    return next_occurrence(rule_of(recurrence), recurrence.workspace.time_zone, after=after)


def advance(recurrence: Recurrence, *, after: datetime) -> None:
    """Move the series on past `after`; part of the caller's transaction."""
    recurrence.next_at = _following(recurrence, after=after)
    recurrence.save(update_fields=["made", "next_at", "last_error", "updated_at"])


def stop_recurrence(actor: Actor, post_id: int) -> None:
    """The post stops repeating; repeats already scheduled are posts of their own and stay as they are."""
    post = get_post(actor.workspace, post_id)
    require_to_edit(actor, post.targets.all())
    if not Recurrence.objects.filter(workspace=actor.workspace, post=post).delete()[0]:
        raise NotFound("This post does not repeat.")


def upcoming(recurrence: Recurrence, *, n: int = 5) -> list[datetime]:
    """The next `n` times the series will post, for the page that sets it."""
    if recurrence.next_at is None:
        return []
    left = None if recurrence.count is None else recurrence.count - recurrence.made
    after = recurrence.next_at - timedelta(microseconds=1)
    times = occurrences(rule_of(recurrence), recurrence.workspace.time_zone, after=after)
    return list(islice(times, n if left is None else min(n, left)))


def series_of(posts: Iterable[Post]) -> dict[int, Recurrence]:
    """The recurrence of each of these posts that repeats (for labels on the queue)."""
    return {r.post_id: r for r in Recurrence.objects.filter(post__in=list(posts))}
