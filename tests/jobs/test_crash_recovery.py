"""Kill -9 a real worker process again and again while 300 posts are due: each post is published exactly once,
and the credits consumed equal the posts published."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.conftest import make_user
from tests.jobs.conftest import connect_webhook, make_due, reset_dbos_sqlite, wait_for
from tests.support.fake_platform import FakePlatform
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.credits.services import ledger_balance
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier
from tidings.usage.models import DailyUsage

pytestmark = pytest.mark.django_db(transaction=True)
POSTS = 300
KILLS = 4


def worker_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "TIDINGS_DATA_DIR": str(settings.DATA_DIR),
        "TIDINGS_SECRET_KEY": settings.SECRET_KEY,
        "TIDINGS_ENCRYPTION_KEYS": ",".join(settings.TIDINGS_ENCRYPTION_KEYS),
        "TIDINGS_DISPATCH_EVERY_SECONDS": "1",
        "TIDINGS_PUBLISH_BACKOFF_SECONDS": "0.05",
        "TIDINGS_PUBLISH_TIMEOUT": "2",
        "TIDINGS_WORKER_CONCURRENCY": "20",
    }


class Worker:
    def __init__(self, executor_id: str) -> None:
        self.executor_id = executor_id
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "tidings", "worker", "--executor-id", self.executor_id],
            env=worker_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


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
        draft = create_post(carol, text=f"post {n}", account_ids=[account.pk])
        posts.append(schedule_post(carol, draft.pk, at=timezone.now() + timedelta(hours=1)))
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
    assert CreditReservation.objects.filter(user=carol, status=ReservationStatus.CONSUMED).count() == POSTS
    assert not CreditReservation.objects.filter(user=carol).exclude(status=ReservationStatus.CONSUMED).exists()
    assert CreditLedgerEntry.objects.filter(user=carol, kind=LedgerKind.CONSUME).count() == POSTS
    carol.refresh_from_db()
    assert carol.credits == 2000 - POSTS == ledger_balance(carol)
    assert sum(DailyUsage.objects.filter(user=carol).values_list("count", flat=True)) == POSTS
