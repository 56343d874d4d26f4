"""When counts are read again: hourly for the first 48 hours, daily after, a last read at 30 days, then never;
and which targets are due."""

from datetime import UTC, datetime, timedelta

import pytest
import respx
import time_machine
from django.utils import timezone

from tests.analytics import recorded
from tests.analytics.conftest import connected, published
from tidings.accounts.models import User
from tidings.analytics.models import TargetMetrics
from tidings.analytics.schedule import next_fetch_at
from tidings.analytics.services import due_for_sync, sync_metrics
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.posts.models import PostTarget

OUT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "wait"),
    [
        (timedelta(0), timedelta(hours=1)),
        (timedelta(hours=47, minutes=59), timedelta(hours=1)),
        (timedelta(hours=48), timedelta(days=1)),
        (timedelta(days=12), timedelta(days=1)),
        # The day before the end: the last read is at exactly 30 days.
        (timedelta(days=29, hours=6), timedelta(hours=18)),
    ],
)
def test_a_post_is_read_hourly_while_fresh_then_daily(age: timedelta, wait: timedelta) -> None:
    assert next_fetch_at(OUT, now=OUT + age) == OUT + age + wait


@pytest.mark.parametrize("age", [timedelta(days=30), timedelta(days=45)])
def test_a_post_is_not_read_after_30_days(age: timedelta) -> None:
    assert next_fetch_at(OUT, now=OUT + age) is None


@pytest.mark.django_db
@respx.mock
def test_sync_plans_the_next_read_from_the_posts_age(alice: User, bob: User, carol: User) -> None:
    respx.get(url__regex=r"https://mastodon\.example/api/v1/statuses/\d+").respond(json=recorded.MASTODON_STATUS)
    now = timezone.now()
    fresh, old, stopped = (
        published(connected(user, Platform.MASTODON, base_url="https://mastodon.example"), str(n), at=now - age)
        for n, (user, age) in enumerate(
            [(alice, timedelta(hours=3)), (bob, timedelta(days=5)), (carol, timedelta(days=31))], start=1
        )
    )

    with time_machine.travel(now, tick=False):
        assert sync_metrics(fresh.pk).next_fetch_at == now + timedelta(hours=1)
        assert sync_metrics(old.pk).next_fetch_at == now + timedelta(days=1)
        last = sync_metrics(stopped.pk)
    assert last.next_fetch_at is None
    assert last.likes == 11


@pytest.mark.django_db
def test_due_for_sync_picks_due_and_never_read_targets_of_active_accounts(alice: User, bob: User, carol: User) -> None:
    now = timezone.now()
    accounts = [connected(u, Platform.MASTODON, base_url="https://mastodon.example") for u in (alice, bob, carol)]
    due_first = published(accounts[0], "1", at=now - timedelta(days=3))
    TargetMetrics.objects.create(target=due_first, next_fetch_at=now - timedelta(hours=2))
    due_second = published(accounts[0], "2", at=now - timedelta(days=2))
    TargetMetrics.objects.create(target=due_second, next_fetch_at=now - timedelta(minutes=5))
    not_yet = published(accounts[0], "3", at=now - timedelta(days=1))
    TargetMetrics.objects.create(target=not_yet, next_fetch_at=now + timedelta(minutes=5))
    stopped = published(accounts[0], "4", at=now - timedelta(days=40))
    TargetMetrics.objects.create(target=stopped, next_fetch_at=None)
    never_read = published(accounts[1], "5", at=now - timedelta(hours=1))
    too_old_to_start = published(accounts[1], "6", at=now - timedelta(days=31))
    of_reconnect_needed = published(accounts[2], "7", at=now - timedelta(hours=1))
    SocialAccount.objects.filter(pk=accounts[2].pk).update(status=AccountStatus.RECONNECT_NEEDED)

    assert due_for_sync(now, 10) == [due_first.pk, due_second.pk, never_read.pk]
    assert due_for_sync(now, 2) == [due_first.pk, due_second.pk]
    assert not {not_yet.pk, stopped.pk, too_old_to_start.pk, of_reconnect_needed.pk} & set(due_for_sync(now, 10))


@pytest.mark.django_db
def test_a_target_no_longer_published_is_not_due_nor_read(alice: User) -> None:
    now = timezone.now()
    target = published(connected(alice, Platform.MASTODON), "1", at=now - timedelta(hours=1))
    TargetMetrics.objects.create(target=target, next_fetch_at=now - timedelta(minutes=1))
    PostTarget.objects.filter(pk=target.pk).update(status="failed")

    assert due_for_sync(now, 10) == []
    assert sync_metrics(target.pk) is None
    assert sync_metrics(target.pk + 1000) is None
