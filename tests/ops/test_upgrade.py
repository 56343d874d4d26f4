"""An upgrade keeps the queue: rows written under the previous release's schema come through `migrate` intact and
publish through the new code, and a publish workflow that release had enqueued runs after the upgrade, because the
workflows' application version is pinned. A workflow enqueued under another version is never run: the reason to pin.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.jobs.conftest import FAST, reset_dbos_sqlite, wait_for
from tests.support.fake_platform import FakePlatform
from tests.support.migrations import latest, previous_release, previous_release_state
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.jobs import runtime
from tidings.jobs.models import JobLog, JobStatus
from tidings.jobs.queues import publish_queue
from tidings.jobs.workflows.publish import EVENT, enqueue_publishes
from tidings.platforms.models import SocialAccount
from tidings.posts import publishing
from tidings.posts.models import PostTarget, TargetStatus, publish_workflow_id
from tidings.usage.models import DailyUsage

pytestmark = pytest.mark.django_db(transaction=True)
# A dispatch round no other test uses, so these workflow ids are new to a system database the session shares.
ROUND = 1000


@contextmanager
def worker(executor_id: str) -> Iterator[None]:
    """A worker slot running in this process, with the suite's short waits, as tests/jobs runs it."""
    saved = {name: getattr(settings, name) for name in FAST}
    for name, value in FAST.items():
        setattr(settings, name, value)
    reset_dbos_sqlite()
    runtime.launch(executor_id)
    try:
        yield
    finally:
        runtime.shutdown(timeout_seconds=5)
        for name, value in saved.items():
            setattr(settings, name, value)


def fill_with_the_previous_schema(apps: Any, fake: FakePlatform) -> dict[str, int]:
    """What the previous release left: a Pro user with a granted balance, a webhook account, two scheduled posts
    (one due), and two queued ones whose workflows it had enqueued; every target holding a pending credit."""
    now = timezone.now()
    user = apps.get_model("accounts", "User").objects.create(
        username="olivia", email="olivia@example.com", password="!", tier="pro", credits=500
    )
    apps.get_model("credits", "CreditLedgerEntry").objects.create(
        user=user, kind="grant", amount=500, balance_after=500, cycle_start=user.last_credit_reset, reason="Plan"
    )
    account = apps.get_model("platforms", "SocialAccount").objects.create(
        user=user,
        platform="webhook",
        external_id="hook-olivia",
        handle="Olivia's hook",
        access_token=fake.secret,
        base_url=fake.url,
    )
    posts, targets = apps.get_model("posts", "Post").objects, apps.get_model("posts", "PostTarget").objects
    reservations = apps.get_model("credits", "CreditReservation").objects
    job_logs = apps.get_model("jobs", "JobLog").objects
    ids = {}
    for name, status, when, extra in [
        ("due", "scheduled", now - timedelta(seconds=30), {}),
        ("later", "scheduled", now + timedelta(days=1), {}),
        ("in_flight", "queued", now - timedelta(seconds=60), {"dispatch_round": ROUND}),
        ("stranded", "queued", now - timedelta(seconds=60), {"dispatch_round": ROUND}),
    ]:
        post = posts.create(user=user, text=f"Written before the upgrade: {name}", scheduled_at=when)
        target = targets.create(
            post=post,
            account=account,
            platform="webhook",
            status=status,
            scheduled_at=when,
            # Claimed targets are leased: a stale sweep must not be what runs them here.
            locked_until=now + timedelta(hours=1) if status == "queued" else None,
            **extra,
        )
        reservations.create(user=user, target=target, amount=1, cycle_start=user.last_credit_reset)
        if status == "queued":
            job_logs.create(
                event=EVENT, workflow_id=publish_workflow_id(target.pk, ROUND), data={"target_id": target.pk}
            )
        ids[name] = target.pk
    return ids


