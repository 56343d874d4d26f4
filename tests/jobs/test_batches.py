"""Due targets go out in batch workflows: some tens of one platform's targets per workflow, each target settled by
the same rules as on its own; what is not published at once goes on in the target's own workflow."""

from collections import Counter
from datetime import timedelta

import pytest
from dbos import DBOS
from django.utils import timezone

from tests.conftest import create_scheduled_post
from tests.jobs.conftest import connect_webhook, due_post, settled, wait_for
from tests.support.fake_platform import FakePlatform
from tests.support.states import bring_to
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.jobs.models import JobLog
from tidings.jobs.workflows.batches import batch_workflow_id
from tidings.posts.models import AttemptOutcome, PostTarget, TargetStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


def test_a_burst_goes_out_in_batches_and_each_target_once(carol: User, fake: FakePlatform) -> None:
    accounts = [connect_webhook(carol, fake, n) for n in (1, 2, 3)]
    posts = [create_scheduled_post(carol, accounts, text=f"post {i}") for i in range(8)]
    # All due at once, so one dispatch tick claims them together.
    PostTarget.objects.filter(post__in=posts).update(scheduled_at=timezone.now() - timedelta(seconds=1))

    wait_for(lambda: all(settled(post) for post in posts), what="every post to publish")

    targets = list(PostTarget.objects.filter(post__in=posts))
    assert len(targets) == 24
    assert {t.status for t in targets} == {TargetStatus.PUBLISHED}
    batch_ids = {t.batch_id for t in targets}
    # A claim of 24 is spread over twice TIDINGS_BATCHES_PER_WORKER (8) batches at most, so every worker gets a share.
    assert sorted(Counter(t.batch_id for t in targets).values()) == [2] * 12
    assert all(batch_id.startswith("publish-batch-") for batch_id in batch_ids)
    results = [DBOS.retrieve_workflow(batch_id).get_result() for batch_id in batch_ids]
    assert results == [{"published": 2, "followed_up": 0, "waiting": 0}] * 12
    assert all(fake.received_for(str(t.idempotency_key)) == 1 for t in targets)
    assert CreditReservation.objects.filter(target__in=targets, status=ReservationStatus.CONSUMED).count() == 24
    logs = JobLog.objects.filter(workflow_id__in=[t.workflow_id for t in targets])
    assert sorted(logs.values_list("status", flat=True)) == ["completed"] * 24


def test_a_target_not_published_at_once_goes_on_in_its_own_workflow(bob: User, fake: FakePlatform) -> None:
    fake.decide_fault = lambda key, attempt: "503" if attempt == 1 else None
    post = due_post(bob, [connect_webhook(bob, fake)])

    wait_for(lambda: settled(post), what="the post to publish on its second attempt")

    target = PostTarget.objects.get(post=post)
    assert target.status == TargetStatus.PUBLISHED
    assert target.batch_id == ""
    assert target.workflow_id == f"publish-{target.pk}"
    assert DBOS.retrieve_workflow(target.workflow_id).get_result() == "published"
    outcomes = list(target.attempt_history.order_by("number").values_list("outcome", flat=True))
    assert outcomes == [AttemptOutcome.TRANSIENT, AttemptOutcome.PUBLISHED]
    assert fake.received_for(str(target.idempotency_key)) == 2
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED


def test_a_batch_lost_before_it_started_is_driven_again_target_by_target(bob: User, fake: FakePlatform) -> None:
    # As a crash between the claim's commit and the batch's enqueue leaves it: queued, marked, no workflow.
    post = create_scheduled_post(bob, [connect_webhook(bob, fake)], days=2)
    target = bring_to(PostTarget.objects.get(post=post), TargetStatus.QUEUED)
    lost = batch_workflow_id([(target.pk, "webhook", 0)])
    PostTarget.objects.filter(pk=target.pk).update(batch_id=lost, locked_until=timezone.now() - timedelta(seconds=1))

    wait_for(lambda: settled(post), what="the sweep to drive the target again")

    target = PostTarget.objects.get(pk=target.pk)
    assert target.status == TargetStatus.PUBLISHED
    assert target.batch_id == ""
    assert DBOS.get_workflow_status(lost) is None
    assert DBOS.retrieve_workflow(target.workflow_id).get_result() == "published"
    assert fake.received_for(str(target.idempotency_key)) == 1


def test_a_batch_id_follows_from_its_targets_and_rounds() -> None:
    first = batch_workflow_id([(7, "webhook", 0), (3, "webhook", 1)])
    assert first == batch_workflow_id([(3, "webhook", 1), (7, "webhook", 0)])
    assert first.startswith("publish-batch-3-")
    assert first != batch_workflow_id([(7, "webhook", 0), (3, "webhook", 2)])
