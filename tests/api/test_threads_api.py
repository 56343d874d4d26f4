"""A hand-written thread and a first comment over the API: kept and returned, refused at schedule where a chosen
platform cannot carry them (nothing reserved), and bad shapes refused naming the field."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import Api, error
from tests.conftest import create_account
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation
from tidings.platforms.models import Platform
from tidings.posts.models import Post, TargetStatus

pytestmark = pytest.mark.django_db
PARTS = ["Rye first, then the sourdough.", "And the croissants."]


def test_create_and_edit_a_thread_with_a_first_comment(bob: User, bob_api: Api) -> None:
    x = create_account(bob, Platform.X)
    body = {"text": "We baked all night.", "account_ids": [x.pk], "thread_parts": PARTS, "first_comment": "Menu"}
    created = bob_api.post("/posts", body)
    assert created.status_code == 201
    assert (created.json()["thread_parts"], created.json()["first_comment"]) == (PARTS, "Menu")
    post_id = created.json()["id"]

    edited = bob_api.patch(f"/posts/{post_id}", {"thread_parts": PARTS[:1]})
    assert edited.status_code == 200
    assert (edited.json()["thread_parts"], edited.json()["first_comment"]) == (PARTS[:1], "Menu")
    assert bob_api.patch(f"/posts/{post_id}", {"first_comment": ""}).json()["first_comment"] == ""

    at = (timezone.now() + timedelta(hours=2)).isoformat()
    scheduled = bob_api.post(f"/posts/{post_id}/schedule", {"scheduled_at": at})
    assert scheduled.status_code == 200
    assert [t["status"] for t in scheduled.json()["targets"]] == ["scheduled"]


def test_schedule_refuses_a_thread_on_a_platform_without_threads_and_reserves_nothing(bob: User, bob_api: Api) -> None:
    page = create_account(bob, Platform.LINKEDIN)
    created = bob_api.post("/posts", {"text": "One", "account_ids": [page.pk], "thread_parts": ["Two"]}).json()
    at = (timezone.now() + timedelta(hours=2)).isoformat()
    body = error(bob_api.post(f"/posts/{created['id']}/schedule", {"scheduled_at": at}), 400, "invalid_input")
    assert body["message"] == (
        "LinkedIn @bob1: LinkedIn has no threads: this post has 2 posts. Remove the others, or post to LinkedIn "
        "separately."
    )
    post = Post.objects.get(pk=created["id"])
    assert post.draft_reason == body["message"]
    assert list(post.targets.values_list("status", flat=True)) == [TargetStatus.DRAFT]
    assert not CreditReservation.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"thread_parts": "not a list"}, "thread_parts"),
        ({"thread_parts": [5]}, "thread_parts.0"),
        ({"thread_parts": ["x"] * 25}, "thread_parts"),
        ({"first_comment": 7}, "first_comment"),
    ],
)
def test_bad_threads_and_comments_are_refused_naming_the_field(
    bob: User, bob_api: Api, payload: dict, field: str
) -> None:
    x = create_account(bob, Platform.X)
    body = error(bob_api.post("/posts", {"text": "One", "account_ids": [x.pk], **payload}), 400, "invalid_input")
    assert body["field"] == field
    assert not Post.objects.exists()
