"""Hand-written threads (each post with its own files) and the first comment on the platforms that thread: the
exact requests (X `reply.in_reply_to_tweet_id`, Bluesky `reply.root/parent` strong refs, Mastodon `in_reply_to_id`,
Threads `reply_to_id`), what validation says, and how a send in doubt is found without posting anything twice."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.platforms.atproto import DID, PDS, connect_bluesky, jwt, session, xrpc
from tests.support.waits import QUICK
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import Content, OutcomeUnknown, Published, ThreadPart
from tidings.platforms.connectors.bluesky import BlueskyConnector
from tidings.platforms.connectors.bluesky.connector import COMMENT_INDEX
from tidings.platforms.connectors.bluesky.records import record_key
from tidings.platforms.connectors.mastodon import MastodonConnector
from tidings.platforms.connectors.threads import ThreadsConnector
from tidings.platforms.connectors.x import XConnector
from tidings.platforms.media import MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

pytestmark = pytest.mark.django_db
X_API = "https://api.x.com/2"
JPEG = b"\xff\xd8 image bytes"
KEY = "5f0c2a8e-0000-4000-8000-000000000001"
COMMENT = "Menu and opening hours: bakery.example/menu"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setenv("TIDINGS_X_CLIENT_ID", "x-client")
    monkeypatch.setenv("TIDINGS_X_CLIENT_SECRET", "x-secret")
    monkeypatch.setenv("TIDINGS_THREADS_CLIENT_ID", "th-app")
    monkeypatch.setenv("TIDINGS_THREADS_CLIENT_SECRET", "th-secret")
    monkeypatch.setenv("TIDINGS_PUBLIC_URL", "https://tidings.example")
    monkeypatch.setattr(ThreadsConnector, "patience", QUICK)


def photo(name: str, **changes: object) -> MediaItem:
    path = default_storage.save(f"uploads/{name}", ContentFile(JPEG))
    fields: dict = {"kind": "image", "mime_type": "image/jpeg", "size_bytes": len(JPEG)} | changes
    return MediaItem(path=path, **fields)


def three_parts(first: tuple[MediaItem, ...] = (), third: tuple[MediaItem, ...] = (), comment: str = "") -> Content:
    return Content(
        text="We baked all night.",
        media=first,
        parts=(ThreadPart("Rye first, then the sourdough."), ThreadPart("And the croissants.", third)),
        first_comment=comment,
    )


# --- X ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def x_account(alice: User) -> SocialAccount:
    return connect_account(
        owner(alice), platform=Platform.X, external_id="2244994945", handle="@alice", access_token="at-1"
    )


def x_uploads() -> respx.Route:
    init = respx.post(f"{X_API}/media/upload/initialize").mock(
        side_effect=[httpx.Response(200, json={"data": {"id": media_id}}) for media_id in ("777", "778")]
    )
    for media_id in ("777", "778"):
        respx.post(f"{X_API}/media/upload/{media_id}/append").respond(204)
        respx.post(f"{X_API}/media/upload/{media_id}/finalize").respond(json={"data": {"id": media_id}})
    return init


@respx.mock
def test_x_hand_written_thread_goes_out_as_written_each_post_with_its_files_then_the_comment(
    x_account: SocialAccount,
) -> None:
    init = x_uploads()
    tweets = respx.post(f"{X_API}/tweets").mock(
        side_effect=[httpx.Response(201, json={"data": {"id": str(100 + n)}}) for n in range(4)]
    )
    content = three_parts(first=(photo("a.jpg"),), third=(photo("b.jpg"),), comment=COMMENT)
    published = XConnector().publish(x_account, content, idempotency_key="k1")
    assert published == Published("100", "https://x.com/alice/status/100")
    assert init.call_count == 2
    assert [json.loads(call.request.content) for call in tweets.calls] == [
        {"text": "We baked all night.", "media": {"media_ids": ["777"]}},
        {"text": "Rye first, then the sourdough.", "reply": {"in_reply_to_tweet_id": "100"}},
        {"text": "And the croissants.", "media": {"media_ids": ["778"]}, "reply": {"in_reply_to_tweet_id": "101"}},
        # The first comment answers the first post, not the end of the thread.
        {"text": COMMENT, "reply": {"in_reply_to_tweet_id": "100"}},
    ]


@respx.mock
def test_x_a_failed_comment_leaves_the_post_published_with_the_reason_and_the_text(x_account: SocialAccount) -> None:
    tweets = respx.post(f"{X_API}/tweets").mock(
        side_effect=[
            httpx.Response(201, json={"data": {"id": "100"}}),
            httpx.Response(403, json={"detail": "You are not permitted to reply to this conversation."}),
        ]
    )
    published = XConnector().publish(x_account, Content(text="Hello", first_comment=COMMENT), idempotency_key="k1")
    assert (published.external_id, published.url) == ("100", "https://x.com/alice/status/100")
    assert published.notice == (
        "The post went out, but its first comment did not: X answered 403: You are not permitted to reply to this "
        "conversation. Not sent again, so nothing is posted twice; add it by hand if it is missing: " + COMMENT
    )
    assert tweets.call_count == 2


@respx.mock
def test_x_a_thread_cut_short_by_a_hand_written_part_is_not_retried(x_account: SocialAccount) -> None:
    respx.post(f"{X_API}/tweets").mock(
        side_effect=[httpx.Response(201, json={"data": {"id": "100"}}), httpx.Response(503, text="Over capacity")]
    )
    with pytest.raises(
        OutcomeUnknown, match=r"^1 of 3 posts of the thread went out \(https://x.com/alice/status/100\)"
    ):
        XConnector().publish(x_account, three_parts(comment=COMMENT), idempotency_key="k1")


def test_x_refuses_a_hand_written_post_too_long_rather_than_splitting_it(x_account: SocialAccount) -> None:
    images = tuple(MediaItem(f"uploads/{n}.jpg", "image", "image/jpeg", 1000) for n in range(5))
    content = Content(
        text="Short start.",
        parts=(ThreadPart("word " * 60), ThreadPart(""), ThreadPart("Photos", images)),
        first_comment="c" * 281,
    )
    assert XConnector().validate(x_account, content) == [
        "The first comment is 281 characters long; X allows 280. Shorten it.",
        "Post 2 of the thread: The post is 299 characters long; X allows 280. Shorten it, or move some of it to a "
        "post of its own.",
        "Post 3 of the thread is empty: write something or remove it.",
        "Post 4 of the thread: X takes at most 4 attachments; this post has 5.",
    ]
    assert XConnector().validate(x_account, three_parts(comment=COMMENT)) == []


SENT = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def tweet(post_id: str, text: str, *, reply_to: str = "", minutes: float = 1) -> dict[str, object]:
    created = (SENT + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    post: dict[str, object] = {"id": post_id, "text": text, "created_at": created}
    if reply_to:
        post["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
    return post


@respx.mock
def test_x_lookup_finds_the_hand_written_thread_and_its_comment_or_says_the_comment_is_missing(
    x_account: SocialAccount,
) -> None:
    thread_posts = [
        tweet("2001", "We baked all night."),
        tweet("2002", "Rye first, then the sourdough.", reply_to="2001", minutes=1.1),
        tweet("2003", "And the croissants.", reply_to="2002", minutes=1.2),
    ]
    listing = respx.get(f"{X_API}/users/2244994945/tweets")
    listing.respond(
        json={"data": [*thread_posts, tweet("2004", "Menu and opening hours: https://t.co/m", reply_to="2001")]}
    )
    content = three_parts(comment=COMMENT)
    connector = XConnector()
    found = connector.find_published(x_account, idempotency_key="k1", content=content, sent_after=SENT)
    assert found == Published("2001", "https://x.com/alice/status/2001")

    listing.respond(json={"data": thread_posts})
    found = connector.find_published(x_account, idempotency_key="k1", content=content, sent_after=SENT)
    assert found is not None
    assert (found.external_id, found.url) == ("2001", "https://x.com/alice/status/2001")
    assert found.notice == (
        "The post went out, but its first comment was not found on X after an interrupted send; it was not sent "
        f"again, so nothing is posted twice. Add it by hand if it is missing: {COMMENT}"
    )


# --- Bluesky ----------------------------------------------------------------------------------------------------


def bsky_created(index: int, cid: str) -> dict[str, str]:
    return {"uri": f"at://{DID}/app.bsky.feed.post/{record_key(KEY, index)}", "cid": cid}


@respx.mock
def test_bluesky_hand_written_thread_with_strong_refs_and_the_comment_under_the_first_post(alice: User) -> None:
    account = connect_bluesky(alice)
    blob = {"$type": "blob", "ref": {"$link": "bafkreib"}, "mimeType": "image/jpeg", "size": len(JPEG)}
    upload = respx.post(xrpc("com.atproto.repo.uploadBlob")).respond(json={"blob": blob})
    answers = [bsky_created(n, f"cid{n}") for n in range(3)] + [bsky_created(COMMENT_INDEX, "cidc")]
    create = respx.post(xrpc("com.atproto.repo.createRecord")).mock(
        side_effect=[httpx.Response(200, json=answer | {"commit": {}}) for answer in answers]
    )
    content = three_parts(third=(photo("b.jpg", alt_text="Croissants"),), comment="Open till 6")
    published = BlueskyConnector().publish(account, content, idempotency_key=KEY)
    assert published == Published(answers[0]["uri"], f"https://bsky.app/profile/{DID}/post/{record_key(KEY, 0)}")
    assert upload.call_count == 1
    sent = [json.loads(call.request.content) for call in create.calls]
    assert [body["rkey"] for body in sent] == [record_key(KEY, n) for n in (0, 1, 2, COMMENT_INDEX)]
    records = [body["record"] for body in sent]
    root = {"uri": answers[0]["uri"], "cid": "cid0"}
    assert [r["text"] for r in records] == [
        "We baked all night.",
        "Rye first, then the sourdough.",
        "And the croissants.",
        "Open till 6",
    ]
    assert "reply" not in records[0]
    assert "embed" not in records[0]
    assert records[1]["reply"] == {"root": root, "parent": root}
    assert records[2]["reply"] == {"root": root, "parent": {"uri": answers[1]["uri"], "cid": "cid1"}}
    assert records[2]["embed"] == {"$type": "app.bsky.embed.images", "images": [{"image": blob, "alt": "Croissants"}]}
    assert records[3]["reply"] == {"root": root, "parent": root}
    assert "embed" not in records[3]


@respx.mock
def test_bluesky_a_send_in_doubt_counts_as_published_only_with_every_part_and_the_comment(alice: User) -> None:
    account = connect_bluesky(alice)
    present = {record_key(KEY, n) for n in (0, 1, 2)}

    def get_record(request: httpx.Request) -> httpx.Response:
        rkey = request.url.params["rkey"]
        if rkey not in present:
            return httpx.Response(400, json={"error": "RecordNotFound", "message": "Could not locate record"})
        uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
        return httpx.Response(200, json={"uri": uri, "cid": "c", "value": {"text": "t"}})

    respx.get(xrpc("com.atproto.repo.getRecord")).mock(side_effect=get_record)
    content = three_parts(comment="Open till 6")
    connector = BlueskyConnector()
    # The comment was never written: publishing again writes it alone (every other record key is taken).
    assert connector.find_published(account, idempotency_key=KEY, content=content, sent_after=None) is None
    present.add(record_key(KEY, COMMENT_INDEX))
    found = connector.find_published(account, idempotency_key=KEY, content=content, sent_after=None)
    assert found == Published(bsky_created(0, "")["uri"], f"https://bsky.app/profile/{DID}/post/{record_key(KEY, 0)}")
    present.discard(record_key(KEY, 2))
    assert connector.find_published(account, idempotency_key=KEY, content=content, sent_after=None) is None
    assert PDS in str(respx.calls.last.request.url)


@respx.mock
def test_bluesky_a_session_ending_at_the_comment_is_renewed_and_only_the_comment_written(alice: User) -> None:
    account = connect_bluesky(alice)
    fresh = session(access=jwt(nonce="fresh"), refresh=jwt(scope="com.atproto.refresh", nonce="fresh-r"))
    respx.post(xrpc("com.atproto.server.refreshSession")).respond(200, json=fresh)
    written: dict[str, dict] = {}

    def create(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["rkey"] == record_key(KEY, COMMENT_INDEX) and request.headers["Authorization"] == "Bearer access-1":
            return httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"})
        if body["rkey"] in written:
            return httpx.Response(500, json={"error": "InternalServerError", "message": "Internal Server Error"})
        written[body["rkey"]] = body["record"]
        return httpx.Response(
            200, json=bsky_created(0, "cid0") | {"uri": f"at://{DID}/app.bsky.feed.post/{body['rkey']}"}
        )

    def get(request: httpx.Request) -> httpx.Response:
        rkey = request.url.params["rkey"]
        if rkey not in written:
            return httpx.Response(400, json={"error": "RecordNotFound", "message": "Could not locate record"})
        return httpx.Response(200, json={"uri": f"at://{DID}/app.bsky.feed.post/{rkey}", "cid": "cid0"})

    respx.post(xrpc("com.atproto.repo.createRecord")).mock(side_effect=create)
    respx.get(xrpc("com.atproto.repo.getRecord")).mock(side_effect=get)
    published = BlueskyConnector().publish(
        account, Content(text="We baked all night.", first_comment="Open till 6"), idempotency_key=KEY
    )
    assert published.notice == ""
    assert list(written) == [record_key(KEY, 0), record_key(KEY, COMMENT_INDEX)]
    assert written[record_key(KEY, COMMENT_INDEX)]["text"] == "Open till 6"


# --- Mastodon ---------------------------------------------------------------------------------------------------

BASE = "https://mastodon.example"


@respx.mock
def test_mastodon_hand_written_thread_each_status_with_its_own_key_then_the_comment(alice: User) -> None:
    account = connect_account(
        owner(alice),
        platform=Platform.MASTODON,
        external_id="109@mastodon.example",
        handle="@alice@mastodon.example",
        access_token="token-1",
        base_url=BASE,
        # The server's limits, read just now: nothing to ask it again before posting.
        options={"instance": {"fetched_at": datetime.now(UTC).isoformat()}},
    )
    media = respx.post(f"{BASE}/api/v2/media").respond(200, json={"id": "m1"})
    statuses = respx.post(f"{BASE}/api/v1/statuses").mock(
        side_effect=[
            httpx.Response(200, json={"id": status_id, "url": f"{BASE}/@alice/{status_id}"})
            for status_id in ("1", "2", "3", "4")
        ]
    )
    content = three_parts(third=(photo("b.jpg"),), comment=COMMENT)
    published = MastodonConnector().publish(account, content, idempotency_key=KEY)
    assert published == Published("1", f"{BASE}/@alice/1")
    assert media.call_count == 1
    assert [json.loads(call.request.content) for call in statuses.calls] == [
        {"status": "We baked all night."},
        {"status": "Rye first, then the sourdough.", "in_reply_to_id": "1"},
        {"status": "And the croissants.", "media_ids": ["m1"], "in_reply_to_id": "2"},
        {"status": COMMENT, "in_reply_to_id": "1"},
    ]
    assert [call.request.headers["Idempotency-Key"] for call in statuses.calls] == [
        KEY,
        f"{KEY}-1",
        f"{KEY}-2",
        f"{KEY}-comment",
    ]


# --- Threads ----------------------------------------------------------------------------------------------------

TH_API = "https://graph.threads.net/v1.0"
TH_USER = "17841400000"


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


@respx.mock
def test_threads_hand_written_thread_replies_in_turn_and_the_comment_replies_to_the_first(alice: User) -> None:
    account = connect_account(
        owner(alice), platform=Platform.THREADS, external_id=TH_USER, handle="@alice", access_token="th-long"
    )
    create = respx.post(f"{TH_API}/{TH_USER}/threads").mock(
        side_effect=[httpx.Response(200, json={"id": f"c{n}"}) for n in range(4)]
    )
    for n in range(4):
        respx.get(f"{TH_API}/c{n}").respond(json={"status": "FINISHED", "id": f"c{n}"})
        respx.get(f"{TH_API}/m{n}").respond(json={"permalink": f"https://www.threads.net/@alice/post/{n}"})
    publish = respx.post(f"{TH_API}/{TH_USER}/threads_publish").mock(
        side_effect=[httpx.Response(200, json={"id": f"m{n}"}) for n in range(4)]
    )
    item = photo("b.jpg")
    content = three_parts(third=(item,), comment=COMMENT)
    assert ThreadsConnector().validate(account, content) == []
    published = ThreadsConnector().publish(account, content, idempotency_key="k")
    assert published == Published("m0", "https://www.threads.net/@alice/post/0")
    token = {"access_token": "th-long"}
    assert [form(call.request) for call in create.calls] == [
        {"text": "We baked all night.", "media_type": "TEXT"} | token,
        {"text": "Rye first, then the sourdough.", "reply_to_id": "m0", "media_type": "TEXT"} | token,
        {
            "text": "And the croissants.",
            "reply_to_id": "m1",
            "media_type": "IMAGE",
            "image_url": f"https://tidings.example/media/{item.path}",
        }
        | token,
        {"text": COMMENT, "reply_to_id": "m0", "media_type": "TEXT"} | token,
    ]
    assert [form(call.request)["creation_id"] for call in publish.calls] == ["c0", "c1", "c2", "c3"]


def mastodon_status(status_id: str, text: str, sent: datetime, *, reply_to: str | None = None) -> dict[str, object]:
    return {
        "id": status_id,
        "url": f"{BASE}/@alice/{status_id}",
        "created_at": (sent + timedelta(minutes=1)).isoformat().replace("+00:00", "Z"),
        "content": f"<p>{text}</p>",
        "in_reply_to_id": reply_to,
        "media_attachments": [],
    }


@respx.mock
def test_mastodon_a_missing_comment_is_sent_again_while_its_key_is_held_else_said(alice: User) -> None:
    account = connect_account(
        owner(alice),
        platform=Platform.MASTODON,
        external_id="109@mastodon.example",
        handle="@alice@mastodon.example",
        access_token="token-1",
        base_url=BASE,
        scopes="read:accounts read:statuses write:statuses write:media",
    )
    content = Content(text="We baked all night.", first_comment="Open till 6")
    connector = MastodonConnector()
    listing = respx.get(f"{BASE}/api/v1/accounts/109/statuses")

    recent = datetime.now(UTC) - timedelta(minutes=2)
    listing.respond(json=[mastodon_status("1", "We baked all night.", recent)])
    # The server still holds the comment's key: sending again makes it once (the post's own key returns the post).
    assert connector.find_published(account, idempotency_key=KEY, content=content, sent_after=recent) is None

    old = datetime.now(UTC) - timedelta(hours=2)
    listing.respond(json=[mastodon_status("1", "We baked all night.", old)])
    found = connector.find_published(account, idempotency_key=KEY, content=content, sent_after=old)
    assert found is not None
    assert (found.external_id, found.url) == ("1", f"{BASE}/@alice/1")
    assert found.notice == (
        "The post went out, but its first comment was not found on Mastodon after an interrupted send; it was not "
        "sent again, so nothing is posted twice. Add it by hand if it is missing: Open till 6"
    )
    listing.respond(
        json=[
            mastodon_status("2", "Open till 6", old, reply_to="1"),
            mastodon_status("1", "We baked all night.", old),
        ]
    )
    found = connector.find_published(account, idempotency_key=KEY, content=content, sent_after=old)
    assert found == Published("1", f"{BASE}/@alice/1")


@respx.mock
def test_threads_a_found_post_says_its_comment_could_not_be_checked(alice: User) -> None:
    account = connect_account(
        owner(alice), platform=Platform.THREADS, external_id=TH_USER, handle="@alice", access_token="th-long"
    )
    respx.get(f"{TH_API}/{TH_USER}/threads").respond(
        json={
            "data": [
                {
                    "id": "m0",
                    "text": "We baked all night.",
                    "timestamp": (SENT + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
                    "permalink": "https://www.threads.net/@alice/post/0",
                    "media_type": "TEXT_POST",
                }
            ]
        }
    )
    content = Content(text="We baked all night.", first_comment=COMMENT)
    found = ThreadsConnector().find_published(account, idempotency_key="k", content=content, sent_after=SENT)
    assert found is not None
    assert (found.external_id, found.url) == ("m0", "https://www.threads.net/@alice/post/0")
    assert found.notice == (
        "The post went out, but after an interrupted send Tidings cannot tell whether its first comment did on "
        f"Threads; it was not sent again, so nothing is posted twice. Add it by hand if it is missing: {COMMENT}"
    )
