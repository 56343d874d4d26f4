"""Best times from the workspace's own history: exact slots, in its local time across a DST change."""

from datetime import UTC, datetime

import pytest

from tests.analytics.conftest import published
from tests.conftest import create_account
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.analytics.best_times import BestTimes, TimeSuggestion, best_times
from tidings.analytics.models import TargetMetrics
from tidings.platforms.models import Platform, SocialAccount
from tidings.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


def berlin(user: User) -> Workspace:
    Workspace.objects.filter(pk=workspace_of(user).pk).update(time_zone="Europe/Berlin")
    return workspace_of(user)


def post_at(account: SocialAccount, at: datetime, **counts: int | None) -> None:
    target = published(account, f"id-{at.isoformat()}", at=at)
    if counts:
        TargetMetrics.objects.create(target=target, **counts)


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_slots_ranked_by_mean_engagement_in_local_time_across_dst(alice: User) -> None:
    # Berlin moves from UTC+1 to UTC+2 on 29 March 2026: 09:00 local is 08:00 UTC before and 07:00 UTC after.
    workspace = berlin(alice)
    account = create_account(alice)
    for (month, day, hour), likes in zip(
        [(3, 9, 8), (3, 16, 8), (3, 23, 8), (3, 30, 7), (4, 6, 7)], [3, 5, 7, 5, 5], strict=True
    ):
        post_at(account, utc(month, day, hour), likes=likes)  # Mondays 09:00
    for month, day, hour in [(3, 11, 17), (3, 18, 17), (3, 25, 17), (4, 1, 16), (4, 8, 16)]:
        post_at(account, utc(month, day, hour), likes=8, reposts=2, views=900)  # Wednesdays 18:00
    post_at(account, utc(3, 28, 11), likes=2, replies=None)  # Saturday 12:00 (CET)
    post_at(account, utc(4, 4, 10), likes=1, replies=1)  # Saturday 12:00 (CEST)
    post_at(account, utc(4, 7, 9))  # no counts: left out once engagement is known
    TargetMetrics.objects.create(target=published(account, "unavailable", at=utc(4, 9, 9)))  # counts all None

    assert best_times(workspace, now=NOW) == BestTimes(
        suggestions=[
            TimeSuggestion(weekday=2, hour=18, score=10.0, posts=5),
            TimeSuggestion(weekday=0, hour=9, score=5.0, posts=5),
            TimeSuggestion(weekday=5, hour=12, score=2.0, posts=2),
        ],
        based_on=12,
        engagement=True,
        reason="",
    )
    assert best_times(workspace, now=NOW, limit=1).suggestions == [
        TimeSuggestion(weekday=2, hour=18, score=10.0, posts=5)
    ]


def test_without_counts_slots_rank_by_their_share_of_posts(alice: User) -> None:
    workspace = berlin(alice)
    account = create_account(alice)
    for day in (2, 9, 16, 23):
        post_at(account, utc(3, day, 8))  # Monday 09:00 CET
    for month, day in ((3, 30), (4, 6)):
        post_at(account, utc(month, day, 7))  # Monday 09:00 CEST
    for day in (13, 20, 27):
        post_at(account, utc(3, day, 14))  # Friday 15:00 CET
    post_at(account, utc(4, 3, 13))  # Friday 15:00 CEST
    post_at(
        account, utc(4, 1, 9), likes=4
    )  # Wednesday 11:00 CEST; one post with counts is not enough to rank by engagement

    result = best_times(workspace, now=NOW)

    assert result == BestTimes(
        suggestions=[
            TimeSuggestion(weekday=0, hour=9, score=0.5455, posts=6),
            TimeSuggestion(weekday=4, hour=15, score=0.3636, posts=4),
            TimeSuggestion(weekday=2, hour=11, score=0.0909, posts=1),
        ],
        based_on=11,
        engagement=False,
        reason="",
    )


def test_too_little_history_gives_no_suggestions_and_says_why(alice: User, bob: User) -> None:
    workspace = berlin(alice)
    account = create_account(alice)
    for day in range(1, 10):
        post_at(account, utc(3, day, 9), likes=5)
    post_at(account, utc(1, 2, 9), likes=5)  # older than 90 days
    bobs = create_account(bob)
    for day in range(1, 12):
        post_at(bobs, utc(3, day, 9), likes=5)  # someone else's history never counts

    assert best_times(workspace, now=NOW) == BestTimes(
        suggestions=[],
        based_on=9,
        engagement=False,
        reason="Fewer than 10 published posts in the last 90 days (9 so far): suggestions need more of your own "
        "history.",
    )


def test_one_account_only_counts_its_own_posts(alice: User) -> None:
    workspace = berlin(alice)
    mastodon, bluesky = create_account(alice), create_account(alice, Platform.BLUESKY)
    for day in range(1, 11):
        post_at(mastodon, utc(3, day, 9), likes=1)
        post_at(bluesky, utc(3, day, 15), likes=3)

    assert best_times(workspace, account=bluesky, now=NOW).suggestions[:1] == [
        TimeSuggestion(weekday=0, hour=16, score=3.0, posts=2)
    ]
    assert best_times(workspace, account=mastodon, now=NOW).based_on == 10
    assert best_times(workspace_of(alice), now=NOW).based_on == 20
