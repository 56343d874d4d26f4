"""The reads the analytics pages, the CSV and the API share: a workspace's (or one account's) published posts with
their latest counts, the top ones, and the counts per day of publishing. A count a platform does not give stays
None all the way to the page, which says so instead of showing 0."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tidings.analytics.engagement import ENGAGEMENT_NAMES, engagement_of
from tidings.analytics.fetchers.base import COUNT_NAMES
from tidings.analytics.models import MetricsSample
from tidings.platforms.models import SocialAccount
from tidings.posts.models import PostTarget, TargetStatus
from tidings.tiers.checks import local_day_start
from tidings.usage.services import local_day
from tidings.workspaces.models import Workspace

SERIES_DAYS = 30


def published_targets(workspace: Workspace, *, account: SocialAccount | None = None) -> QuerySet[PostTarget]:
    """The workspace's published posts (one per account), newest first, with their counts and account."""
    targets = PostTarget.objects.filter(post__workspace=workspace, status=TargetStatus.PUBLISHED)
    if account is not None:
        targets = targets.filter(account_id=account.pk)
    return targets.select_related("account", "post", "metrics").order_by("-published_at", "-pk")


def counts_of(target: PostTarget) -> dict[str, int | None]:
    """The target's latest counts by name; all None before its first read."""
    metrics = getattr(target, "metrics", None)
    return {name: getattr(metrics, name, None) if metrics else None for name in COUNT_NAMES}


def engagement(target: PostTarget) -> int | None:
    counts = counts_of(target)
    return engagement_of([counts[name] for name in ENGAGEMENT_NAMES])


def top_posts(workspace: Workspace, *, account: SocialAccount | None = None, limit: int = 10) -> list[PostTarget]:
    """The published posts with the most engagement, among those whose platform gave any."""
    known = Q()
    for name in ENGAGEMENT_NAMES:
        known |= Q(**{f"metrics__{name}__isnull": False})
    total = sum((Coalesce(F(f"metrics__{name}"), Value(0)) for name in ENGAGEMENT_NAMES), Value(0))
    return list(
        published_targets(workspace, account=account)
        .filter(known)
        .annotate(engagement_total=total)
        .order_by("-engagement_total", "-published_at", "-pk")[:limit]
    )


def unavailable(workspace: Workspace, *, account: SocialAccount | None = None) -> list[tuple[SocialAccount, str]]:
    """Each account whose platform does not give this app some or all counts, with the reason it gave."""
    rows = (
        published_targets(workspace, account=account)
        .exclude(metrics__unavailable_reason="")
        .filter(metrics__isnull=False)
        .values_list("account_id", "metrics__unavailable_reason")
        .distinct()
    )
    accounts = {a.pk: a for a in SocialAccount.objects.filter(workspace=workspace)}
    return [(accounts[account_id], reason) for account_id, reason in sorted(set(rows))]


@dataclass(frozen=True)
class Series:
    """Per local day of publishing: the posts published that day and the sum of their latest counts (None on a
    day none of them has that count); `totals` add up every day's."""

    days: list[date]
    posts: list[int]
    counts: dict[str, list[int | None]]
    totals: dict[str, int | None]

    @property
    def published(self) -> int:
        return sum(self.posts)


def daily_series(
    workspace: Workspace, *, account: SocialAccount | None = None, days: int = SERIES_DAYS, now: datetime | None = None
) -> Series:
    today = local_day(workspace, now or timezone.now())
    first = today - timedelta(days=days - 1)
    span = [first + timedelta(days=n) for n in range(days)]
    index = {day: n for n, day in enumerate(span)}
    posts = [0] * days
    counts: dict[str, list[int | None]] = {name: [None] * days for name in COUNT_NAMES}
    targets = published_targets(workspace, account=account).filter(
        published_at__gte=local_day_start(workspace, first),
        published_at__lt=local_day_start(workspace, today + timedelta(days=1)),
    )
    rows = targets.values_list("published_at", *(f"metrics__{name}" for name in COUNT_NAMES))
    for published_at, *values in rows:
        n = index[local_day(workspace, published_at)]
        posts[n] += 1
        for name, value in zip(COUNT_NAMES, values, strict=True):
            if value is not None:
                counts[name][n] = (counts[name][n] or 0) + value
    totals = {
        name: None if all(v is None for v in series) else sum(v or 0 for v in series) for name, series in counts.items()
    }
    return Series(span, posts, counts, totals)


def history(target: PostTarget) -> QuerySet[MetricsSample]:
    """Every reading of one target, oldest first."""
    return MetricsSample.objects.filter(target=target).order_by("fetched_at", "pk")
