"""The queue's forms: one post, one target, or the selected posts, each answered with what happened."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.queue import card_ids, png, post_in, todays_limit_used
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.posts.media import attach_media
from tidings.posts.models import MediaAsset, Post, PostTarget, TargetStatus
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db


def said(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def local_field(user: User, days: int = 1, hour: int = 10) -> str:
    at = (timezone.now().astimezone(workspace_of(user).zone) + timedelta(days=days)).replace(hour=hour, minute=0)
    return at.strftime("%Y-%m-%dT%H:%M")


def pending(user: User) -> int:
    return CreditReservation.objects.filter(workspace=workspace_of(user), status=ReservationStatus.PENDING).count()


def test_a_skipped_post_moves_to_tomorrow_from_the_queue_when_retry_is_refused(client: Client, alice: User) -> None:
    account = create_account(alice)
    skipped = post_in(alice, account, "skipped", text="Skipped", days=1)
    todays_limit_used(alice, account)
    target = skipped.targets.get()
    client.force_login(alice)

    refused = client.post(f"/queue/targets/{target.pk}/retry/", {"next": "/queue/?show=problems"}, follow=True)
    assert "at the daily limit: 2 of 2 used on the Free plan" in said(refused)[0]
    assert PostTarget.objects.get(pk=target.pk).status == TargetStatus.SKIPPED

    when = local_field(alice)
    response = client.post(
        f"/queue/{skipped.pk}/reschedule/", {"when": when, "next": "/queue/?show=problems"}, follow=True
    )

    assert said(response) == ["Rescheduled."]
    assert response.redirect_chain == [("/queue/?show=problems", 302)]
    moved = PostTarget.objects.get(pk=target.pk)
    assert moved.status == TargetStatus.SCHEDULED
    assert moved.scheduled_at is not None
    assert moved.scheduled_at.astimezone(workspace_of(alice).zone).strftime("%Y-%m-%dT%H:%M") == when
    assert pending(alice) == 1


def test_a_time_that_is_not_one_or_that_daylight_saving_skips_is_refused(client: Client) -> None:
    erin = make_user("erin", Tier.PRO, time_zone="Europe/Berlin")
    post = post_in(erin, create_account(erin), "failed", text="Failed")
    client.force_login(erin)

    for when, message in [
        ("", "Pick a date and a time."),
        ("tomorrow", "Pick a date and a time."),
        (f"{timezone.now().year + 1}-03-28T02:30", "does not exist in Europe/Berlin"),
    ]:
        response = client.post(f"/queue/{post.pk}/reschedule/", {"when": when}, follow=True)
        assert message in said(response)[0]
    assert PostTarget.objects.get(post=post).status == TargetStatus.FAILED
    assert pending(erin) == 0


def test_a_draft_is_scheduled_from_the_queue(client: Client, bob: User) -> None:
    post = create_post(owner(bob), text="Draft", account_ids=[create_account(bob).pk])
    client.force_login(bob)
    response = client.post(f"/queue/{post.pk}/schedule/", {"when": local_field(bob)}, follow=True)
    assert said(response) == ["Scheduled."]
    assert PostTarget.objects.get(post=post).status == TargetStatus.SCHEDULED


def test_to_drafts_on_a_published_post_says_no_and_changes_nothing(client: Client, bob: User) -> None:
    post = post_in(bob, create_account(bob), "published", text="Out")
    client.force_login(bob)
    response = client.post(f"/queue/{post.pk}/unschedule/", follow=True)
    assert said(response) == ["Nothing in this post can go back to a draft: it is published or being published."]
    assert PostTarget.objects.get(post=post).status == TargetStatus.PUBLISHED


def test_duplicate_copies_the_files_and_opens_the_drafts_at_the_copy(client: Client, bob: User) -> None:
    post = create_scheduled_post(bob, [create_account(bob)], text="With files")
    attach_media(owner(bob), post.pk, uploads=[png("#ff0000"), png("#00ff00")], alt_text="Squares")
    client.force_login(bob)

    response = client.post(f"/queue/{post.pk}/duplicate/")

    copy = Post.objects.exclude(pk=post.pk).get()
    assert response["Location"] == f"/queue/?show=drafts#post-{copy.pk}"
    page = client.get(response["Location"])
    assert said(page) == ["Duplicated as a new draft, with its 2 files."]
    assert card_ids(page.content.decode()) == [copy.pk]
    assert list(copy.media.values_list("alt_text", flat=True)) == ["Squares", "Squares"]
    assert MediaAsset.objects.count() == 4


def test_bulk_reschedule_sums_up_in_a_toast_and_lists_each_post_once(client: Client, alice: User) -> None:
    account = create_account(alice)
    posts = [create_scheduled_post(alice, [account], text=f"Post {n}", days=n + 2) for n in range(3)]
    client.force_login(alice)
    ids = [p.pk for p in posts]

    response = client.post(
        "/queue/bulk/",
        {"action": "reschedule", "mode": "time", "when": local_field(alice), "posts": ids, "next": "/queue/"},
        follow=True,
    )

    assert said(response) == ["2 of 3 posts rescheduled; 1 could not be: see why below."]
    page = response.content.decode()
    assert page.count('data-testid="bulk-line"') == 3
    assert "“Post 0”" in page
    assert "“Post 2”" in page
    assert "are at the daily limit: 2 of 2 used on the Free plan" in page
    assert page.count("Rescheduled for <time") == 2
    # Shown once: the next visit has no report.
    assert 'data-testid="bulk-report"' not in client.get("/queue/").content.decode()


def test_bulk_shift_to_drafts_and_delete(client: Client, bob: User) -> None:
    account = create_account(bob)
    first, second = (create_scheduled_post(bob, [account], text=f"Post {n}", days=n + 1) for n in range(2))
    before = first.targets.get().scheduled_at
    assert before is not None
    client.force_login(bob)

    response = client.post(
        "/queue/bulk/", {"action": "reschedule", "mode": "shift", "days": "3", "posts": [first.pk]}, follow=True
    )
    assert said(response) == ["1 of 1 post rescheduled."]
    assert first.targets.get().scheduled_at == before + timedelta(days=3)

    response = client.post("/queue/bulk/", {"action": "unschedule", "posts": [first.pk, second.pk]}, follow=True)
    assert said(response) == ["2 of 2 posts moved to drafts."]
    assert set(PostTarget.objects.values_list("status", flat=True)) == {TargetStatus.DRAFT}
    assert pending(bob) == 0

    response = client.post("/queue/bulk/", {"action": "delete", "posts": [first.pk, second.pk]}, follow=True)
    assert said(response) == ["2 of 2 posts deleted."]
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "delete"}, "Select at least one post."),
        ({"action": "explode", "posts": ["1"]}, "Choose what to do with the selected posts."),
        ({"action": "reschedule", "mode": "shift", "days": "x", "posts": ["1"]}, "Give the number of days"),
        ({"action": "reschedule", "mode": "time", "when": "", "posts": ["1"]}, "Pick a date and a time."),
    ],
)
def test_a_bulk_request_that_cannot_be_carried_out_says_why(
    client: Client, bob: User, data: dict, message: str
) -> None:
    post = create_scheduled_post(bob, [create_account(bob)])
    client.force_login(bob)
    response = client.post("/queue/bulk/", data, follow=True)
    assert said(response)[0].startswith(message)
    assert PostTarget.objects.get(post=post).status == TargetStatus.SCHEDULED


def test_bulk_on_another_users_posts_finds_none_of_them(client: Client, alice: User, bob: User) -> None:
    theirs = create_scheduled_post(bob, [create_account(bob)])
    client.force_login(alice)
    response = client.post("/queue/bulk/", {"action": "delete", "posts": [theirs.pk]}, follow=True)
    assert said(response) == ["0 of 1 post deleted; 1 could not be: see why below."]
    assert "No such post." in response.content.decode()
    assert Post.objects.filter(pk=theirs.pk).exists()
