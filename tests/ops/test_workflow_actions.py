"""Resume and cancel a workflow from the dashboard, against the real DBOS system database; and a target sent again
by staff runs as a new workflow and publishes once."""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import create_scheduled_post
from tests.jobs.conftest import connect_webhook, due_post, settled, wait_for
from tests.support.fake_platform import FakePlatform
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.jobs import runtime
from tidings.jobs.models import JobLog
from tidings.jobs.queues import publish_queue
from tidings.ops import workflows
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.retry import retry_target

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


def delayed_publish(target: PostTarget) -> str:
    """A publish workflow for `target` that waits ten minutes on its queue: something to cancel and resume."""
    workflow_id = f"ops-test-{target.pk}-{time.monotonic_ns()}"
    runtime.client().enqueue(
        {
            "workflow_name": "post/scheduled.process",
            "queue_name": publish_queue(target.platform),
            "workflow_id": workflow_id,
            "app_version": runtime.APPLICATION_VERSION,
            "delay_seconds": 600,
        },
        target.pk,
    )
    return workflow_id


def status_of(workflow_id: str) -> str:
    return workflows.get_workflow(workflow_id).status


def test_cancel_then_resume_through_the_dashboard(staff_client: Client, alice: User, fake: FakePlatform) -> None:
    # Scheduled an hour ahead: when the resumed run gets to it, it finds nothing due and leaves it alone.
    post = create_scheduled_post(alice, [connect_webhook(alice, fake)])
    target = PostTarget.objects.get(post=post)
    workflow_id = delayed_publish(target)
    assert status_of(workflow_id) == "DELAYED"

    confirm = staff_client.get("/ops/workflows/", {"id": workflow_id, "action": "cancel"})
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Yes, cancel it" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert status_of(workflow_id) == "DELAYED"  # a GET changes nothing

    done = staff_client.post("/ops/workflows/", {"workflow_id": workflow_id, "action": "cancel"})
    assert done.status_code == 302
    assert status_of(workflow_id) == "CANCELLED"
    counts = workflows.counts_by_status(timezone.now())
    assert counts["CANCELLED"] >= 1
    listed = staff_client.get("/ops/").content.decode()
    assert f"Workflow {workflow_id}: cancel requested; it is now CANCELLED." in listed

    assert (
        "Yes, resume it"
        in staff_client.get("/ops/workflows/", {"id": workflow_id, "action": "resume"}).content.decode()
    )
    staff_client.post("/ops/workflows/", {"workflow_id": workflow_id, "action": "resume"})
    wait_for(lambda: status_of(workflow_id) == "SUCCESS", what="the resumed workflow to finish")
    assert PostTarget.objects.get(pk=target.pk).status == TargetStatus.SCHEDULED
    assert fake.posts == {}


def test_a_finished_workflow_cannot_be_cancelled(staff_client: Client, alice: User, fake: FakePlatform) -> None:
    post = due_post(alice, [connect_webhook(alice, fake)])
    wait_for(lambda: settled(post), what="the post to publish")
    workflow_id = PostTarget.objects.get(post=post).workflow_id
    wait_for(lambda: status_of(workflow_id) == "SUCCESS", what="the workflow to finish")

    staff_client.post("/ops/workflows/", {"workflow_id": workflow_id, "action": "cancel"})

    page = staff_client.get("/ops/").content.decode()
    assert f"Workflow {workflow_id} is SUCCESS; only unfinished ones can be cancelled." in page
    assert status_of(workflow_id) == "SUCCESS"
    missing = staff_client.get("/ops/workflows/", {"id": "no-such-workflow", "action": "resume"})
    assert missing.status_code == 404


def test_actions_need_the_csrf_token(alice: User, staff: User, fake: FakePlatform) -> None:
    post = create_scheduled_post(alice, [connect_webhook(alice, fake)])
    workflow_id = delayed_publish(PostTarget.objects.get(post=post))
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)
    response = strict.post("/ops/workflows/", {"workflow_id": workflow_id, "action": "cancel"})
    assert response.status_code == 403
    assert status_of(workflow_id) == "DELAYED"
    runtime.client().cancel_workflow(workflow_id)


def test_a_target_sent_again_publishes_once_under_a_new_workflow(alice: User, fake: FakePlatform) -> None:
    fake.decide_fault = lambda key, attempt: "422" if attempt == 1 else None
    post = due_post(alice, [connect_webhook(alice, fake)])
    wait_for(lambda: settled(post), what="the first round to fail")
    target = PostTarget.objects.get(post=post)
    assert target.status == TargetStatus.FAILED

    retry_target(owner(alice), target.pk)
    wait_for(lambda: settled(post), what="the second round to publish")

    target.refresh_from_db()
    assert (target.status, target.dispatch_round) == (TargetStatus.PUBLISHED, 1)
    assert fake.received_for(str(target.idempotency_key)) == 2  # refused once, published once
    assert set(fake.posts) == {str(target.idempotency_key)}
    # The target is marked published inside the workflow; its log line and its own status follow a moment later.
    wait_for(lambda: status_of(f"publish-{target.pk}-1") == "SUCCESS", what="the second workflow to finish")
    logs = dict(JobLog.objects.filter(data__target_id=target.pk).values_list("workflow_id", "status"))
    assert logs == {f"publish-{target.pk}": "failed", f"publish-{target.pk}-1": "completed"}
    assert workspace_of(alice).credits == 9
    assert timezone.now() - target.published_at < timedelta(minutes=1)  # type: ignore[operator]
