from datetime import UTC, datetime

import pytest

from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.usage.models import DailyUsage, Metric
from tidings.usage.services import count_usage, local_day, usage_on
from tidings.workspaces.plan import set_time_zone

pytestmark = pytest.mark.django_db


def test_usage_is_counted_in_the_users_local_day(alice: User) -> None:
    set_time_zone(owner(alice), time_zone="America/Los_Angeles")
    # 06:30 UTC on 2 July is 23:30 on 1 July in Los Angeles; 08:30 UTC is 01:30 on 2 July there.
    late_evening = datetime(2026, 7, 2, 6, 30, tzinfo=UTC)
    next_morning = datetime(2026, 7, 2, 8, 30, tzinfo=UTC)
    assert local_day(workspace_of(alice), late_evening).isoformat() == "2026-07-01"
    count_usage(workspace_of(alice), metric=Metric.POSTS, platform="bluesky", at=late_evening)
    count_usage(workspace_of(alice), metric=Metric.POSTS, platform="bluesky", at=next_morning)
    count_usage(workspace_of(alice), metric=Metric.POSTS, platform="bluesky", at=next_morning)
    days = dict(DailyUsage.objects.filter(workspace=workspace_of(alice)).values_list("day", "count"))
    assert {day.isoformat(): count for day, count in days.items()} == {"2026-07-01": 1, "2026-07-02": 2}


def test_counters_are_separate_per_metric_and_platform(alice: User) -> None:
    at = datetime(2026, 7, 2, 12, 0, tzinfo=UTC)
    assert count_usage(workspace_of(alice), metric=Metric.POSTS, platform="x", at=at) == 1
    assert count_usage(workspace_of(alice), metric=Metric.POSTS, platform="x", at=at, amount=2) == 3
    assert count_usage(workspace_of(alice), metric=Metric.POSTS, platform="bluesky", at=at) == 1
    assert count_usage(workspace_of(alice), metric=Metric.GENERATIONS, at=at) == 1
    day = local_day(workspace_of(alice), at)
    assert usage_on(workspace_of(alice), metric=Metric.POSTS, platform="x", day=day) == 3
    assert usage_on(workspace_of(alice), metric=Metric.GENERATIONS, day=day) == 1
    assert usage_on(workspace_of(alice), metric=Metric.POSTS, platform="linkedin", day=day) == 0
