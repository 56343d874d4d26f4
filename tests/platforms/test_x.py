"""X connector: the exact requests it makes to API v2 and how each answer is classified."""

import base64
import hashlib
import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.support.waits import HAND_BACK, QUICK
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import (
    Content,
    OutcomeUnknown,
    PermanentError,
    Published,
    RateLimited,
    ReauthRequired,
    StillProcessing,
    TransientError,
)
from tidings.platforms.connectors import x as x_module
from tidings.platforms.connectors.api import MAX_THREAD_PARTS
from tidings.platforms.connectors.x import XConnector
from tidings.platforms.media import MB, MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.rules import split_into_thread
from tidings.platforms.services import connect_account

API = "https://api.x.com/2"
TOKEN_URL = "https://api.x.com/2/oauth2/token"
x = XConnector()


@pytest.fixture(autouse=True)
def _app(monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path) -> None:
    monkeypatch.setenv("TIDINGS_X_CLIENT_ID", "x-client")
    monkeypatch.setenv("TIDINGS_X_CLIENT_SECRET", "x-secret")
    monkeypatch.setattr(XConnector, "patience", QUICK)
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def account(alice: User) -> SocialAccount:
    return connect_account(
        owner(alice),
        platform=Platform.X,
        external_id="2244994945",
        handle="@alice",
        access_token="at-1",
        refresh_token="rt-1",
    )


JPEG = b"\xff\xd8 image bytes"


def stored(name: str, data: bytes = JPEG) -> str:
    return default_storage.save(f"uploads/{name}", ContentFile(data))


def image(path: str = "uploads/a.jpg", **kwargs: object) -> MediaItem:
    values: dict = {"kind": "image", "mime_type": "image/jpeg", "size_bytes": 1000} | kwargs
    return MediaItem(path=path, **values)


def test_not_configured_without_client_id(monkeypatch: pytest.MonkeyPatch) -> None:
    assert x.is_configured()
    monkeypatch.delenv("TIDINGS_X_CLIENT_ID")
    assert not x.is_configured()
    with pytest.raises(PermanentError, match="TIDINGS_X_CLIENT_ID"):
        x.start_connect(redirect_uri="https://tidings.example/cb")


