"""Kill -9 a real worker process again and again while 300 posts are due: each post is published exactly once,
and the credits consumed equal the posts published."""

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import make_user
from tests.jobs.conftest import connect_webhook, make_due, reset_dbos_sqlite, wait_for
from tests.support.fake_platform import FakePlatform
from tests.support.processes import Worker
from tests.support.workspaces import owner, workspace_of
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.credits.services import ledger_balance
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier
from tidings.usage.models import DailyUsage

pytestmark = pytest.mark.django_db(transaction=True)
POSTS = 300
KILLS = 4


@pytest.fixture
def crash_worker() -> Iterator[Worker]:
    reset_dbos_sqlite()
    worker = Worker(f"crash-{int(time.time())}")
    yield worker
    worker.stop()


def published_count() -> int:
    return PostTarget.objects.filter(status=TargetStatus.PUBLISHED).count()


def test_every_post_is_published_exactly_once_through_repeated_kills(crash_worker: Worker, fake: FakePlatform) -> None:
    fake.latency = 0.05
    carol = make_user("carol", Tier.BUSINESS, tier_limits={"queue_size": 1000, "posts_per_platform_per_day": 1000})
    account = connect_webhook(carol, fake)
    posts: list[Post] = []
    for n in range(POSTS):
        draft = create_post(owner(carol), text=f"post {n}", account_ids=[account.pk])
        posts.append(schedule_post(owner(carol), draft.pk, at=timezone.now() + timedelta(hours=1)))
    for post in posts:
        make_due(post)

    kills_at = []
    for _ in range(KILLS):
        crash_worker.start()
        goal = published_count() + 40
        deadline = time.monotonic() + 60
        while published_count() < goal and time.monotonic() < deadline:
            time.sleep(0.05)
        kills_at.append(published_count())
        crash_worker.kill()
    crash_worker.start()
    wait_for(
        lambda: PostTarget.objects.filter(status=TargetStatus.PUBLISHED).count() == POSTS,
        timeout=300,
        what="all posts to publish after the kills",
    )

    resent = sum(1 for key in fake.posts if fake.received_for(key) > 1)
    print(f"\n[{connection.vendor}] killed at {kills_at} published; {POSTS} published; {resent} re-sent with their key")
    assert len(kills_at) == KILLS
    assert all(kills_at[i] < POSTS for i in range(KILLS))
    targets = PostTarget.objects.filter(post__in=posts)
    assert set(targets.values_list("status", flat=True)) == {TargetStatus.PUBLISHED}
    # Exactly once on the platform: one stored post per target key, and no post for any other key.
    assert set(fake.posts) == {str(key) for key in targets.values_list("idempotency_key", flat=True)}
    # Credits consumed equal posts published, each reservation once, the ledger whole.
    assert (
        CreditReservation.objects.filter(workspace=workspace_of(carol), status=ReservationStatus.CONSUMED).count()
        == POSTS
    )
    assert (
        not CreditReservation.objects.filter(workspace=workspace_of(carol))
        .exclude(status=ReservationStatus.CONSUMED)
        .exists()
    )
    assert CreditLedgerEntry.objects.filter(workspace=workspace_of(carol), kind=LedgerKind.CONSUME).count() == POSTS
    assert workspace_of(carol).credits == 2000 - POSTS == ledger_balance(workspace_of(carol))
    assert sum(DailyUsage.objects.filter(workspace=workspace_of(carol)).values_list("count", flat=True)) == POSTS
