import time
from datetime import timedelta

import pytest
from dbos import DBOS
from django.utils import timezone

from tests.conftest import create_scheduled_post
from tests.jobs.conftest import connect_webhook, due_post, make_due, settled, wait_for
from tests.support.fake_platform import FakePlatform
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.jobs.events import send
from tidings.jobs.models import JobLog
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.base import Capabilities
from tidings.platforms.connectors.webhook import WebhookConnector
from tidings.platforms.models import AccountStatus
from tidings.platforms.registry import CONNECTORS
from tidings.platforms.services import disconnect_account
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import cancel_post, reschedule_post
from tidings.usage.models import Metric
from tidings.usage.services import local_day, usage_on
from tidings.workspaces.plan import set_tier_limits

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
    assert workspace_of(alice).credits == 9
    assert CreditLedgerEntry.objects.filter(workspace=workspace_of(alice), kind=LedgerKind.CONSUME).count() == 1
    assert (
        usage_on(workspace_of(alice), metric=Metric.POSTS, platform="webhook", day=local_day(workspace_of(alice))) == 1
    )
    log = JobLog.objects.get(workflow_id=f"publish-{target.pk}")
    assert (log.event, log.status, log.data["outcome"]) == ("post/scheduled.process", "completed", "published")


def only_target(post) -> PostTarget:  # type: ignore[no-untyped-def]
    return PostTarget.objects.select_related("account").get(post=post)


def fail_first(kind: str, times: int):  # type: ignore[no-untyped-def]
    return lambda key, attempt: kind if attempt <= times else None


def test_transient_errors_are_retried_with_backoff_then_published(bob: User, fake: FakePlatform) -> None:
    fake.decide_fault = fail_first("503", 2)
    post = due_post(bob, [connect_webhook(bob, fake)])

    wait_for(lambda: settled(post), what="the post to settle")

    target = only_target(post)
    assert target.status == TargetStatus.PUBLISHED
    assert fake.received_for(str(target.idempotency_key)) == 3
    assert len(fake.posts) == 1


def test_persistent_errors_fail_after_three_retries_and_release_the_credit(bob: User, fake: FakePlatform) -> None:
    fake.decide_fault = lambda key, attempt: "500"
    post = due_post(bob, [connect_webhook(bob, fake)], text="Keep this text")

    wait_for(lambda: settled(post), what="the post to fail")

    target = only_target(post)
    assert target.status == TargetStatus.FAILED
    assert fake.received_for(str(target.idempotency_key)) == 4
    assert "Gave up after 4 attempts" in target.error
    assert "500" in target.error
    assert target.text == "Keep this text"
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.RELEASED
    assert workspace_of(bob).credits == 500
    note = Notification.objects.get(user=bob, type=NotificationType.POST_FAILED)
    assert note.data == {"target_id": target.pk, "post_id": post.pk, "platform": "webhook"}
    assert JobLog.objects.get(workflow_id=f"publish-{target.pk}").status == "failed"


def test_a_rate_limit_waits_for_retry_after(bob: User, fake: FakePlatform) -> None:
    fake.decide_fault = fail_first("429", 1)
    fake.retry_after = "2"
    post = due_post(bob, [connect_webhook(bob, fake)])
    started = time.monotonic()

    wait_for(lambda: settled(post), what="the post to publish")

    assert only_target(post).status == TargetStatus.PUBLISHED
    assert time.monotonic() - started >= 2.0
    assert fake.received_for(str(only_target(post).idempotency_key)) == 2


def test_an_auth_error_marks_the_account_for_reconnect_and_skips(bob: User, fake: FakePlatform) -> None:
    fake.decide_fault = lambda key, attempt: "401"
    account = connect_webhook(bob, fake)
    post = due_post(bob, [account])

    wait_for(lambda: settled(post), what="the post to be skipped")

    target = only_target(post)
    assert target.status == TargetStatus.SKIPPED
    assert fake.received_for(str(target.idempotency_key)) == 1
    account.refresh_from_db()
    assert account.status == AccountStatus.RECONNECT_NEEDED
    assert "secret" in account.status_reason
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.RELEASED
    assert Notification.objects.filter(user=bob, type=NotificationType.POST_SKIPPED).count() == 1


def test_a_permanent_refusal_fails_with_the_platforms_message(bob: User, fake: FakePlatform) -> None:
    fake.decide_fault = lambda key, attempt: "422"
    post = due_post(bob, [connect_webhook(bob, fake)])

    wait_for(lambda: settled(post), what="the post to fail")

    target = only_target(post)
    assert target.status == TargetStatus.FAILED
    assert "text rejected by policy" in target.error
    assert fake.received_for(str(target.idempotency_key)) == 1


def test_a_timeout_after_sending_is_resent_with_the_same_key_and_published_once(bob: User, fake: FakePlatform) -> None:
    fake.decide_fault = fail_first("timeout", 1)
    post = due_post(bob, [connect_webhook(bob, fake)])

    wait_for(lambda: settled(post), what="the post to publish")

    target = only_target(post)
    assert target.status == TargetStatus.PUBLISHED
    assert fake.received_for(str(target.idempotency_key)) == 2
    assert list(fake.posts) == [str(target.idempotency_key)]
    assert workspace_of(bob).credits == 499


class NoIdempotencyWebhook(WebhookConnector):
    """A platform without idempotency keys or a way to look a post up."""

    capabilities = Capabilities(idempotent_publish=False)


