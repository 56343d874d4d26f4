"""Events delivered by the running workers: a post published by its workflow reaches the endpoint as
`post.published` (started after the commit), and a delivery whose retry is due is sent by the sweep from its row
alone, as after a crash that lost every workflow."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.jobs.conftest import connect_webhook, due_post, wait_for
from tests.support.event_receiver import Receiver
from tests.support.fake_platform import FakePlatform
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.posts.models import PostTarget
from tidings.webhooks.events import emit
from tidings.webhooks.models import Delivery, EventType
from tidings.webhooks.services import create_endpoint

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


@pytest.fixture
def receiver(fake: FakePlatform) -> Iterator[Receiver]:  # `fake` allows local servers
    started = Receiver().start()
    yield started
    started.stop()


def delivered(delivery_id: int) -> bool:
    return Delivery.objects.filter(pk=delivery_id, status="delivered").exists()


def test_a_published_post_reaches_the_endpoint(alice: User, fake: FakePlatform, receiver: Receiver) -> None:
    endpoint = create_endpoint(owner(alice), url=receiver.url, event_types=["post.published"])
    receiver.secret = endpoint.secret
    post = due_post(alice, [connect_webhook(alice, fake)], text="Launch day")
    wait_for(lambda: Delivery.objects.filter(status="delivered").exists(), what="post.published to be delivered")
    target = PostTarget.objects.get(post=post)
    (request,) = receiver.received
    assert request.signature_ok
    assert request.body["type"] == "post.published"
    assert request.body["data"]["target_id"] == target.pk
    assert request.body["data"]["published_url"] == target.external_url
    assert Delivery.objects.get().attempts == 1


def test_a_due_retry_is_sent_by_the_sweep_from_its_row(alice: User, receiver: Receiver) -> None:
    endpoint = create_endpoint(owner(alice), url=receiver.url, event_types=["credits.low"])
    receiver.secret = endpoint.secret
    (delivery_id,) = emit(workspace_of(alice), EventType.CREDITS_LOW, {"available": 1}, key="lost")
    # As a crash would leave it: attempt 1 recorded as failed, attempt 2 due, and no workflow anywhere for it.
    Delivery.objects.filter(pk=delivery_id).update(attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1))
    receiver.received.clear()
    wait_for(lambda: delivered(delivery_id), timeout=40, what="the sweep to send the due retry")
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.attempts == 2
    assert [request.body["id"] for request in receiver.received] == [str(delivery.event_id)]