def test_authorization_url_has_state_scopes_and_pkce_s256() -> None:
    request = x.start_connect(redirect_uri="https://tidings.example/cb")
    url = urlsplit(request.url)
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    verifier = request.session_data["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert (url.scheme, url.netloc, url.path) == ("https", "x.com", "/i/oauth2/authorize")
    assert params == {
        "response_type": "code",
        "client_id": "x-client",
        "redirect_uri": "https://tidings.example/cb",
        "scope": "tweet.read tweet.write users.read offline.access media.write",
        "state": request.state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    assert 43 <= len(verifier) <= 128
    assert request.state != x.start_connect(redirect_uri="https://tidings.example/cb").state


@respx.mock
def test_code_exchange_with_basic_auth_and_verifier_then_identity() -> None:
    token = respx.post(TOKEN_URL).respond(
        json={"access_token": "new-at", "refresh_token": "new-rt", "expires_in": 7200, "scope": "tweet.write"}
    )
    me = respx.get(f"{API}/users/me").respond(json={"data": {"id": "42", "name": "Alice A", "username": "alice"}})
    identity, tokens = x.finish_connect(
        code="the-code", redirect_uri="https://tidings.example/cb", session_data={"code_verifier": "v" * 50}
    )
    sent = token.calls.last.request
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"x-client:x-secret").decode()
    assert parse_qs(sent.content.decode()) == {
        "grant_type": ["authorization_code"],
        "code": ["the-code"],
        "redirect_uri": ["https://tidings.example/cb"],
        "code_verifier": ["v" * 50],
    }
    assert me.calls.last.request.headers["Authorization"] == "Bearer new-at"
    assert (identity.external_id, identity.handle, identity.display_name) == ("42", "@alice", "Alice A")
    assert (tokens.access_token, tokens.refresh_token, tokens.scope) == ("new-at", "new-rt", "tweet.write")
    assert tokens.expires_at is not None


@respx.mock
def test_refresh_rotates_the_refresh_token(account: SocialAccount) -> None:
    token = respx.post(TOKEN_URL).respond(json={"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 7200})
    tokens = x.refresh_credentials(account)
    assert parse_qs(token.calls.last.request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["rt-1"],
    }
    assert (tokens.access_token, tokens.refresh_token) == ("at-2", "rt-2")


@respx.mock
def test_refused_refresh_token_needs_reconnect(account: SocialAccount) -> None:
    respx.post(TOKEN_URL).respond(
        400, json={"error": "invalid_request", "error_description": "Value passed for the token was invalid."}
    )
    with pytest.raises(ReauthRequired, match="token was invalid"):
        x.refresh_credentials(account)


@respx.mock
def test_publish_one_post(account: SocialAccount) -> None:
    route = respx.post(f"{API}/tweets").respond(201, json={"data": {"id": "1346889436626259968", "text": "Hello"}})
    published = x.publish(account, Content(text="Hello"), idempotency_key="k1")
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer at-1"
    assert json.loads(request.content) == {"text": "Hello"}
    assert published.external_id == "1346889436626259968"
    assert published.url == "https://x.com/alice/status/1346889436626259968"


@respx.mock
def test_long_text_goes_out_as_a_thread_of_replies(account: SocialAccount) -> None:
    text = "\n\n".join(f"Paragraph {n}: " + "word " * 40 for n in range(3))
    parts = split_into_thread(Platform.X, text)
    route = respx.post(f"{API}/tweets").mock(
        side_effect=[httpx.Response(201, json={"data": {"id": str(100 + n)}}) for n in range(len(parts))]
    )
    published = x.publish(account, Content(text=text), idempotency_key="k1")
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert len(parts) > 1
    assert bodies[0] == {"text": parts[0]}
    assert bodies[1:] == [
        {"text": part, "reply": {"in_reply_to_tweet_id": str(100 + n)}} for n, part in enumerate(parts[1:])
    ]
    assert published.external_id == "100"


@respx.mock
def test_thread_cut_short_is_not_retried(account: SocialAccount) -> None:
    text = "\n\n".join("word " * 50 for _ in range(2))
    respx.post(f"{API}/tweets").mock(
        side_effect=[httpx.Response(201, json={"data": {"id": "100"}}), httpx.Response(503, text="Over capacity")]
    )
    with pytest.raises(OutcomeUnknown, match=r"1 of 2 posts of the thread went out \(https://x.com/alice/status/100\)"):
        x.publish(account, Content(text=text), idempotency_key="k1")


@pytest.mark.parametrize(
    ("response", "error", "message"),
    [
        (httpx.Response(503, text="Service Unavailable"), TransientError, "X answered 503"),
        (httpx.Response(401, json={"title": "Unauthorized", "status": 401}), ReauthRequired, "reconnect"),
        (
            httpx.Response(403, json={"detail": "You are not allowed to create a Tweet with duplicate content."}),
            PermanentError,
            "duplicate content",
        ),
        (
            httpx.Response(
                400, json={"errors": [{"message": "Your media IDs are invalid."}], "title": "Invalid Request"}
            ),
            PermanentError,
            "Your media IDs are invalid.",
        ),
    ],
)
@respx.mock
def test_error_answers_are_classified(
    account: SocialAccount, response: httpx.Response, error: type, message: str
) -> None:
    respx.post(f"{API}/tweets").mock(return_value=response)
    with pytest.raises(error, match=message):
        x.publish(account, Content(text="Hello"), idempotency_key="k1")


@respx.mock
def test_rate_limit_waits_until_the_reset_time(account: SocialAccount) -> None:
    reset = int(time.time()) + 120
    respx.post(f"{API}/tweets").respond(
        429, headers={"x-rate-limit-reset": str(reset)}, json={"title": "Too Many Requests"}
    )
    with pytest.raises(RateLimited) as raised:
        x.publish(account, Content(text="Hello"), idempotency_key="k1")
    assert 115 <= raised.value.retry_after <= 120


@respx.mock
def test_lost_answer_after_sending_is_unknown_but_refused_connection_is_transient(account: SocialAccount) -> None:
    route = respx.post(f"{API}/tweets").mock(side_effect=httpx.ReadTimeout("read timed out"))
    with pytest.raises(OutcomeUnknown):
        x.publish(account, Content(text="Hello"), idempotency_key="k1")
    route.mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransientError):
        x.publish(account, Content(text="Hello"), idempotency_key="k1")


@respx.mock
def test_image_is_uploaded_in_chunks_and_attached(account: SocialAccount) -> None:
    path = stored("photo.jpg")
    init = respx.post(f"{API}/media/upload/initialize").respond(json={"data": {"id": "777", "media_key": "3_777"}})
    append = respx.post(f"{API}/media/upload/777/append").respond(204)
    finalize = respx.post(f"{API}/media/upload/777/finalize").respond(json={"data": {"id": "777"}})
    alt = respx.post(f"{API}/media/metadata").respond(200, json={"data": {}})
    tweet = respx.post(f"{API}/tweets").respond(201, json={"data": {"id": "1"}})
    item = image(path, size_bytes=len(JPEG), alt_text="A cat")
    x.publish(account, Content(text="Look", media=(item,)), idempotency_key="k1")
    assert json.loads(init.calls.last.request.content) == {
        "media_type": "image/jpeg",
        "total_bytes": len(JPEG),
        "media_category": "tweet_image",
    }
    body = append.calls.last.request.content
    assert b'name="segment_index"\r\n\r\n0' in body
    assert JPEG in body
    assert finalize.calls.last.request.headers["Authorization"] == "Bearer at-1"
    assert json.loads(alt.calls.last.request.content) == {"id": "777", "metadata": {"alt_text": {"text": "A cat"}}}
    assert json.loads(tweet.calls.last.request.content) == {"text": "Look", "media": {"media_ids": ["777"]}}


@respx.mock
def test_video_processing_is_awaited_and_failure_is_permanent(account: SocialAccount) -> None:
    path = stored("clip.mp4", b"video")
    video = MediaItem(path=path, kind="video", mime_type="video/mp4", size_bytes=5, duration_seconds=10)
    respx.post(f"{API}/media/upload/initialize").respond(json={"data": {"id": "9"}})
    respx.post(f"{API}/media/upload/9/append").respond(204)
    respx.post(f"{API}/media/upload/9/finalize").respond(
        json={"data": {"id": "9", "processing_info": {"state": "pending"}}}
    )
    status = respx.get(f"{API}/media/upload", params={"command": "STATUS", "media_id": "9"}).mock(
        side_effect=[
            httpx.Response(200, json={"data": {"processing_info": {"state": "in_progress"}}}),
            httpx.Response(200, json={"data": {"processing_info": {"state": "succeeded"}}}),
        ]
    )
    tweet = respx.post(f"{API}/tweets").respond(201, json={"data": {"id": "5"}})
    assert x.publish(account, Content(text="Clip", media=(video,)), idempotency_key="k").external_id == "5"
    assert status.call_count == 2
    assert json.loads(tweet.calls.last.request.content)["media"] == {"media_ids": ["9"]}

    status.mock(
        return_value=httpx.Response(
            200, json={"data": {"processing_info": {"state": "failed", "error": {"message": "Unsupported video"}}}}
        )
    )
    with pytest.raises(PermanentError, match="Unsupported video"):
        x.publish(account, Content(text="Clip", media=(video,)), idempotency_key="k")


@respx.mock
def test_a_video_still_processing_is_checked_again_when_x_says_without_uploading_it_again(
    account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(XConnector, "patience", HAND_BACK)
    monkeypatch.setattr(x_module, "CHUNK_BYTES", 4)
    path = stored("long.mp4", b"0123456789")
    video = MediaItem(path=path, kind="video", mime_type="video/mp4", size_bytes=10, duration_seconds=10)
    init = respx.post(f"{API}/media/upload/initialize").respond(json={"data": {"id": "9"}})
    append = respx.post(f"{API}/media/upload/9/append").respond(204)
    respx.post(f"{API}/media/upload/9/finalize").respond(
        json={"data": {"id": "9", "processing_info": {"state": "pending", "check_after_secs": 12}}}
    )
    status = respx.get(f"{API}/media/upload", params={"command": "STATUS", "media_id": "9"}).mock(
        side_effect=[
            httpx.Response(200, json={"data": {"processing_info": {"state": "in_progress", "check_after_secs": 20}}}),
            httpx.Response(200, json={"data": {"processing_info": {"state": "succeeded"}}}),
        ]
    )
    tweet = respx.post(f"{API}/tweets").respond(201, json={"data": {"id": "6"}})
    clip = Content(text="Clip", media=(video,))

    with pytest.raises(StillProcessing) as waiting:
        x.publish(account, clip, idempotency_key="k")
    # X's own `check_after_secs` sets the next check.
    assert (waiting.value.check_after, waiting.value.progress["media_ids"], waiting.value.progress["pending"]) == (
        20.0,
        [["9"]],  # one list per post of the thread
        ["9"],
    )
    assert tweet.call_count == 0
    published = x.publish(account, replace(clip, progress=waiting.value.progress), idempotency_key="k")

    assert published.external_id == "6"
    # Read and sent chunk by chunk (10 bytes in chunks of 4), once.
    for segment, (call, chunk) in enumerate(zip(append.calls, (b"0123", b"4567", b"89"), strict=True)):
        assert f'name="segment_index"\r\n\r\n{segment}'.encode() in call.request.content
        assert b"\r\n\r\n" + chunk + b"\r\n" in call.request.content
    assert (init.call_count, append.call_count, status.call_count, tweet.call_count) == (1, 3, 2, 1)
    assert json.loads(tweet.calls.last.request.content)["media"] == {"media_ids": ["9"]}


def test_validation_messages(account: SocialAccount) -> None:
    assert x.validate(account, Content(text="Hello")) == []
    assert x.validate(account, Content(text="", media=(image(),))) == []
    assert x.validate(account, Content(text="  ")) == ["The post is empty."]
    runaway = "\n\n".join("word " * 50 for _ in range(MAX_THREAD_PARTS + 1))
    assert x.validate(account, Content(text=runaway)) == [
        f"This text would make a thread of {MAX_THREAD_PARTS + 1} posts on X; Tidings sends at most 25. Shorten it."
    ]
    assert x.validate(account, Content(text="Hi", media=(image(),) * 5)) == [
        "X takes at most 4 attachments; this post has 5."
    ]
    assert x.validate(account, Content(text="Hi", media=(image(mime_type="image/bmp"),))) == [
        "a.jpg: X does not take image/bmp images."
    ]
    long_video = MediaItem(
        path="uploads/v.mp4", kind="video", mime_type="video/mp4", size_bytes=MB, duration_seconds=200
    )
    assert x.validate(account, Content(text="Hi", media=(long_video,))) == ["v.mp4 lasts 200 s; X takes at most 140 s."]
    gif = MediaItem(path="uploads/g.gif", kind="gif", mime_type="image/gif", size_bytes=16 * MB)
    assert x.validate(account, Content(text="Hi", media=(gif, image()))) == [
        "X takes an animated GIF only on its own, without other media.",
        "g.gif is 16.0 MB; X takes GIFs up to 15 MB.",
    ]


# --- finding a post whose send got no answer ------------------------------------------------------------------
# GET /2/users/:id/tweets (https://docs.x.com/x-api/users/get-posts): `data` is a list of posts with the asked-for
# `tweet.fields`, `meta.next_token` the next page (https://docs.x.com/x-api/posts/timelines/integrate). X writes
# links as t.co links and escapes &, < and >.

SENT = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
TIMELINE = f"{API}/users/2244994945/tweets"


def tweet(post_id: str, text: str, *, minutes: float = 1, media: int = 0, reply_to: str = "") -> dict[str, object]:
    """A post as the timeline lists it, made `minutes` after the send."""
    created = (SENT + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    post: dict[str, object] = {"id": post_id, "text": text, "created_at": created, "edit_history_tweet_ids": [post_id]}
    if media:
        post["attachments"] = {"media_keys": [f"3_{post_id}{n}" for n in range(media)]}
    if reply_to:
        post["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
    return post


def timeline(*posts: dict[str, object], next_token: str = "") -> httpx.Response:
    meta: dict[str, object] = {"result_count": len(posts)}
    if next_token:
        meta["next_token"] = next_token
    return httpx.Response(200, json={"data": list(posts), "meta": meta} if posts else {"meta": meta})


def find(account: SocialAccount, content: Content, sent_after: datetime | None = SENT):
    return x.find_published(account, idempotency_key="k1", content=content, sent_after=sent_after)


BREAD = Content(text="Fresh bread & butter today", link="https://bakery.example/menu")


@respx.mock
def test_find_published_matches_the_text_without_links_since_the_send(account: SocialAccount) -> None:
    route = respx.get(TIMELINE).mock(
        return_value=timeline(
            tweet("1903", "Something else entirely", minutes=3),
            tweet("1902", "Fresh bread &amp; butter today\n\nhttps://t.co/AbC123", minutes=0.2),
        )
    )
    assert x.capabilities.can_find_published
    assert find(account, BREAD) == Published("1902", "https://x.com/alice/status/1902")
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer at-1"
    assert dict(request.url.params) == {
        "max_results": "100",
        "tweet.fields": "created_at,attachments,referenced_tweets,note_tweet",
        "start_time": "2026-05-04T09:55:00Z",
    }


@respx.mock
def test_find_published_answers_none_when_the_post_is_not_there(account: SocialAccount) -> None:
    respx.get(TIMELINE).mock(return_value=timeline(tweet("1903", "Fresh bread and butter today")))
    assert find(account, BREAD) is None
    respx.get(TIMELINE).mock(return_value=timeline())
    assert find(account, BREAD) is None


@respx.mock
def test_an_older_post_with_the_same_text_is_not_taken_for_it(account: SocialAccount) -> None:
    # Made ten minutes before the send: more than the five minutes allowed for the clocks to differ.
    respx.get(TIMELINE).mock(return_value=timeline(tweet("1800", "Fresh bread &amp; butter today", minutes=-10)))
    assert find(account, BREAD) is None


@respx.mock
def test_of_several_matches_the_oldest_is_taken_and_the_media_must_agree(account: SocialAccount) -> None:
    respx.get(TIMELINE).mock(
        return_value=timeline(
            tweet("1905", "Fresh bread &amp; butter today https://t.co/x", minutes=4),
            tweet("1904", "Fresh bread &amp; butter today https://t.co/y", minutes=2),
            tweet("1901", "Fresh bread &amp; butter today https://t.co/z", minutes=-3, media=1),
        )
    )
    assert find(account, BREAD) == Published("1904", "https://x.com/alice/status/1904")
    with_photo = Content(text="Fresh bread & butter today", media=(image(),))
    assert find(account, with_photo) == Published("1901", "https://x.com/alice/status/1901")


@respx.mock
def test_the_lookup_follows_pages_and_refuses_to_guess_past_its_bound(account: SocialAccount) -> None:
    def pages(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("pagination_token", "")
        if token == "":
            return timeline(tweet("1950", "Newer", minutes=9), next_token="p2")
        return timeline(tweet("1902", "Fresh bread &amp; butter today https://t.co/a", minutes=1))

    route = respx.get(TIMELINE).mock(side_effect=pages)
    assert find(account, BREAD) == Published("1902", "https://x.com/alice/status/1902")
    assert [call.request.url.params.get("pagination_token") for call in route.calls] == [None, "p2"]

    # Page after page of posts since the send, and ours not among them: not sure, so not "not there".
    route.mock(side_effect=lambda request: timeline(tweet("1", "Busy", minutes=2), next_token="more"))
    with pytest.raises(TransientError, match="more posts since the send"):
        find(account, BREAD)


@respx.mock
def test_a_thread_is_found_whole_or_reported_cut_short(account: SocialAccount) -> None:
    text = " ".join(f"Sentence number {n} is right here." for n in range(1, 13))
    first, second = split_into_thread(Platform.X, text)
    respx.get(TIMELINE).mock(
        return_value=timeline(tweet("2002", second, minutes=1.5, reply_to="2001"), tweet("2001", first, minutes=1))
    )
    assert find(account, Content(text=text)) == Published("2001", "https://x.com/alice/status/2001")
    respx.get(TIMELINE).mock(return_value=timeline(tweet("2001", first, minutes=1)))
    with pytest.raises(
        OutcomeUnknown, match=r"1 of 2 posts of the thread are on X \(https://x.com/alice/status/2001\)"
    ):
        find(account, Content(text=text))


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(429, headers={"x-rate-limit-reset": "0"}, json={"title": "Too Many Requests"}), RateLimited),
        (httpx.Response(401, json={"title": "Unauthorized", "status": 401}), ReauthRequired),
        (httpx.Response(503, json={"title": "Service Unavailable"}), TransientError),
    ],
)
@respx.mock
def test_a_failed_lookup_is_classified(account: SocialAccount, answer: httpx.Response, error: type) -> None:
    respx.get(TIMELINE).mock(return_value=answer)
    with pytest.raises(error):
        find(account, BREAD)


@respx.mock
def test_reply_settings_go_on_the_first_post_and_everyone_is_left_to_x(account: SocialAccount) -> None:
    route = respx.post(f"{API}/tweets").respond(201, json={"data": {"id": "7", "text": "Hello"}})
    x.publish(account, Content(text="Hello", options={"reply_settings": "mentionedUsers"}), idempotency_key="k1")
    assert json.loads(route.calls.last.request.content) == {"text": "Hello", "reply_settings": "mentionedUsers"}
    x.publish(account, Content(text="Hello", options={"reply_settings": "everyone"}), idempotency_key="k2")
    assert json.loads(route.calls.last.request.content) == {"text": "Hello"}
