"""Hand-written threads and first comments through the posts services: kept, checked per account when scheduled
(nothing reserved on a refusal), copied, exported; and through the publish steps, where a resume after a crash
posts nothing twice and a failed comment leaves the post published with the reason."""

import io
import json
from dataclasses import replace
from datetime import datetime, timedelta

import httpx
import pytest
import respx
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.conftest import create_account
from tests.platforms.atproto import DID, connect_bluesky, xrpc
from tests.support.workspaces import owner
from tidings.accounts.export import export_user_data
from tidings.accounts.models import User
from tidings.core.errors import InvalidInput
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.connectors.bluesky.connector import COMMENT_INDEX
from tidings.platforms.connectors.bluesky.records import record_key
from tidings.platforms.connectors.x import XConnector
from tidings.platforms.models import Platform
from tidings.posts.duplicate import duplicate_post
from tidings.posts.media import attach_media
from tidings.posts.models import MediaAsset, PostTarget, TargetStatus
from tidings.posts.publishing import begin_publish, complete_publish, send_target, target_content
from tidings.posts.services import create_post, schedule_post, update_post

pytestmark = pytest.mark.django_db
PARTS = ["Rye first, then the sourdough.", "And the croissants."]
COMMENT = "Order ahead: https://bakery.example/order"


