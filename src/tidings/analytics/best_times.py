"""When this workspace's posts do best: the weekday and local hour of its own published posts over the last 90 days,
ranked by the engagement they got where the platforms gave counts, else by how often the workspace posts then.

Only the workspace's own history counts; with too little of it there are no suggestions and a reason, never a
guess. A "published post" is one post on one account (a target), as the platforms count it.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from tidings.analytics.engagement import ENGAGEMENT_NAMES, engagement_of
from tidings.platforms.models import SocialAccount
from tidings.posts.models import PostTarget, TargetStatus
from tidings.workspaces.models import Workspace

HISTORY = timedelta(days=90)
# Fewer posts than this say more about chance than about the audience.
MIN_POSTS = 10


@dataclass(frozen=True)
class TimeSuggestion:
    weekday: int  # 0 = Monday, in the workspace's time zone
    hour: int  # 0-23 local
    score: float  # mean engagement per post in that hour (or posts share when no engagement is known)
    posts: int  # how many published posts the suggestion rests on


@dataclass(frozen=True)
class BestTimes:
    suggestions: list[TimeSuggestion]
    based_on: int  # published posts considered
    engagement: bool  # True when engagement counts were used
    reason: str  # "" or, when there are no suggestions, why


def best_times(
    workspace: Workspace, *, account: SocialAccount | None = None, limit: int = 5, now: datetime | None = None
) -> BestTimes:
    """The `limit` best (weekday, hour) slots, best first; ties go to the slot with more posts, then the earlier.

    Engagement is used when at least MIN_POSTS posts have counts (then only those posts are considered), else
    each slot's share of all published posts."""
    now = now or timezone.now()
    targets = PostTarget.objects.filter(
        post__workspace=workspace,
        status=TargetStatus.PUBLISHED,
        published_at__gt=now - HISTORY,
        published_at__lte=now,
    )
    if account is not None:
        targets = targets.filter(account_id=account.pk)
    rows = list(targets.values_list("published_at", *(f"metrics__{name}" for name in ENGAGEMENT_NAMES)))
    measured = [(at, engagement_of(counts)) for at, *counts in rows if engagement_of(counts) is not None]
    use_engagement = len(measured) >= MIN_POSTS
    considered = measured if use_engagement else [(at, None) for at, *_ in rows]
    if len(considered) < MIN_POSTS:
        return BestTimes(
            [],
            based_on=len(considered),
            engagement=False,
            reason=f"Fewer than {MIN_POSTS} published posts in the last 90 days ({len(considered)} so far): "
            "suggestions need more of your own history.",
        )
    zone = workspace.zone
    slots: dict[tuple[int, int], list[int]] = defaultdict(list)
    for at, value in considered:
        local = at.astimezone(zone)
        slots[(local.weekday(), local.hour)].append(value or 0)
    total = len(considered)
    suggestions = [
        TimeSuggestion(
            weekday=weekday,
            hour=hour,
            score=round(sum(values) / len(values) if use_engagement else len(values) / total, 4),
            posts=len(values),
        )
        for (weekday, hour), values in slots.items()
    ]
    suggestions.sort(key=lambda s: (-s.score, -s.posts, s.weekday, s.hour))
    return BestTimes(suggestions[: max(0, limit)], based_on=total, engagement=use_engagement, reason="")
