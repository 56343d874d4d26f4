"""A hand-written thread with a first comment through the durable publish workflow, X faked at the HTTP edge: the
thread goes out as replies in turn, and a comment X refuses leaves the post published, its credit spent, the
reason on the target and in a notification, and the workflow completed."""

import json
from datetime import timedelta

import httpx
import pytest
import respx
from django.utils import timezone

from tests.conftest import create_account
from tests.jobs.conftest import settled, wait_for
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.jobs.models import JobLog
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.models import Platform
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]
TWEETS = "https://api.x.com/2/tweets"


def test_a_thread_whose_comment_x_refuses_is_published_with_the_reason(bob: User) -> None:
    account = create_account(bob, Platform.X)
    post = create_post(
        owner(bob),
        text="We baked all night.",
        account_ids=[account.pk],
        thread_parts=["Rye first."],
        first_comment="Menu",
    )
    schedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(minutes=5))
    answers = [
        httpx.Response(201, json={"data": {"id": "100"}}),
        httpx.Response(201, json={"data": {"id": "101"}}),
        httpx.Response(403, json={"detail": "You are not permitted to reply to this conversation."}),
    ]
    with respx.mock(assert_all_called=False) as edge:
        tweets = edge.post(TWEETS).mock(side_effect=answers)
        PostTarget.objects.filter(post=post).update(scheduled_at=timezone.now() - timedelta(seconds=1))
        wait_for(lambda: settled(post), what="the post to publish")

    assert [json.loads(call.request.content) for call in tweets.calls] == [
        {"text": "We baked all night."},
        {"text": "Rye first.", "reply": {"in_reply_to_tweet_id": "100"}},
        {"text": "Menu", "reply": {"in_reply_to_tweet_id": "100"}},
    ]
    target = PostTarget.objects.get(post=post)
    note = (
        "The post went out, but its first comment did not: X answered 403: You are not permitted to reply to this "
        "conversation. Not sent again, so nothing is posted twice; add it by hand if it is missing: Menu"
    )
    assert (target.status, target.external_id, target.error) == (TargetStatus.PUBLISHED, "100", note)
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED
    assert Notification.objects.get(user=bob, type=NotificationType.POST_FAILED).message == note
    log = JobLog.objects.get(workflow_id=f"publish-{target.pk}")
    assert (log.status, log.data["outcome"]) == ("completed", "published")