def png(name: str = "pic.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "teal").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def later() -> datetime:
    return timezone.now() + timedelta(hours=2)


def test_a_thread_and_comment_are_kept_and_reach_the_connector_with_each_posts_files(
    bob: User, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    account = create_account(bob, Platform.X)
    post = create_post(
        owner(bob),
        text="We baked all night.",
        account_ids=[account.pk],
        thread_parts=[" Rye first, then the sourdough. ", "And the croissants."],
        first_comment=COMMENT,
    )
    assert (post.thread_parts, post.first_comment) == (PARTS, COMMENT)
    first = attach_media(owner(bob), post.pk, uploads=[png("a.png")])
    third = attach_media(owner(bob), post.pk, uploads=[png("c.png")], part=2)
    content = target_content(PostTarget.objects.get(post=post))
    assert [m.path for m in content.media] == [first[0].file.name]
    assert [(p.text, [m.path for m in p.media]) for p in content.parts] == [
        (PARTS[0], []),
        (PARTS[1], [third[0].file.name]),
    ]
    assert content.first_comment == COMMENT
    with pytest.raises(InvalidInput, match="This post has no post 4 in its thread"):
        attach_media(owner(bob), post.pk, uploads=[png()], part=3)


def test_a_platform_without_threads_refuses_the_post_at_schedule_and_nothing_is_reserved(bob: User) -> None:
    page = create_account(bob, Platform.FACEBOOK)
    x = create_account(bob, Platform.X)
    post = create_post(owner(bob), text="We baked all night.", account_ids=[page.pk, x.pk], thread_parts=PARTS)
    with pytest.raises(InvalidInput) as refused:
        schedule_post(owner(bob), post.pk, at=later())
    reason = (
        "Facebook Pages @bob1: Facebook Pages has no threads: this post has 3 posts. Remove the others, or post to "
        "Facebook Pages separately."
    )
    assert refused.value.message == reason
    post.refresh_from_db()
    assert post.draft_reason == reason
    assert set(post.targets.values_list("status", flat=True)) == {TargetStatus.DRAFT}
    assert CreditReservation.objects.count() == 0


def test_a_hand_written_post_too_long_is_refused_not_split(bob: User) -> None:
    x = create_account(bob, Platform.X)
    post = create_post(owner(bob), text="Short.", account_ids=[x.pk], thread_parts=["word " * 60], first_comment="Hi")
    with pytest.raises(InvalidInput) as refused:
        schedule_post(owner(bob), post.pk, at=later())
    assert refused.value.message == (
        "X @bob1: Post 2 of the thread: The post is 299 characters long; X allows 280. Shorten it, or move some "
        "of it to a post of its own."
    )
    assert CreditReservation.objects.count() == 0
    update_post(owner(bob), post.pk, thread_parts=["word " * 20])
    scheduled = schedule_post(owner(bob), post.pk, at=later())
    assert list(scheduled.targets.values_list("status", flat=True)) == [TargetStatus.SCHEDULED]
    assert CreditReservation.objects.get().status == ReservationStatus.PENDING


def test_a_post_with_files_cannot_be_taken_out_of_the_thread_until_they_move(bob: User, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    x = create_account(bob, Platform.X)
    post = create_post(owner(bob), text="One", account_ids=[x.pk], thread_parts=["Two", "Three"])
    [asset] = attach_media(owner(bob), post.pk, uploads=[png()], part=2)
    with pytest.raises(InvalidInput, match="Post 3 of the thread still has files"):
        update_post(owner(bob), post.pk, thread_parts=["Two"])
    post.refresh_from_db()
    assert post.thread_parts == ["Two", "Three"]
    update_post(owner(bob), post.pk, thread_parts=["Two"], media_parts={asset.pk: 1})
    post.refresh_from_db()
    assert post.thread_parts == ["Two"]
    assert MediaAsset.objects.get(pk=asset.pk).part == 1
    with pytest.raises(InvalidInput, match="at most 25 posts; this one has 26"):
        update_post(owner(bob), post.pk, thread_parts=["more"] * 25)


def test_a_copy_keeps_the_thread_the_comment_and_each_files_post(bob: User, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    x = create_account(bob, Platform.X)
    post = create_post(owner(bob), text="One", account_ids=[x.pk], thread_parts=PARTS, first_comment=COMMENT)
    attach_media(owner(bob), post.pk, uploads=[png()], part=2)
    copy = duplicate_post(owner(bob), post.pk).post
    assert (copy.thread_parts, copy.first_comment) == (PARTS, COMMENT)
    assert list(copy.media.values_list("part", flat=True)) == [2]
    exported = export_user_data(bob)
    assert [(p["thread_parts"], p["first_comment"]) for p in exported["posts"]] == [(PARTS, COMMENT)] * 2
    assert [m["part"] for m in exported["media"]] == [2, 2]


# --- publishing: a crash after the post went out, and a comment that fails ------------------------------------

X_API = "https://api.x.com/2"


def publishing_target(user: User, platform: Platform, **post: object) -> PostTarget:
    account = connect_bluesky(user) if platform == Platform.BLUESKY else create_account(user, platform)
    created = create_post(owner(user), text="We baked all night.", account_ids=[account.pk], **post)  # type: ignore[arg-type]
    schedule_post(owner(user), created.pk, at=timezone.now() + timedelta(minutes=5))
    target = PostTarget.objects.get(post=created)
    PostTarget.objects.filter(pk=target.pk).update(status=TargetStatus.QUEUED)
    return target


@respx.mock
def test_x_a_resume_after_a_crash_finds_the_thread_and_posts_nothing_twice(bob: User) -> None:
    target = publishing_target(bob, Platform.X, thread_parts=PARTS, first_comment=COMMENT)
    begun = begin_publish(target.pk)
    assert (begun.action, begun.first) == ("publish", True)
    tweets = respx.post(f"{X_API}/tweets").mock(
        side_effect=[httpx.Response(201, json={"data": {"id": str(100 + n)}}) for n in range(3)]
    )
    # The crash: the thread went out, then the worker died before the comment and before any answer was kept.
    content = target_content(PostTarget.objects.select_related("post", "account").get(pk=target.pk))
    no_comment = replace(content, first_comment="")
    XConnector().publish(target.account, no_comment, idempotency_key=str(target.idempotency_key))
    assert tweets.call_count == 3
    created = (timezone.now() + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    respx.get(f"{X_API}/users/{target.account.external_id}/tweets").respond(
        json={
            "data": [
                {
                    "id": "102",
                    "text": PARTS[1],
                    "created_at": created,
                    "referenced_tweets": [{"type": "replied_to", "id": "101"}],
                },
                {
                    "id": "101",
                    "text": PARTS[0],
                    "created_at": created,
                    "referenced_tweets": [{"type": "replied_to", "id": "100"}],
                },
                {"id": "100", "text": "We baked all night.", "created_at": created},
            ]
        }
    )

    outcome = send_target(target.pk)  # the step again, after the restart

    assert tweets.call_count == 3
    assert (outcome.kind, outcome.external_id) == ("published", "100")
    note = (
        "The post went out, but its first comment was not found on X after an interrupted send; it was not sent "
        f"again, so nothing is posted twice. Add it by hand if it is missing: {COMMENT}"
    )
    assert outcome.notice == note
    assert complete_publish(target.pk, external_id=outcome.external_id, url=outcome.url, notice=outcome.notice)
    target.refresh_from_db()
    assert (target.status, target.external_id, target.error) == (TargetStatus.PUBLISHED, "100", note)
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED
    alert = Notification.objects.get(user=bob, type=NotificationType.POST_FAILED)
    assert (alert.title, alert.message) == ("Your post to X went out, not quite as asked", note)


@respx.mock
def test_x_a_failed_comment_leaves_the_post_published_and_its_credit_spent(bob: User) -> None:
    target = publishing_target(bob, Platform.X, first_comment=COMMENT)
    begun = begin_publish(target.pk)
    respx.post(f"{X_API}/tweets").mock(
        side_effect=[httpx.Response(201, json={"data": {"id": "100"}}), httpx.Response(503, text="Over capacity")]
    )
    outcome = send_target(target.pk, first=begun.first, target=begun.target, content=begun.content)
    assert outcome.kind == "published"
    assert outcome.notice == (
        "The post went out, but its first comment did not: X answered 503: Over capacity Not sent again, so "
        f"nothing is posted twice; add it by hand if it is missing: {COMMENT}"
    )
    complete_publish(target.pk, external_id=outcome.external_id, url=outcome.url, notice=outcome.notice)
    target.refresh_from_db()
    assert (target.status, target.error) == (TargetStatus.PUBLISHED, outcome.notice)
    assert list(target.attempt_history.values_list("outcome", "detail")) == [("published", outcome.notice)]
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED


class FakePds:
    """A PDS's repo as far as createRecord and getRecord go: a taken record key is refused as the reference PDS
    refuses it (500), so the connector finds the record it wrote instead."""

    def __init__(self) -> None:
        self.records: dict[str, dict] = {}
        self.created: list[str] = []

    def create(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["rkey"] in self.records:
            return httpx.Response(500, json={"error": "InternalServerError", "message": "Internal Server Error"})
        self.records[body["rkey"]] = body["record"]
        self.created.append(body["rkey"])
        return httpx.Response(200, json=self.ref(body["rkey"]) | {"commit": {}})

    def get(self, request: httpx.Request) -> httpx.Response:
        rkey = request.url.params["rkey"]
        if rkey not in self.records:
            return httpx.Response(400, json={"error": "RecordNotFound", "message": "Could not locate record"})
        return httpx.Response(200, json=self.ref(rkey) | {"value": self.records[rkey]})

    @staticmethod
    def ref(rkey: str) -> dict[str, str]:
        return {"uri": f"at://{DID}/app.bsky.feed.post/{rkey}", "cid": f"cid-{rkey}"}


@respx.mock
def test_bluesky_a_resume_writes_only_what_is_missing(bob: User) -> None:
    target = publishing_target(bob, Platform.BLUESKY, thread_parts=PARTS, first_comment=COMMENT)
    pds = FakePds()
    respx.post(xrpc("com.atproto.repo.createRecord")).mock(side_effect=pds.create)
    respx.get(xrpc("com.atproto.repo.getRecord")).mock(side_effect=pds.get)
    key = str(target.idempotency_key)
    begin_publish(target.pk)
    # The crash: two posts of the thread were written before the worker died.
    for index, text in enumerate(["We baked all night.", PARTS[0]]):
        pds.records[record_key(key, index)] = {"text": text}

    outcome = send_target(target.pk)

    assert (outcome.kind, outcome.notice) == ("published", "")
    assert outcome.external_id == f"at://{DID}/app.bsky.feed.post/{record_key(key, 0)}"
    assert pds.created == [record_key(key, 2), record_key(key, COMMENT_INDEX)]
    assert pds.records[record_key(key, COMMENT_INDEX)]["text"] == COMMENT
    root = FakePds.ref(record_key(key, 0))
    assert pds.records[record_key(key, COMMENT_INDEX)]["reply"] == {"root": root, "parent": root}
    assert list(PostTarget.objects.get(pk=target.pk).attempt_history.values_list("outcome", flat=True)) == [
        "not_found",
        "published",
    ]
