"""Analytics shapes: a post's counts per account with their history, an account's totals and counts per day, and
the best times to post. A count is null where the platform does not give it to this app, never 0."""

from datetime import date, datetime

from ninja import Field, Schema

from tidings.analytics.best_times import BestTimes
from tidings.analytics.fetchers.base import COUNT_NAMES
from tidings.analytics.models import MetricsSample
from tidings.analytics.selectors import Series, counts_of, engagement
from tidings.api.schemas import MAX_ID
from tidings.posts.models import PostTarget


class CountsOut(Schema):
    """Null: the platform gives this count to no app, or not with the access this account granted."""

    likes: int | None
    reposts: int | None = Field(description="Reposts, shares, reblogs or saves.")
    replies: int | None = Field(description="Replies or comments.")
    quotes: int | None
    views: int | None = Field(description="Views, impressions or plays, as the platform counts them.")
    clicks: int | None


class SampleOut(Schema):
    fetched_at: datetime
    counts: CountsOut

    @classmethod
    def of(cls, sample: MetricsSample) -> "SampleOut":
        return cls(fetched_at=sample.fetched_at, counts=CountsOut(**{n: getattr(sample, n) for n in COUNT_NAMES}))


class TargetMetricsOut(Schema):
    target_id: int
    account_id: int
    platform: str
    status: str
    published_at: datetime | None
    counts: CountsOut = Field(description="The latest counts; all null before the first read.")
    engagement: int | None = Field(description="Likes, reposts, replies, quotes and clicks added up (no views).")
    fetched_at: datetime | None
    next_fetch_at: datetime | None = Field(description="Null once the post is no longer followed (after 30 days).")
    unavailable_reason: str = Field(description="Why some or all counts are missing.")
    last_error: str = Field(description="The last read that failed, in the platform's words.")
    history: list[SampleOut] = Field(description="Every reading, oldest first.")

    @classmethod
    def of(cls, target: PostTarget, history: list[MetricsSample]) -> "TargetMetricsOut":
        metrics = getattr(target, "metrics", None)
        return cls(
            target_id=target.pk,
            account_id=target.account_id,
            platform=target.platform,
            status=target.status,
            published_at=target.published_at,
            counts=CountsOut(**counts_of(target)),
            engagement=engagement(target),
            fetched_at=metrics.fetched_at if metrics else None,
            next_fetch_at=metrics.next_fetch_at if metrics else None,
            unavailable_reason=metrics.unavailable_reason if metrics else "",
            last_error=metrics.last_error if metrics else "",
            history=[SampleOut.of(sample) for sample in history],
        )


class PostMetricsOut(Schema):
    items: list[TargetMetricsOut]


class DayOut(Schema):
    day: date = Field(description="A local day (the workspace's time zone) on which posts were published.")
    posts: int
    counts: CountsOut = Field(description="The latest counts of that day's posts added up.")


class AccountMetricsOut(Schema):
    account_id: int
    platform: str
    days: int
    published: int = Field(description="Posts published in these days.")
    totals: CountsOut
    series: list[DayOut]
    unavailable_reasons: list[str] = Field(description="What the platform said about the counts it does not give.")

    @classmethod
    def of(cls, account_id: int, platform: str, series: Series, reasons: list[str]) -> "AccountMetricsOut":
        return cls(
            account_id=account_id,
            platform=platform,
            days=len(series.days),
            published=series.published,
            totals=CountsOut(**series.totals),
            series=[
                DayOut(day=day, posts=series.posts[n], counts=CountsOut(**{k: v[n] for k, v in series.counts.items()}))
                for n, day in enumerate(series.days)
            ],
            unavailable_reasons=reasons,
        )


class MetricsQuery(Schema):
    days: int = Field(30, ge=1, le=90, description="How many local days back, today included.")


class TimeSuggestionOut(Schema):
    weekday: int = Field(description="0 = Monday, in the workspace's time zone.")
    hour: int = Field(description="0-23, local.")
    score: float = Field(description="Mean engagement per post then, or that hour's share of posts without counts.")
    posts: int


class BestTimesOut(Schema):
    suggestions: list[TimeSuggestionOut]
    based_on: int = Field(description="Published posts considered (last 90 days).")
    engagement: bool = Field(description="True when engagement counts ranked the hours.")
    reason: str = Field(description="Why there are no suggestions, when there are none.")

    @classmethod
    def of(cls, times: BestTimes) -> "BestTimesOut":
        return cls(
            suggestions=[TimeSuggestionOut(**vars(s)) for s in times.suggestions],
            based_on=times.based_on,
            engagement=times.engagement,
            reason=times.reason,
        )


class BestTimesQuery(Schema):
    account_id: int | None = Field(None, ge=1, le=MAX_ID, description="Only this account's posts.")
    limit: int = Field(5, ge=1, le=168)