def test_scheduled_posts_and_an_in_flight_workflow_survive_the_upgrade(fake: FakePlatform) -> None:
    # The previous release's worker has run (DBOS's system database exists) and is stopped for the upgrade.
    with worker("upgrade-previous"):
        pass
    executor = MigrationExecutor(connection)
    newest, previous = latest(executor.loader), previous_release(executor.loader)
    try:
        executor.migrate(previous)
        ids = fill_with_the_previous_schema(previous_release_state(MigrationExecutor(connection).loader), fake)
        # Its dispatcher had enqueued the in-flight target's workflow under the pinned version.
        enqueue_publishes([(ids["in_flight"], "webhook", ROUND)])
        # An unpinned release would have enqueued under a hash of its code instead.
        stranded = publish_workflow_id(ids["stranded"], ROUND)
        runtime.client().enqueue(
            {
                "workflow_name": EVENT,
                "queue_name": publish_queue("webhook"),
                "workflow_id": stranded,
                "app_version": "3f9a1c0e-a-hash-of-older-code",
            },
            ids["stranded"],
        )

        MigrationExecutor(connection).migrate(newest)
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    # Everything the previous release wrote is there, as it was.
    olivia = User.objects.get(username="olivia")
    hers = workspace_of(olivia)
    assert (hers.tier, hers.credits) == ("pro", 500)
    # (Later migrations may add rows of their own, such as a new allowance; they never change these.)
    assert CreditLedgerEntry.objects.values_list("kind", "amount", "balance_after").first() == ("grant", 500, 500)
    assert dict(PostTarget.objects.values_list("pk", "status")) == {
        ids["due"]: TargetStatus.SCHEDULED,
        ids["later"]: TargetStatus.SCHEDULED,
        ids["in_flight"]: TargetStatus.QUEUED,
        ids["stranded"]: TargetStatus.QUEUED,
    }
    pending = CreditReservation.objects.filter(status="pending")
    assert sorted(pending.values_list("target_id", flat=True)) == sorted(ids.values())
    assert SocialAccount.objects.get().access_token == fake.secret  # still decrypts

    # The publish path works on those rows: claim, begin, send, complete.
    assert publishing.claim_due_targets(now=timezone.now()) == [(ids["due"], "webhook", 0)]
    begin = publishing.begin_publish(ids["due"])
    assert (begin.action, begin.first) == ("publish", True)
    sent = publishing.send_target(ids["due"], first=True, target=begin.target, content=begin.content)
    assert sent.kind == "published"
    assert publishing.complete_publish(ids["due"], external_id=sent.external_id, url=sent.url)
    assert PostTarget.objects.get(pk=ids["due"]).status == TargetStatus.PUBLISHED
    assert CreditReservation.objects.get(target_id=ids["due"]).status == "consumed"

    # The new release's worker runs the workflow the previous one enqueued, once.
    in_flight = publish_workflow_id(ids["in_flight"], ROUND)
    with worker("upgrade-next"):
        wait_for(
            lambda: PostTarget.objects.get(pk=ids["in_flight"]).status == TargetStatus.PUBLISHED,
            what="the workflow enqueued before the upgrade to publish",
        )
        wait_for(lambda: JobLog.objects.get(workflow_id=in_flight).status == JobStatus.COMPLETED, what="its job log")
        client = runtime.client()
        # The job log closes inside the workflow's last step; DBOS records the workflow's end just after it.
        wait_for(
            lambda: client.list_workflows(workflow_ids=[in_flight])[0].status == "SUCCESS", what="the workflow's end"
        )
        [ran] = client.list_workflows(workflow_ids=[in_flight])
        assert (ran.status, ran.app_version) == ("SUCCESS", runtime.APPLICATION_VERSION)
        [left] = client.list_workflows(workflow_ids=[stranded])
        assert left.status == "ENQUEUED"
        client.cancel_workflow(stranded)

    assert PostTarget.objects.get(pk=ids["stranded"]).status == TargetStatus.QUEUED
    assert sorted(fake.posts) == sorted(
        str(key)
        for key in PostTarget.objects.filter(pk__in=[ids["due"], ids["in_flight"]]).values_list(
            "idempotency_key", flat=True
        )
    )
    assert all(fake.received_for(key) == 1 for key in fake.posts)
    assert workspace_of(olivia).credits == 498
    consumed = CreditLedgerEntry.objects.filter(kind="consume").values_list("reservation__target_id", "amount")
    assert sorted(consumed) == sorted([(ids["due"], -1), (ids["in_flight"], -1)])
    assert DailyUsage.objects.get(workspace=hers, platform="webhook").count == 2
