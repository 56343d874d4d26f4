import pytest

from tests.jobs.conftest import connect_webhook, due_post, settled, wait_for
from tests.support.fake_platform import FakePlatform
from tidings.accounts.models import User
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.jobs.models import JobLog
from tidings.posts.models import PostTarget, TargetStatus
from tidings.usage.models import Metric
from tidings.usage.services import local_day, usage_on

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


def test_a_due_post_is_published_once_and_its_credit_consumed(alice: User, fake: FakePlatform) -> None:
    account = connect_webhook(alice, fake)
    post = due_post(alice, [account], text="Launch day")

    wait_for(lambda: settled(post), what="the post to publish")

    target = PostTarget.objects.get(post=post)
    assert target.status == TargetStatus.PUBLISHED
    assert target.external_id == f"post-{str(target.idempotency_key)[:8]}"
    assert target.external_url == f"https://fake.example/p/{target.idempotency_key}"
    received = fake.posts[str(target.idempotency_key)]
    assert received.signature_ok
    assert received.body["text"] == "Launch day"
    assert fake.received_for(str(target.idempotency_key)) == 1
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED
    alice.refresh_from_db()
    assert alice.credits == 9
    assert CreditLedgerEntry.objects.filter(user=alice, kind=LedgerKind.CONSUME).count() == 1
    assert usage_on(alice, metric=Metric.POSTS, platform="webhook", day=local_day(alice)) == 1
    log = JobLog.objects.get(workflow_id=f"publish-{target.pk}")
    assert (log.event, log.status, log.data["outcome"]) == ("post/scheduled.process", "completed", "published")
