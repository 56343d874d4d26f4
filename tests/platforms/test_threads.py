"""Threads connector: OAuth with long-lived tokens and refresh, containers, polling, threads of replies, validation."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

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
from tidings.platforms.connectors.threads import ThreadsConnector
from tidings.platforms.media import MB, MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.rules import split_into_thread
from tidings.platforms.services import connect_account

threads = ThreadsConnector()
HOST = "https://graph.threads.net"
API = f"{HOST}/v1.0"
USER = "25025320"


@pytest.fixture(autouse=True)
def _app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_THREADS_CLIENT_ID", "th-app")
    monkeypatch.setenv("TIDINGS_THREADS_CLIENT_SECRET", "th-secret")
    monkeypatch.setenv("TIDINGS_PUBLIC_URL", "https://tidings.example")
    monkeypatch.setattr(ThreadsConnector, "patience", QUICK)


@pytest.fixture
def account(alice: User) -> SocialAccount:
    return connect_account(
        owner(alice), platform=Platform.THREADS, external_id=USER, handle="@alice", access_token="th-long"
    )


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def status(value: str, error: str = "") -> httpx.Response:
    return httpx.Response(200, json={"status": value, "error_message": error, "id": "x"})


def test_not_configured_without_app_id(monkeypatch: pytest.MonkeyPatch) -> None:
    assert threads.is_configured()
    monkeypatch.delenv("TIDINGS_THREADS_CLIENT_ID")
    assert not threads.is_configured()


def test_authorization_url() -> None:
    request = threads.start_connect(redirect_uri="https://tidings.example/cb")
    url = urlsplit(request.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://threads.net/oauth/authorize"
    assert {k: v[0] for k, v in parse_qs(url.query).items()} == {
        "response_type": "code",
        "client_id": "th-app",
        "redirect_uri": "https://tidings.example/cb",
        "scope": "threads_basic,threads_content_publish",
        "state": request.state,
    }


@respx.mock
def test_connect_exchanges_code_then_for_a_long_lived_token() -> None:
    token = respx.post(f"{HOST}/oauth/access_token").respond(json={"access_token": "short", "user_id": USER})
    long_lived = respx.get(f"{HOST}/access_token").respond(
        json={"access_token": "th-long", "token_type": "bearer", "expires_in": 5183944}
    )
    me = respx.get(f"{API}/me").respond(json={"id": USER, "username": "alice", "name": "Alice"})
    identity, tokens = threads.finish_connect(code="c", redirect_uri="https://tidings.example/cb", session_data={})
    assert form(token.calls.last.request) == {
        "grant_type": "authorization_code",
        "code": "c",
        "redirect_uri": "https://tidings.example/cb",
        "client_id": "th-app",
        "client_secret": "th-secret",
    }
    assert dict(long_lived.calls.last.request.url.params) == {
        "grant_type": "th_exchange_token",
        "client_secret": "th-secret",
        "access_token": "short",
    }
    assert me.calls.last.request.url.params["access_token"] == "th-long"
    assert (identity.external_id, identity.handle) == (USER, "@alice")
    assert tokens.access_token == "th-long"
    assert tokens.expires_at is not None


@respx.mock
def test_refresh_swaps_the_long_lived_token_and_an_expired_one_needs_reconnect(account: SocialAccount) -> None:
    route = respx.get(f"{HOST}/refresh_access_token").respond(
        json={"access_token": "th-long-2", "token_type": "bearer", "expires_in": 5183944}
    )
    tokens = threads.refresh_credentials(account)
    assert dict(route.calls.last.request.url.params) == {"grant_type": "th_refresh_token", "access_token": "th-long"}
    assert tokens.access_token == "th-long-2"
    route.respond(400, json={"error": {"message": "Session has expired", "type": "OAuthException", "code": 190}})
    with pytest.raises(ReauthRequired, match="Session has expired"):
        threads.refresh_credentials(account)


@respx.mock
def test_text_post_is_a_container_then_published(account: SocialAccount) -> None:
    create = respx.post(f"{API}/{USER}/threads").respond(json={"id": "c1"})
    poll = respx.get(f"{API}/c1").mock(side_effect=[status("IN_PROGRESS"), status("FINISHED")])
    publish = respx.post(f"{API}/{USER}/threads_publish").respond(json={"id": "m1"})
    respx.get(f"{API}/m1").respond(json={"permalink": "https://www.threads.net/@alice/post/AbC", "id": "m1"})
    published = threads.publish(account, Content(text="Hello"), idempotency_key="k")
    assert form(create.calls.last.request) == {"text": "Hello", "media_type": "TEXT", "access_token": "th-long"}
    assert dict(poll.calls.last.request.url.params) == {"fields": "status,error_message", "access_token": "th-long"}
    assert form(publish.calls.last.request) == {"creation_id": "c1", "access_token": "th-long"}
    assert (published.external_id, published.url) == ("m1", "https://www.threads.net/@alice/post/AbC")


@respx.mock
def test_long_text_is_a_thread_of_replies_with_media_on_the_first(account: SocialAccount) -> None:
    text = "\n\n".join(f"Part {n}. " + "word " * 80 for n in range(2))
    parts = split_into_thread(Platform.THREADS, text)
    photo = MediaItem(path="uploads/p.jpg", kind="image", mime_type="image/jpeg", size_bytes=MB)
    create = respx.post(f"{API}/{USER}/threads").mock(
        side_effect=[httpx.Response(200, json={"id": f"c{n}"}) for n in range(len(parts))]
    )
    for n in range(len(parts)):
        respx.get(f"{API}/c{n}").mock(return_value=status("FINISHED"))
        respx.get(f"{API}/m{n}").respond(json={"permalink": f"https://www.threads.net/@alice/post/{n}"})
    respx.post(f"{API}/{USER}/threads_publish").mock(
        side_effect=[httpx.Response(200, json={"id": f"m{n}"}) for n in range(len(parts))]
    )
    published = threads.publish(account, Content(text=text, media=(photo,)), idempotency_key="k")
    bodies = [form(call.request) for call in create.calls]
    assert len(parts) == 2
    assert bodies == [
        {
            "text": parts[0],
            "media_type": "IMAGE",
            "image_url": "https://tidings.example/media/uploads/p.jpg",
            "access_token": "th-long",
        },
        {"text": parts[1], "reply_to_id": "m0", "media_type": "TEXT", "access_token": "th-long"},
    ]
    assert published.external_id == "m0"


@respx.mock
def test_a_reply_still_processing_resumes_after_the_posts_already_out(
    account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ThreadsConnector, "patience", HAND_BACK)
    text = "\n\n".join(f"Part {n}. " + "word " * 80 for n in range(2))
    create = respx.post(f"{API}/{USER}/threads").mock(
        side_effect=[httpx.Response(200, json={"id": "c0"}), httpx.Response(200, json={"id": "c1"})]
    )
    respx.get(f"{API}/c0").mock(return_value=status("FINISHED"))
    second = respx.get(f"{API}/c1").mock(side_effect=[status("IN_PROGRESS"), status("FINISHED")])
    publish = respx.post(f"{API}/{USER}/threads_publish").mock(
        side_effect=[httpx.Response(200, json={"id": "m0"}), httpx.Response(200, json={"id": "m1"})]
    )
    for n in range(2):
        respx.get(f"{API}/m{n}").respond(json={"permalink": f"https://www.threads.net/@alice/post/{n}"})

    with pytest.raises(StillProcessing) as waiting:
        threads.publish(account, Content(text=text), idempotency_key="k")
    progress = waiting.value.progress
    assert (progress["done"], progress["container"]) == ([["m0", "https://www.threads.net/@alice/post/0"]], "c1")
    published = threads.publish(account, Content(text=text, progress=progress), idempotency_key="k")

    assert (published.external_id, published.url) == ("m0", "https://www.threads.net/@alice/post/0")
    # Neither the first post nor the reply's container was made or published again.
    assert (create.call_count, second.call_count, publish.call_count) == (2, 2, 2)
    assert [form(call.request)["creation_id"] for call in publish.calls] == ["c0", "c1"]


@respx.mock
def test_thread_cut_short_is_not_retried(account: SocialAccount) -> None:
    text = "\n\n".join("word " * 80 for _ in range(2))
    respx.post(f"{API}/{USER}/threads").mock(
        side_effect=[
            httpx.Response(200, json={"id": "c0"}),
            httpx.Response(500, json={"error": {"message": "Oops", "code": 2}}),
        ]
    )
    respx.get(f"{API}/c0").mock(return_value=status("FINISHED"))
    respx.post(f"{API}/{USER}/threads_publish").respond(json={"id": "m0"})
    respx.get(f"{API}/m0").respond(json={"permalink": "https://www.threads.net/@alice/post/0"})
    with pytest.raises(OutcomeUnknown, match="1 of 2 posts of the thread went out"):
        threads.publish(account, Content(text=text), idempotency_key="k")


@respx.mock
def test_carousel_and_container_error(account: SocialAccount) -> None:
    items = tuple(
        MediaItem(path=f"uploads/{n}.png", kind="image", mime_type="image/png", size_bytes=MB) for n in range(2)
    )
    create = respx.post(f"{API}/{USER}/threads").mock(
        side_effect=[httpx.Response(200, json={"id": i}) for i in ("i0", "i1", "c1")]
    )
    respx.get(f"{API}/i0").mock(return_value=status("FINISHED"))
    respx.get(f"{API}/i1").mock(return_value=status("FINISHED"))
    respx.get(f"{API}/c1").mock(return_value=status("ERROR", "The image could not be downloaded"))
    publish = respx.post(f"{API}/{USER}/threads_publish")
    with pytest.raises(PermanentError, match="could not be downloaded"):
        threads.publish(account, Content(text="Two", media=items), idempotency_key="k")
    assert form(create.calls[0].request) == {
        "media_type": "IMAGE",
        "image_url": "https://tidings.example/media/uploads/0.png",
        "is_carousel_item": "true",
        "access_token": "th-long",
    }
    assert form(create.calls[2].request) == {
        "text": "Two",
        "media_type": "CAROUSEL",
        "children": "i0,i1",
        "access_token": "th-long",
    }
    assert publish.call_count == 0


@respx.mock
def test_a_mixed_carousel_awaits_every_item_before_the_carousel_is_made(account: SocialAccount) -> None:
    photo = MediaItem(path="uploads/p.jpg", kind="image", mime_type="image/jpeg", size_bytes=MB, alt_text="Dough")
    video = MediaItem(path="uploads/v.mp4", kind="video", mime_type="video/mp4", size_bytes=MB, duration_seconds=9)
    create = respx.post(f"{API}/{USER}/threads").mock(
        side_effect=[httpx.Response(200, json={"id": i}) for i in ("i0", "i1", "i2", "c1")]
    )
    respx.get(f"{API}/i0").mock(return_value=status("FINISHED"))
    respx.get(f"{API}/i1").mock(side_effect=[status("IN_PROGRESS"), status("IN_PROGRESS"), status("FINISHED")])
    respx.get(f"{API}/i2").mock(return_value=status("FINISHED"))
    respx.get(f"{API}/c1").mock(return_value=status("FINISHED"))
    publish = respx.post(f"{API}/{USER}/threads_publish").respond(json={"id": "t1"})
    respx.get(f"{API}/t1").respond(json={"permalink": "https://www.threads.net/@alice/post/A", "id": "t1"})

    published = threads.publish(account, Content(text="Bake day", media=(photo, video, photo)), idempotency_key="k")

    assert published == Published("t1", "https://www.threads.net/@alice/post/A")
    assert [form(call.request) for call in create.calls] == [
        {
            "media_type": "IMAGE",
            "image_url": "https://tidings.example/media/uploads/p.jpg",
            "alt_text": "Dough",
            "is_carousel_item": "true",
            "access_token": "th-long",
        },
        {
            "media_type": "VIDEO",
            "video_url": "https://tidings.example/media/uploads/v.mp4",
            "is_carousel_item": "true",
            "access_token": "th-long",
        },
        {
            "media_type": "IMAGE",
            "image_url": "https://tidings.example/media/uploads/p.jpg",
            "alt_text": "Dough",
            "is_carousel_item": "true",
            "access_token": "th-long",
        },
        {"text": "Bake day", "media_type": "CAROUSEL", "children": "i0,i1,i2", "access_token": "th-long"},
    ]
    assert [f"{c.request.method} {c.request.url.path.removeprefix('/v1.0')}" for c in respx.calls] == [
        f"POST /{USER}/threads",
        f"POST /{USER}/threads",
        f"POST /{USER}/threads",
        # One pass over the items, then the one not ready yet again until it is.
        "GET /i0",
        "GET /i1",
        "GET /i2",
        "GET /i1",
        "GET /i1",
        f"POST /{USER}/threads",
        "GET /c1",
        f"POST /{USER}/threads_publish",
        "GET /t1",
    ]
    assert form(publish.calls.last.request) == {"creation_id": "c1", "access_token": "th-long"}


@respx.mock
def test_a_carousel_item_meta_cannot_use_makes_no_carousel(account: SocialAccount) -> None:
    video = MediaItem(path="uploads/v.mp4", kind="video", mime_type="video/mp4", size_bytes=MB, duration_seconds=9)
    create = respx.post(f"{API}/{USER}/threads").mock(
        side_effect=[httpx.Response(200, json={"id": i}) for i in ("i0", "i1")]
    )
    respx.get(f"{API}/i0").mock(return_value=status("ERROR", "The video could not be processed"))
    publish = respx.post(f"{API}/{USER}/threads_publish")
    with pytest.raises(PermanentError, match=r"^Threads could not use the media: The video could not be processed$"):
        threads.publish(account, Content(text="Two", media=(video, video)), idempotency_key="k")
    assert create.call_count == 2
    assert publish.call_count == 0


def test_a_carousel_holds_up_to_20_items(account: SocialAccount) -> None:
    photo = MediaItem(path="uploads/p.jpg", kind="image", mime_type="image/jpeg", size_bytes=MB)
    assert threads.validate(account, Content(text="Many", media=(photo,) * 20)) == []
    assert threads.validate(account, Content(text="Many", media=(photo,) * 21)) == [
        "Threads takes at most 20 attachments; this post has 21."
    ]


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(503, text="unavailable"), TransientError),
        (httpx.Response(400, json={"error": {"message": "Invalid OAuth access token", "code": 190}}), ReauthRequired),
        (httpx.Response(400, json={"error": {"message": "Calls limit", "code": 4}}), RateLimited),
        (
            httpx.Response(400, json={"error": {"message": "Param text must be at most 500 characters", "code": 100}}),
            PermanentError,
        ),
    ],
)
@respx.mock
def test_errors_are_classified(account: SocialAccount, response: httpx.Response, error: type) -> None:
    respx.post(f"{API}/{USER}/threads").mock(return_value=response)
    with pytest.raises(error):
        threads.publish(account, Content(text="Hello"), idempotency_key="k")


def test_validation_messages(account: SocialAccount) -> None:
    photo = MediaItem(path="uploads/p.jpg", kind="image", mime_type="image/jpeg", size_bytes=MB)
    assert threads.validate(account, Content(text="Hello")) == []
    assert threads.validate(account, Content(text="", media=(photo,))) == []
    assert threads.validate(account, Content(text="")) == ["The post is empty."]
    runaway = "\n\n".join("word " * 90 for _ in range(26))
    assert threads.validate(account, Content(text=runaway)) == [
        "This text would make a thread of 26 posts on Threads; Tidings sends at most 25. Shorten it."
    ]
    assert threads.validate(account, Content(text="Hi", media=(photo,) * 21)) == [
        "Threads takes at most 20 attachments; this post has 21."
    ]
    gif = MediaItem(path="uploads/g.gif", kind="image", mime_type="image/gif", size_bytes=MB)
    assert threads.validate(account, Content(text="Hi", media=(gif,))) == [
        "g.gif: Threads does not take image/gif images."
    ]
    video = MediaItem(path="uploads/v.mp4", kind="video", mime_type="video/mp4", size_bytes=MB, duration_seconds=301)
    assert threads.validate(account, Content(text="Hi", media=(video,))) == [
        "v.mp4 lasts 301 s; Threads takes at most 300 s."
    ]


# --- finding a post whose send got no answer ------------------------------------------------------------------
# GET /{threads-user-id}/threads (https://developers.facebook.com/docs/threads/reference/user): `data` with the asked-
# for fields (text, timestamp as "2023-10-17T05:42:03+0000", permalink, media_type TEXT_POST/IMAGE/VIDEO/
# CAROUSEL_ALBUM) and `paging` with `cursors` and, while more remain, `next`.

SENT = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
LISTING = f"{API}/{USER}/threads"


def thread(post_id: str, text: str, *, minutes: float = 1, media_type: str = "TEXT_POST") -> dict[str, str]:
    return {
        "id": post_id,
        "text": text,
        "timestamp": (SENT + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "permalink": f"https://www.threads.net/@alice/post/{post_id}",
        "media_type": media_type,
    }


def listing(*posts: dict[str, str], next_url: str = "") -> httpx.Response:
    paging: dict[str, object] = {"cursors": {"before": "B", "after": "A"}}
    if next_url:
        paging["next"] = next_url
    return httpx.Response(200, json={"data": list(posts), "paging": paging})


def look(account: SocialAccount, content: Content) -> Published | None:
    return threads.find_published(account, idempotency_key="k", content=content, sent_after=SENT)


BREAD = Content(text="Fresh bread today", link="https://bakery.example/menu")


@respx.mock
def test_find_published_matches_the_text_and_media_type_since_the_send(account: SocialAccount) -> None:
    route = respx.get(LISTING).mock(
        return_value=listing(
            thread("18", "Fresh bread today", minutes=2, media_type="IMAGE"),
            thread("17", "Fresh bread today\n\nhttps://bakery.example/menu"),
        )
    )
    assert threads.capabilities.can_find_published
    assert look(account, BREAD) == Published("17", "https://www.threads.net/@alice/post/17")
    assert dict(route.calls.last.request.url.params) == {
        "fields": "id,text,timestamp,permalink,media_type",
        "limit": "100",
        "access_token": "th-long",
        "since": str(int((SENT - timedelta(minutes=5)).timestamp())),
    }


@respx.mock
def test_not_there_older_posts_ignored_and_next_pages_followed(account: SocialAccount) -> None:
    respx.get(LISTING).mock(return_value=listing(thread("9", "Fresh bread today", minutes=-20)))
    assert look(account, BREAD) is None
    respx.get(LISTING).mock(return_value=listing(thread("19", "Stale bread today")))
    assert look(account, BREAD) is None

    following = f"{LISTING}?after=A&limit=100&access_token=th-long"
    respx.get(LISTING).mock(
        side_effect=lambda request: (
            listing(thread("17", "Fresh bread today", minutes=0.5))
            if request.url.params.get("after") == "A"
            else listing(thread("20", "Newer", minutes=9), next_url=following)
        )
    )
    assert look(account, BREAD) == Published("17", "https://www.threads.net/@alice/post/17")


@respx.mock
def test_a_thread_whose_first_post_is_there_is_left_to_the_user(account: SocialAccount) -> None:
    text = " ".join(f"Sentence number {n} is right here." for n in range(1, 21))
    first = split_into_thread(Platform.THREADS, text)[0]
    respx.get(LISTING).mock(return_value=listing(thread("17", first)))
    with pytest.raises(OutcomeUnknown, match="cannot see replies"):
        look(account, Content(text=text))


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(429, json={"error": {"message": "Application request limit reached", "code": 4}}), RateLimited),
        (httpx.Response(401, json={"error": {"message": "Invalid OAuth access token", "code": 190}}), ReauthRequired),
        (
            httpx.Response(503, json={"error": {"message": "Service temporarily unavailable", "code": 2}}),
            TransientError,
        ),
    ],
)
@respx.mock
def test_a_failed_lookup_is_classified(account: SocialAccount, answer: httpx.Response, error: type) -> None:
    respx.get(LISTING).mock(return_value=answer)
    with pytest.raises(error):
        look(account, BREAD)
