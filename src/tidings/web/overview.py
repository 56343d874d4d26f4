"""What the dashboard counts, read from the current state: what goes out next and posts per day and platform
(what needs attention is `attention`'s).

Each read is one bounded query, whatever the number of posts.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet, Sum

from tidings.posts.models import IN_QUEUE, PostTarget, TargetStatus
from tidings.tiers.checks import local_day_start
from tidings.tiers.checks import posts_per_day as counted_per_day
from tidings.tiers.plans import Limit
from tidings.usage.models import DailyUsage, Metric
from tidings.usage.services import local_day
from tidings.workspaces.models import Workspace

# Posts per day: this many days back (today included) and ahead.
DAYS_BACK, DAYS_AHEAD = 14, 7
NEXT_UP = 6


@dataclass(frozen=True)
class PlatformToday:
    platform: str
    used: int
    limit: int | None


def posts_today(workspace: Workspace, platforms: list[str]) -> list[PlatformToday]:
    """Today's posts per platform as scheduling counts them (published and planned), so the numbers shown are the
    ones a refusal would quote; today alone, where a refusal also looks ahead for the next day with room."""
    today = local_day(workspace)
    limit = workspace.limits[Limit.POSTS_PER_PLATFORM_PER_DAY]
    return [
        PlatformToday(platform, counted_per_day(workspace, platform=platform, first_day=today, days=1)[today], limit)
        for platform in platforms
    ]


def next_up(workspace: Workspace) -> QuerySet[PostTarget]:
    """The next targets due to go out, soonest first."""
    return (
        PostTarget.objects.filter(post__workspace=workspace, status__in=IN_QUEUE)
        .select_related("account", "post")
        .order_by("scheduled_at", "pk")[:NEXT_UP]
    )


def posts_per_day(workspace: Workspace) -> dict[str, object]:
    """Per local day, from DAYS_BACK - 1 days ago to DAYS_AHEAD days ahead: published (the day's usage counters, the
    numbers limits are checked against), scheduled (waiting to go out) and did not go out (failed or skipped)."""
    today = local_day(workspace)
    first = today - timedelta(days=DAYS_BACK - 1)
    days = [first + timedelta(days=n) for n in range(DAYS_BACK + DAYS_AHEAD)]
    end = local_day_start(workspace, days[-1] + timedelta(days=1))
    published = dict(
        DailyUsage.objects.filter(workspace=workspace, metric=Metric.POSTS, day__gte=first, day__lte=today)
        .values("day")
        .annotate(total=Sum("count"))
        .values_list("day", "total")
    )
    window = PostTarget.objects.filter(
        post__workspace=workspace, scheduled_at__gte=local_day_start(workspace, first), scheduled_at__lt=end
    )
    scheduled = _by_day(workspace, window.filter(status__in=IN_QUEUE))
    missed = _by_day(workspace, window.filter(status__in=(TargetStatus.FAILED, TargetStatus.SKIPPED)))
    past, ahead = slice(0, DAYS_BACK), slice(DAYS_BACK - 1, None)
    counts = {
        "published": [int(published.get(day, 0)) for day in days],
        "scheduled": [scheduled[day] for day in days],
        "missed": [missed[day] for day in days],
    }
    return {
        "labels": [f"{day:%a %-d %b}" for day in days],
        "days": [day.isoformat() for day in days],
        "today": today.isoformat(),
        **counts,
        "published_total": sum(counts["published"][past]),
        "missed_total": sum(counts["missed"][past]),
        "scheduled_total": sum(counts["scheduled"][ahead]),
    }


def _by_day(workspace: Workspace, targets: QuerySet[PostTarget]) -> Counter[date]:
    times = targets.values_list("scheduled_at", flat=True)
    return Counter(local_day(workspace, at) for at in times if at is not None)
