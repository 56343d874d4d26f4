"""A Mastodon server's own limits, read from GET /api/v2/instance (https://docs.joinmastodon.org/methods/instance/#v2)
or the v1 document of older servers and of Pleroma, Akkoma and glitch-soc (`max_toot_chars`), kept on the account
and used at compose, schedule and publish."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import respx
from django.utils import timezone

from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import InvalidInput
from tidings.credits.models import CreditReservation
from tidings.platforms.base import Content
from tidings.platforms.connectors.mastodon import MastodonConnector
from tidings.platforms.connectors.mastodon.instance import fetch_limits, read_limits
from tidings.platforms.media import MB, MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account
from tidings.posts.services import create_post, schedule_post
from tidings.web.composer.preview import build_previews

pytestmark = pytest.mark.django_db
mastodon = MastodonConnector()
BASE = "https://mastodon.example"
KEY = "3c0f9a7e-1d2b-4c5d-8e9f-00000000000b"
# The `configuration` of an Instance (https://docs.joinmastodon.org/entities/Instance/#configuration), as a server
# with a raised post length answers it.
V2 = {
    "domain": "mastodon.example",
    "version": "4.3.0",
    "configuration": {
        "urls": {"streaming": "wss://mastodon.example"},
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
        "statuses": {"max_characters": 1000, "max_media_attachments": 6, "characters_reserved_per_url": 23},
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "video/mp4", "audio/mpeg"],
            "description_limit": 1500,
            "image_size_limit": 10 * MB,
            "image_matrix_limit": 16777216,
            "video_size_limit": 40 * MB,
            "video_frame_rate_limit": 60,
            "video_matrix_limit": 2304000,
        },
        "polls": {"max_options": 4, "max_characters_per_option": 50},
    },
}
LIMITS = {
    "max_characters": 1000,
    "max_media_attachments": 6,
    "characters_reserved_per_url": 23,
    "image_size_limit": 10 * MB,
    "video_size_limit": 40 * MB,
    "supported_mime_types": ["audio/mpeg", "image/gif", "image/jpeg", "image/png", "video/mp4"],
}


def account_with(user: User, limits: dict[str, Any] | None, *, age: timedelta = timedelta(0)) -> SocialAccount:
    options = {"kind": "personal"}
    if limits is not None:
        options["instance"] = {**limits, "fetched_at": (datetime.now(UTC) - age).isoformat()}
    return connect_account(
        owner(user),
        platform=Platform.MASTODON,
        external_id="109@mastodon.example",
        handle="@alice@mastodon.example",
        access_token="token-1",
        base_url=BASE,
        options=options,
    )


def status(status_id: str) -> dict[str, str]:
    return {"id": status_id, "url": f"{BASE}/@alice/{status_id}"}


def test_the_v2_instance_configuration_is_read() -> None:
    assert read_limits(V2) == LIMITS


def test_pleroma_and_glitch_say_max_toot_chars_and_pleroma_one_upload_limit() -> None:
    pleroma = {"uri": "https://pleroma.example", "max_toot_chars": 5000, "upload_limit": 16000000, "version": "2.7"}
    assert read_limits(pleroma) == {"max_characters": 5000, "image_size_limit": 16000000, "video_size_limit": 16000000}
    # A v1 document with Mastodon's `configuration` (3.4+) is read like v2; odd values are ignored.
    v1 = {"configuration": {"statuses": {"max_characters": 2000, "max_media_attachments": "4"}}, "max_toot_chars": 0}
    assert read_limits(v1) == {"max_characters": 2000}


@respx.mock
def test_a_server_without_v2_is_asked_for_v1() -> None:
    v2 = respx.get(f"{BASE}/api/v2/instance").respond(404, json={"error": "Record not found"})
    v1 = respx.get(f"{BASE}/api/v1/instance").respond(200, json={"max_toot_chars": 5000})
    assert fetch_limits(BASE) == {"max_characters": 5000}
    assert (v2.call_count, v1.call_count) == (1, 1)


@respx.mock
def test_what_v2_says_is_kept_when_v1_is_asked_for_the_length_and_fails() -> None:
    media_only = {"configuration": {"media_attachments": V2["configuration"]["media_attachments"]}}
    respx.get(f"{BASE}/api/v2/instance").respond(200, json=media_only)
    respx.get(f"{BASE}/api/v1/instance").respond(500)
    assert fetch_limits(BASE) == {key: LIMITS[key] for key in ("image_size_limit", "video_size_limit")} | {
        "supported_mime_types": LIMITS["supported_mime_types"]
    }


@respx.mock
def test_a_v2_server_is_not_asked_for_v1() -> None:
    respx.get(f"{BASE}/api/v2/instance").respond(200, json=V2)
    v1 = respx.get(f"{BASE}/api/v1/instance").respond(200, json={"max_toot_chars": 5000})
    assert fetch_limits(BASE) == LIMITS
    assert v1.call_count == 0


@respx.mock
def test_a_text_within_the_servers_limit_goes_as_one_status_where_the_default_would_thread_it(alice: User) -> None:
    route = respx.post(f"{BASE}/api/v1/statuses").respond(200, json=status("1"))
    text = " ".join(["Fresh bread today."] * 40)  # 759 characters
    account = account_with(alice, LIMITS)
    assert mastodon.validate(account, Content(text=text)) == []
    mastodon.publish(account, Content(text=text), idempotency_key=KEY)
    assert [json.loads(call.request.content)["status"] for call in route.calls] == [text]


@respx.mock
def test_a_server_with_a_shorter_limit_threads_what_the_default_would_send_whole(alice: User) -> None:
    route = respx.post(f"{BASE}/api/v1/statuses").mock(
        side_effect=[respx.MockResponse(200, json=status(str(n))) for n in range(1, 4)]
    )
    text = " ".join(["Fresh bread today."] * 20)  # 379 characters
    mastodon.publish(account_with(alice, {"max_characters": 150}), Content(text=text), idempotency_key=KEY)
    sent = [json.loads(call.request.content)["status"] for call in route.calls]
    assert [part[-4:] for part in sent] == [" 1/3", " 2/3", " 3/3"]
    assert all(len(part) <= 150 for part in sent)


def test_media_is_checked_against_the_servers_attachment_limits(alice: User, bob: User) -> None:
    account = account_with(alice, LIMITS)
    six = tuple(MediaItem(f"uploads/{n}.png", "image", "image/png", 10) for n in range(6))
    assert mastodon.validate(account, Content(text="Six", media=six)) == []
    assert mastodon.validate(account, Content(text="Seven", media=(*six, six[0]))) == [
        "Mastodon takes at most 6 attachments; this post has 7."
    ]
    big = MediaItem("uploads/big.jpg", "image", "image/jpeg", 12 * MB)
    assert mastodon.validate(account, Content(text="Big", media=(big,))) == [
        "big.jpg is 12.0 MB; Mastodon takes images up to 10 MB."
    ]
    webp = MediaItem("uploads/a.webp", "image", "image/webp", 10)
    assert mastodon.validate(account, Content(text="Webp", media=(webp,))) == [
        "a.webp: Mastodon does not take image/webp images."
    ]
    # Without stored limits, Mastodon's defaults: 4 attachments, images up to 16 MB, webp taken.
    other = account_with(bob, None)
    assert mastodon.validate(other, Content(text="Big", media=(big, webp))) == []


def test_the_link_length_the_server_reserves_is_counted(alice: User) -> None:
    account = account_with(alice, {"max_characters": 60, "characters_reserved_per_url": 40})
    url = "https://example.com/" + "x" * 100
    # 19 + 40 = 59 characters as this server counts: one status.
    assert mastodon.text_rules(account).url_length == 40
    previews = build_previews([account], text=f"Menu for the week: {url}", link="", overrides={}, media=())
    assert [(p.total, p.limit, len(p.parts)) for p in previews] == [(59, 60, 1)]


@respx.mock
def test_limits_a_day_old_are_read_again_at_publish_and_kept_beside_the_other_options(alice: User) -> None:
    account = account_with(alice, {"max_characters": 500}, age=timedelta(days=1, minutes=1))
    instance = respx.get(f"{BASE}/api/v2/instance").respond(200, json=V2)
    respx.post(f"{BASE}/api/v1/statuses").respond(200, json=status("1"))
    before = timezone.now()
    mastodon.publish(account, Content(text="Hello"), idempotency_key=KEY)
    options = SocialAccount.objects.get(pk=account.pk).options
    assert options["kind"] == "personal"
    assert {key: value for key, value in options["instance"].items() if key != "fetched_at"} == LIMITS
    assert datetime.fromisoformat(options["instance"]["fetched_at"]) >= before
    # Fresh now: the next publish asks no more.
    account.refresh_from_db()
    mastodon.publish(account, Content(text="Hello again"), idempotency_key=KEY + "-2")
    assert instance.call_count == 1


@respx.mock
def test_a_server_that_does_not_answer_keeps_the_limits_it_had(alice: User) -> None:
    account = account_with(alice, {"max_characters": 150}, age=timedelta(days=3))
    respx.get(f"{BASE}/api/v2/instance").respond(503)
    respx.get(f"{BASE}/api/v1/instance").respond(503)
    respx.post(f"{BASE}/api/v1/statuses").respond(200, json=status("1"))
    mastodon.publish(account, Content(text="Hello"), idempotency_key=KEY)
    assert SocialAccount.objects.get(pk=account.pk).options["instance"]["max_characters"] == 150


def test_a_post_too_long_for_a_thread_on_this_server_stays_a_draft_and_reserves_nothing(bob: User) -> None:
    account = account_with(bob, {"max_characters": 100})
    text = " ".join(["Fresh bread today."] * 150)  # 30 statuses of 100 characters; the default 500 needs 6
    post = create_post(owner(bob), text=text, account_ids=[account.pk])
    # Validation asks the server nothing (any request would fail under respx).
    with respx.mock, pytest.raises(InvalidInput, match="This would be a thread of 30 posts") as refusal:
        schedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(hours=1))
    post.refresh_from_db()
    assert post.draft_reason == refusal.value.message[:500]
    assert [t.status for t in post.targets.all()] == ["draft"]
    assert not CreditReservation.objects.filter(workspace=workspace_of(bob)).exists()
