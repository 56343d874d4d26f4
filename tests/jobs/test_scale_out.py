"""On PostgreSQL any number of workers share the queues: two worker processes, every post published once."""

import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import make_user
from tests.jobs.conftest import connect_webhook, make_due, wait_for
from tests.support.fake_platform import FakePlatform
from tests.support.processes import Worker
from tests.support.workspaces import owner
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.jobs import runtime
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
USERS, POSTS_EACH = 10, 20


@pytest.fixture
def two_workers() -> Iterator[list[Worker]]:
    workers = [Worker(f"scale-{slot}-{int(time.time())}") for slot in range(2)]
    yield workers
    for worker in workers:
        worker.stop()
    runtime.shutdown()


def test_two_workers_share_the_work_and_publish_each_post_once(two_workers: list[Worker], fake: FakePlatform) -> None:
    fake.latency = 0.05
    posts: list[Post] = []
    for n in range(USERS):
        user = make_user(f"user{n}", Tier.BUSINESS)
        account = connect_webhook(user, fake)
        for i in range(POSTS_EACH):
            draft = create_post(owner(user), text=f"{n}/{i}", account_ids=[account.pk])
            posts.append(schedule_post(owner(user), draft.pk, at=timezone.now() + timedelta(hours=1)))
    for worker in two_workers:
        worker.start()
    for post in posts:
        make_due(post)

    total = USERS * POSTS_EACH
    wait_for(
        lambda: PostTarget.objects.filter(status=TargetStatus.PUBLISHED).count() == total,
        timeout=240,
        what="every post to publish",
    )

    targets = PostTarget.objects.filter(post__in=posts)
    workflow_ids = [target.workflow_id for target in targets]
    executors = Counter(
        status.executor_id for status in runtime.client().list_workflows(workflow_ids=workflow_ids, load_input=False)
    )
    print(f"\nworkflows per worker: {dict(executors)}")
    assert sum(executors.values()) == total
    assert set(executors) == {worker.executor_id for worker in two_workers}
    assert set(fake.posts) == {str(key) for key in targets.values_list("idempotency_key", flat=True)}
    assert CreditReservation.objects.filter(status=ReservationStatus.CONSUMED).count() == total