def test_without_idempotency_an_unknown_outcome_is_unconfirmed_not_resent(
    bob: User, fake: FakePlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(CONNECTORS, "webhook", NoIdempotencyWebhook())
    fake.decide_fault = lambda key, attempt: "timeout"
    post = due_post(bob, [connect_webhook(bob, fake)])

    wait_for(lambda: settled(post), what="the post to settle")

    target = only_target(post)
    assert target.status == TargetStatus.UNCONFIRMED
    assert fake.received_for(str(target.idempotency_key)) == 1
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.PENDING
    assert Notification.objects.filter(user=bob, type=NotificationType.POST_FAILED).count() == 1


def test_the_daily_limit_skips_posts_beyond_it(alice: User, fake: FakePlatform) -> None:
    """Scheduling keeps a day within the limit; when the limit shrinks later (a plan change), publishing still
    holds it and skips what no longer fits."""
    account = connect_webhook(alice, fake)
    set_tier_limits(workspace_of(alice), overrides={"posts_per_platform_per_day": 3})
    posts = [due_post(alice, [account], text=f"post {n}") for n in range(3)]
    set_tier_limits(workspace_of(alice), overrides={})

    wait_for(lambda: all(settled(p) for p in posts), what="three posts to settle")

    statuses = sorted(only_target(p).status for p in posts)
    assert statuses == ["published", "published", "skipped"]
    skipped = PostTarget.objects.get(post__in=posts, status=TargetStatus.SKIPPED)
    assert "Today's limit of 2 posts" in skipped.error
    assert len(fake.posts) == 2
    assert workspace_of(alice).credits == 8
    assert available_credits(workspace_of(alice)) == 8


def test_changes_before_the_run_take_effect(bob: User, fake: FakePlatform) -> None:
    account = connect_webhook(bob, fake)
    edited = due_post(bob, [account], text="first draft")
    Post.objects.filter(pk=edited.pk).update(text="final words")
    cancelled = create_scheduled_post(bob, [account], text="never")
    cancel_post(owner(bob), cancelled.pk)
    make_due(cancelled)
    moved = create_scheduled_post(bob, [account], text="moved")
    new_time = timezone.now() + timedelta(seconds=3)
    reschedule_post(owner(bob), moved.pk, at=new_time)

    wait_for(lambda: settled(edited) and settled(moved), what="the edited and moved posts to publish")

    assert sorted(r.body["text"] for r in fake.posts.values()) == ["final words", "moved"]
    assert only_target(cancelled).status == TargetStatus.CANCELLED
    published_at = only_target(moved).published_at
    assert published_at is not None
    assert published_at >= new_time


def test_a_post_cancelled_after_it_was_queued_is_not_sent(bob: User, fake: FakePlatform) -> None:
    account = connect_webhook(bob, fake)
    post = create_scheduled_post(bob, [account])
    PostTarget.objects.filter(post=post).update(status=TargetStatus.QUEUED)
    cancel_post(owner(bob), post.pk)
    target = only_target(post)

    enqueue_and_wait(target)

    assert fake.posts == {}
    assert only_target(post).status == TargetStatus.CANCELLED
    assert JobLog.objects.get(workflow_id=f"publish-{target.pk}").status == "cancelled"
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.RELEASED


def test_the_same_target_started_twice_publishes_once(bob: User, fake: FakePlatform) -> None:
    post = create_scheduled_post(bob, [connect_webhook(bob, fake)])
    PostTarget.objects.filter(post=post).update(status=TargetStatus.QUEUED)
    target = only_target(post)

    first = send("post/scheduled.process", {"target_id": target.pk})
    second = send("post/scheduled.process", {"target_id": target.pk})
    DBOS.retrieve_workflow(first).get_result()

    assert first == second == f"publish-{target.pk}"
    assert only_target(post).status == TargetStatus.PUBLISHED
    assert fake.received_for(str(target.idempotency_key)) == 1
    assert workspace_of(bob).credits == 499


def test_a_disconnected_account_is_skipped_and_its_credit_returned(bob: User, fake: FakePlatform) -> None:
    account = connect_webhook(bob, fake)
    post = create_scheduled_post(bob, [account])
    disconnect_account(owner(bob), account.pk)
    make_due(post)

    wait_for(lambda: settled(post), what="the post to be skipped")

    target = only_target(post)
    assert target.status == TargetStatus.SKIPPED
    assert "Reconnect it" in target.error
    assert fake.posts == {}
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.RELEASED


def test_posts_overdue_beyond_the_late_window_are_skipped(bob: User, fake: FakePlatform) -> None:
    post = create_scheduled_post(bob, [connect_webhook(bob, fake)])
    make_due(post, seconds_ago=601)

    wait_for(lambda: settled(post), what="the overdue post to be skipped")

    target = only_target(post)
    assert target.status == TargetStatus.SKIPPED
    assert "10 minutes past its time" in target.error
    assert fake.posts == {}
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.RELEASED


def enqueue_and_wait(target: PostTarget) -> None:
    workflow_id = send("post/scheduled.process", {"target_id": target.pk})
    DBOS.retrieve_workflow(workflow_id).get_result()


def test_a_published_post_cannot_be_published_again(bob: User, fake: FakePlatform) -> None:
    post = due_post(bob, [connect_webhook(bob, fake)])
    wait_for(lambda: settled(post), what="the post to publish")
    target = only_target(post)

    enqueue_and_wait(target)
    with pytest.raises(Conflict):
        cancel_post(owner(bob), post.pk)
    with pytest.raises(Conflict):
        reschedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(hours=1))
    PostTarget.objects.filter(pk=target.pk).update(status=TargetStatus.QUEUED)  # even a wrongly re-queued row
    enqueue_and_wait(target)

    assert fake.received_for(str(target.idempotency_key)) == 1
    assert workspace_of(bob).credits == 499
