"""Which reads a tick may make: never on an account with publishing due, and only out of the room publishing
leaves where reads and posts share a platform's limit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.analytics.conftest import connected, published
from tests.conftest import create_scheduled_post
from tidings.accounts.models import User
from tidings.analytics.models import MetricsSample, TargetMetrics
from tidings.analytics.reads import CLAIM, claim_reads, pick_reads
from tidings.platforms.models import Platform, SocialAccount
from tidings.posts.models import PostTarget

pytestmark = pytest.mark.django_db


def due_reads(account: SocialAccount, n: int, *, published_hours_ago: float = 3) -> list[int]:
    """`n` posts on `account` published a while ago whose next read has come."""
    now = timezone.now()
    ids = []
    for i in range(n):
        target = published(account, f"{account.pk}-{i}", at=now - timedelta(hours=published_hours_ago, minutes=i))
        TargetMetrics.objects.create(target=target, next_fetch_at=now - timedelta(minutes=10 - i))
        ids.append(target.pk)
    return ids


def second(user: User, platform: Platform, **fields: str) -> SocialAccount:
    return connected(user, platform, external_id=f"{user.username}-{platform}-2", handle="@second", **fields)


def publish_due(user: User, account: SocialAccount, n: int = 1) -> None:
    for i in range(n):
        post = create_scheduled_post(user, [account], days=i, text=f"Due {i}")
        PostTarget.objects.filter(post=post).update(scheduled_at=timezone.now() - timedelta(seconds=5))


def test_an_account_with_a_burst_due_is_not_read_while_another_is(carol: User) -> None:
    busy = connected(carol, Platform.MASTODON, base_url="https://mastodon.example")
    calm = second(carol, Platform.MASTODON)
    due_reads(busy, 3)
    calm_reads = due_reads(calm, 2)
    publish_due(carol, busy, 3)

    assert pick_reads(now=timezone.now(), limit=10) == calm_reads


def test_a_post_due_within_the_lookahead_also_holds_the_accounts_reads(carol: User) -> None:
    account = connected(carol, Platform.X)
    due_reads(account, 2)
    post = create_scheduled_post(carol, [account], minutes=1)

    assert pick_reads(now=timezone.now(), limit=10) == []
    PostTarget.objects.filter(post=post).update(scheduled_at=timezone.now() + timedelta(minutes=30))
    assert len(pick_reads(now=timezone.now(), limit=10)) == 2


def test_shared_limits_give_reads_half_of_what_posts_and_reads_left(
    carol: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDINGS_ACCOUNT_RATE_MASTODON", "12/300")
    account = connected(carol, Platform.MASTODON, base_url="https://mastodon.example")
    reads = due_reads(account, 6)
    for i in range(4):  # four posts sent in the last five minutes
        published(account, f"fresh-{i}", at=timezone.now() - timedelta(minutes=1))
    MetricsSample.objects.create(target_id=reads[0], fetched_at=timezone.now() - timedelta(minutes=2), likes=1)
    MetricsSample.objects.create(target_id=reads[1], fetched_at=timezone.now() - timedelta(minutes=9), likes=1)

    # (12 - 4 posts - 1 read in the window) * 0.5 = 3
    assert pick_reads(now=timezone.now(), limit=10) == reads[:3]


def test_app_wide_shared_room_leaves_the_due_publishes_theirs(carol: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_RATE_BLUESKY", "10/300")
    reading = connected(carol, Platform.BLUESKY, base_url="https://pds.example")
    publishing = second(carol, Platform.BLUESKY)
    reads = due_reads(reading, 6)
    publish_due(carol, publishing, 4)

    # (10 - 4 publishes due) * 0.5 = 3, and nothing from the account that publishes
    assert pick_reads(now=timezone.now(), limit=10) == reads[:3]


def test_separate_read_windows_count_reads_alone(carol: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_ACCOUNT_READ_RATE_X", "3/900")
    account = connected(carol, Platform.X)
    reads = due_reads(account, 4)
    for i in range(5):  # posts do not count against X's read limit
        published(account, f"fresh-{i}", at=timezone.now() - timedelta(minutes=1))
    failed = TargetMetrics.objects.get(target_id=reads[3])
    failed.last_error = "X is down"
    failed.save()  # a read that failed a moment ago counts

    assert pick_reads(now=timezone.now(), limit=10) == reads[:2]


def test_a_claim_moves_the_next_read_so_an_overlapping_tick_skips_it(carol: User) -> None:
    account = connected(carol, Platform.MASTODON, base_url="https://mastodon.example")
    reads = due_reads(account, 2)
    never_read = published(account, "new", at=timezone.now() - timedelta(minutes=30))
    now = timezone.now()

    assert claim_reads(now=now, limit=10) == [*reads, never_read.pk]
    assert set(TargetMetrics.objects.values_list("next_fetch_at", flat=True)) == {now + CLAIM}
    assert claim_reads(now=now + timedelta(minutes=1), limit=10) == []
    assert claim_reads(now=now + CLAIM, limit=10) == [*reads, never_read.pk]


def test_a_busy_accounts_many_due_reads_do_not_crowd_out_the_others(carol: User) -> None:
    busy = connected(carol, Platform.MASTODON, base_url="https://mastodon.example")
    calm = second(carol, Platform.MASTODON)
    due_reads(busy, 6)
    calm_reads = due_reads(calm, 1)
    TargetMetrics.objects.filter(target_id__in=calm_reads).update(next_fetch_at=timezone.now() - timedelta(seconds=1))
    publish_due(carol, busy)

    assert pick_reads(now=timezone.now(), limit=1) == calm_reads
