"""Facebook Pages connector: Facebook Login to a Page token, feed/photo/video posts and Graph API error codes."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import (
    Content,
    OutcomeUnknown,
    PermanentError,
    Published,
    RateLimited,
    ReauthRequired,
    TransientError,
)
from tidings.platforms.connectors.facebook import FacebookConnector
from tidings.platforms.connectors.meta import GRAPH, GRAPH_VERSION
from tidings.platforms.media import MB, MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

facebook = FacebookConnector()


@pytest.fixture(autouse=True)
def _app(monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path) -> None:
    monkeypatch.setenv("TIDINGS_FACEBOOK_CLIENT_ID", "fb-app")
    monkeypatch.setenv("TIDINGS_FACEBOOK_CLIENT_SECRET", "fb-secret")
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def page(alice: User) -> SocialAccount:
    return connect_account(
        owner(alice), platform=Platform.FACEBOOK, external_id="1010", handle="Alice's Bakery", access_token="page-token"
    )


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def graph_error(code: int, message: str, status: int = 400, **extra: object) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message, "type": "OAuthException", "code": code, **extra}})


def test_not_configured_without_app_id(monkeypatch: pytest.MonkeyPatch) -> None:
    assert facebook.is_configured()
    monkeypatch.delenv("TIDINGS_FACEBOOK_CLIENT_ID")
    assert not facebook.is_configured()


def test_authorization_url(monkeypatch: pytest.MonkeyPatch) -> None:
    request = facebook.start_connect(redirect_uri="https://tidings.example/cb")
    url = urlsplit(request.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth"
    assert {k: v[0] for k, v in parse_qs(url.query).items()} == {
        "response_type": "code",
        "client_id": "fb-app",
        "redirect_uri": "https://tidings.example/cb",
        "scope": "pages_show_list,pages_manage_posts,pages_read_engagement,pages_manage_engagement,business_management",
        "state": request.state,
    }
    # An operator whose app lacks review for Business Manager turns it off; the person's own Pages still connect.
    monkeypatch.setenv("TIDINGS_META_BUSINESS_PAGES", "0")
    request = facebook.start_connect(redirect_uri="https://tidings.example/cb")
    scope = parse_qs(urlsplit(request.url).query)["scope"]
    assert scope == ["pages_show_list,pages_manage_posts,pages_read_engagement,pages_manage_engagement"]


def sign_in_routes() -> tuple[respx.Route, respx.Route]:
    token = respx.post(f"{GRAPH}/oauth/access_token").respond(json={"access_token": "short", "expires_in": 3600})
    long_lived = respx.get(f"{GRAPH}/oauth/access_token", params={"grant_type": "fb_exchange_token"}).respond(
        json={"access_token": "long", "token_type": "bearer", "expires_in": 5183944}
    )
    return token, long_lived


def listing(*pages: dict, following: str = "") -> httpx.Response:
    body: dict = {"data": list(pages)}
    if following:
        body["paging"] = {"cursors": {"after": "QVFI"}, "next": following}
    return httpx.Response(200, json=body)


@respx.mock
def test_connect_offers_every_page_of_the_list_and_of_the_persons_businesses() -> None:
    token, long_lived = sign_in_routes()
    following = f"{GRAPH}/me/accounts?access_token=long&limit=100&after=QVFI"
    second = respx.get(f"{GRAPH}/me/accounts", params={"after": "QVFI"}).mock(
        return_value=listing({"id": "3", "name": "Corner Cafe", "access_token": "t3"})
    )
    first = respx.get(f"{GRAPH}/me/accounts").mock(
        return_value=listing(
            {"id": "1010", "name": "Alice's Bakery", "access_token": "page-token"},
            # Listed without a token: no task on it for this person, so not a choice.
            {"id": "2", "name": "Seen only"},
            following=following,
        )
    )
    businesses = respx.get(f"{GRAPH}/me/businesses").mock(return_value=listing({"id": "B1", "name": "Acme Ltd"}))
    owned = respx.get(f"{GRAPH}/B1/owned_pages").mock(
        return_value=listing(
            {"id": "1010", "name": "Alice's Bakery", "access_token": "page-token"},
            {"id": "77", "name": "Acme Shop", "access_token": "t77"},
        )
    )
    client = respx.get(f"{GRAPH}/B1/client_pages").mock(
        return_value=listing({"id": "88", "name": "Client Co", "access_token": "t88"})
    )
    choices = facebook.connect_choices(code="c", redirect_uri="https://tidings.example/cb", session_data={})
    assert form(token.calls.last.request) == {
        "grant_type": "authorization_code",
        "code": "c",
        "redirect_uri": "https://tidings.example/cb",
        "client_id": "fb-app",
        "client_secret": "fb-secret",
    }
    assert dict(long_lived.calls.last.request.url.params) == {
        "grant_type": "fb_exchange_token",
        "client_id": "fb-app",
        "client_secret": "fb-secret",
        "fb_exchange_token": "short",
    }
    assert dict(first.calls.last.request.url.params) == {
        "fields": "id,name,access_token,instagram_business_account{id,username,name}",
        "limit": "100",
        "access_token": "long",
    }
    # The next page is read at the address Facebook gave, as given.
    assert str(second.calls.last.request.url) == following
    assert dict(businesses.calls.last.request.url.params) == {
        "fields": "id,name",
        "limit": "100",
        "access_token": "long",
    }
    assert (owned.call_count, client.call_count) == (1, 1)
    assert [(i.external_id, i.handle, dict(i.options), t.access_token, t.expires_at) for i, t in choices] == [
        ("1010", "Alice's Bakery", {"kind": "page"}, "page-token", None),
        ("3", "Corner Cafe", {"kind": "page"}, "t3", None),
        ("77", "Acme Shop", {"kind": "page", "via": "Business Manager: Acme Ltd"}, "t77", None),
        ("88", "Client Co", {"kind": "page", "via": "Business Manager: Acme Ltd"}, "t88", None),
    ]


@respx.mock
def test_without_the_business_permission_the_persons_own_pages_still_connect() -> None:
    sign_in_routes()
    respx.get(f"{GRAPH}/me/accounts").mock(return_value=listing({"id": "1010", "name": "Bakery", "access_token": "p"}))
    respx.get(f"{GRAPH}/me/businesses").mock(
        return_value=graph_error(200, "(#200) Requires business_management permission to manage the object")
    )
    choices = facebook.connect_choices(code="c", redirect_uri="https://tidings.example/cb", session_data={})
    assert [(i.external_id, t.access_token) for i, t in choices] == [("1010", "p")]


@respx.mock
def test_a_business_whose_pages_the_person_may_not_list_is_left_out() -> None:
    sign_in_routes()
    respx.get(f"{GRAPH}/me/accounts").mock(return_value=listing())
    respx.get(f"{GRAPH}/me/businesses").mock(
        return_value=listing({"id": "B1", "name": "Acme"}, {"id": "B2", "name": "Other"})
    )
    respx.get(f"{GRAPH}/B1/owned_pages").mock(return_value=graph_error(200, "(#200) Requires business_management"))
    respx.get(f"{GRAPH}/B1/client_pages").mock(return_value=listing())
    respx.get(f"{GRAPH}/B2/owned_pages").mock(
        return_value=listing({"id": "9", "name": "Other Shop", "access_token": "t9"})
    )
    respx.get(f"{GRAPH}/B2/client_pages").mock(return_value=graph_error(10, "(#10) Permission denied"))
    choices = facebook.connect_choices(code="c", redirect_uri="https://tidings.example/cb", session_data={})
    assert [(i.external_id, dict(i.options), t.access_token) for i, t in choices] == [
        ("9", {"kind": "page", "via": "Business Manager: Other"}, "t9")
    ]


@respx.mock
def test_connect_without_pages_says_what_to_do() -> None:
    sign_in_routes()
    respx.get(f"{GRAPH}/me/accounts").mock(return_value=listing())
    respx.get(f"{GRAPH}/me/businesses").mock(return_value=listing())
    with pytest.raises(PermanentError) as refused:
        facebook.connect_choices(code="c", redirect_uri="https://tidings.example/cb", session_data={})
    assert refused.value.message == (
        "This Facebook account manages no Page, or did not allow Tidings to use one: create a Page or ask its admin "
        "for a role on it (or, in Facebook's dialog, allow the Page), then connect again."
    )


@respx.mock
def test_text_and_link_post_to_the_page_feed(page: SocialAccount) -> None:
    route = respx.post(f"{GRAPH}/1010/feed").respond(json={"id": "1010_555"})
    published = facebook.publish(page, Content(text="Fresh bread", link="https://bakery.example"), idempotency_key="k")
    assert form(route.calls.last.request) == {
        "message": "Fresh bread",
        "link": "https://bakery.example",
        "access_token": "page-token",
    }
    assert (published.external_id, published.url) == ("1010_555", "https://www.facebook.com/1010_555")


@respx.mock
def test_one_photo_is_posted_through_photos(page: SocialAccount) -> None:
    path = default_storage.save("uploads/bread.jpg", ContentFile(b"jpeg-bytes"))
    route = respx.post(f"{GRAPH}/1010/photos").respond(json={"id": "777", "post_id": "1010_888"})
    item = MediaItem(path=path, kind="image", mime_type="image/jpeg", size_bytes=10, alt_text="A loaf")
    published = facebook.publish(page, Content(text="Bread", media=(item,)), idempotency_key="k")
    body = route.calls.last.request.content
    assert b'name="message"\r\n\r\nBread' in body
    assert b'name="alt_text_custom"\r\n\r\nA loaf' in body
    assert b'name="source"; filename="bread.jpg"' in body
    assert b"jpeg-bytes" in body
    assert published.external_id == "1010_888"


@respx.mock
def test_several_photos_are_uploaded_unpublished_then_attached(page: SocialAccount) -> None:
    paths = [default_storage.save(f"uploads/p{n}.jpg", ContentFile(b"jpeg")) for n in range(2)]
    photos = respx.post(f"{GRAPH}/1010/photos").mock(
        side_effect=[httpx.Response(200, json={"id": "p0"}), httpx.Response(200, json={"id": "p1"})]
    )
    feed = respx.post(f"{GRAPH}/1010/feed").respond(json={"id": "1010_9"})
    media = tuple(MediaItem(path=p, kind="image", mime_type="image/jpeg", size_bytes=4) for p in paths)
    facebook.publish(page, Content(text="Two loaves", link="https://bakery.example", media=media), idempotency_key="k")
    assert all(b'name="published"\r\n\r\nfalse' in call.request.content for call in photos.calls)
    assert form(feed.calls.last.request) == {
        "message": "Two loaves\n\nhttps://bakery.example",
        "access_token": "page-token",
        "attached_media[0]": json.dumps({"media_fbid": "p0"}),
        "attached_media[1]": json.dumps({"media_fbid": "p1"}),
    }


@respx.mock
def test_video_goes_to_the_video_host(page: SocialAccount) -> None:
    path = default_storage.save("uploads/clip.mp4", ContentFile(b"mp4"))
    route = respx.post(f"https://graph-video.facebook.com/{GRAPH_VERSION}/1010/videos").respond(json={"id": "v1"})
    video = MediaItem(path=path, kind="video", mime_type="video/mp4", size_bytes=3, duration_seconds=30)
    published = facebook.publish(page, Content(text="Baking", media=(video,)), idempotency_key="k")
    assert b'name="description"\r\n\r\nBaking' in route.calls.last.request.content
    assert published.url == "https://www.facebook.com/1010/videos/v1"


@pytest.mark.parametrize(
    ("response", "error", "message"),
    [
        (graph_error(2, "Service temporarily unavailable", 500, is_transient=True), TransientError, "temporarily"),
        (httpx.Response(502, text="Bad Gateway"), TransientError, "502"),
        (graph_error(190, "Error validating access token: Session has expired"), ReauthRequired, "Session has expired"),
        (graph_error(200, "Permissions error", 403), ReauthRequired, "Permissions error"),
        (
            graph_error(100, "Invalid parameter", error_user_msg="The link is not valid."),
            PermanentError,
            "The link is not valid.",
        ),
        (graph_error(368, "The action attempted has been deemed abusive"), PermanentError, "abusive"),
    ],
)
@respx.mock
def test_graph_errors_are_classified_by_code(
    page: SocialAccount, response: httpx.Response, error: type, message: str
) -> None:
    respx.post(f"{GRAPH}/1010/feed").mock(return_value=response)
    with pytest.raises(error, match=message):
        facebook.publish(page, Content(text="Hello"), idempotency_key="k")


@respx.mock
def test_rate_limit_uses_the_business_use_case_header(page: SocialAccount) -> None:
    usage = {"1010": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 7}]}
    response = graph_error(32, "Page request limit reached")
    response.headers["X-Business-Use-Case-Usage"] = json.dumps(usage)
    route = respx.post(f"{GRAPH}/1010/feed").mock(return_value=response)
    with pytest.raises(RateLimited) as raised:
        facebook.publish(page, Content(text="Hello"), idempotency_key="k")
    assert raised.value.retry_after == 7 * 60
    route.mock(return_value=graph_error(4, "Application request limit reached"))
    with pytest.raises(RateLimited) as raised:
        facebook.publish(page, Content(text="Hello"), idempotency_key="k")
    assert raised.value.retry_after == 60
    route.mock(side_effect=httpx.RemoteProtocolError("connection dropped"))
    with pytest.raises(OutcomeUnknown):
        facebook.publish(page, Content(text="Hello"), idempotency_key="k")


def test_validation_messages(page: SocialAccount) -> None:
    image = MediaItem(path="uploads/a.jpg", kind="image", mime_type="image/jpeg", size_bytes=MB)
    assert facebook.validate(page, Content(text="Hello")) == []
    assert facebook.validate(page, Content(text="", link="https://bakery.example")) == []
    assert facebook.validate(page, Content(text="x" * 63207)) == [
        "The post is 63207 characters long; Facebook Pages allows 63206. Shorten it."
    ]
    assert facebook.validate(page, Content(text="Hi", media=(image,) * 11)) == [
        "Facebook Pages takes at most 10 attachments; this post has 11."
    ]
    webp = MediaItem(path="uploads/b.webp", kind="image", mime_type="image/webp", size_bytes=1000)
    assert facebook.validate(page, Content(text="Hi", media=(webp,))) == [
        "b.webp: Facebook Pages does not take image/webp images."
    ]
    video = MediaItem(path="uploads/v.mp4", kind="video", mime_type="video/mp4", size_bytes=MB, duration_seconds=1500)
    assert facebook.validate(page, Content(text="Hi", media=(video,))) == [
        "v.mp4 lasts 1500 s; Facebook Pages takes at most 1200 s."
    ]


# --- finding a post whose send got no answer ------------------------------------------------------------------
# GET /{page-id}/posts, the Page's own posts of the Page Feed edge
# (https://developers.facebook.com/docs/graph-api/reference/page/feed): `data` with message, created_time
# ("2019-05-17T16:24:04+0000"), permalink_url; `paging.next` while more remain.

SENT = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
POSTS = f"{GRAPH}/1010/posts"


def page_post(post_id: str, message: str, *, minutes: float = 1) -> dict[str, str]:
    return {
        "id": f"1010_{post_id}",
        "message": message,
        "created_time": (SENT + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "permalink_url": f"https://www.facebook.com/1010/posts/{post_id}",
    }


def look(account: SocialAccount, content: Content) -> Published | None:
    return facebook.find_published(account, idempotency_key="k", content=content, sent_after=SENT)


BREAD = Content(text="Fresh bread today", link="https://bakery.example/menu")


@respx.mock
def test_find_published_matches_the_message_since_the_send(page: SocialAccount) -> None:
    following = f"{POSTS}?after=A&access_token=page-token"
    route = respx.get(POSTS).mock(
        side_effect=lambda request: (
            httpx.Response(
                200, json={"data": [page_post("7", "Fresh bread today"), page_post("3", "Old", minutes=-60)]}
            )
            if request.url.params.get("after") == "A"
            else httpx.Response(
                200, json={"data": [page_post("9", "Later news", minutes=20)], "paging": {"next": following}}
            )
        )
    )
    assert facebook.capabilities.can_find_published
    assert look(page, BREAD) == Published("1010_7", "https://www.facebook.com/1010/posts/7")
    assert dict(route.calls[0].request.url.params) == {
        "fields": "id,message,created_time,permalink_url",
        "limit": "50",
        "access_token": "page-token",
        "since": str(int((SENT - timedelta(minutes=5)).timestamp())),
    }
    assert route.call_count == 2


@respx.mock
def test_not_there_and_older_posts_are_not_taken_for_it(page: SocialAccount) -> None:
    route = respx.get(POSTS).respond(200, json={"data": [page_post("2", "Fresh bread today", minutes=-30)]})
    assert look(page, BREAD) is None
    route.respond(200, json={"data": []})
    assert look(page, BREAD) is None


def test_a_post_without_text_cannot_be_told_apart(page: SocialAccount) -> None:
    photo = MediaItem(path="uploads/a.jpg", kind="image", mime_type="image/jpeg", size_bytes=MB)
    with pytest.raises(OutcomeUnknown, match="without text"):
        look(page, Content(text="", media=(photo,)))


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (graph_error(4, "Application request limit reached", status=429), RateLimited),
        (graph_error(190, "Error validating access token", status=401), ReauthRequired),
        (graph_error(2, "Service temporarily unavailable", status=503), TransientError),
    ],
)
@respx.mock
def test_a_failed_lookup_is_classified(page: SocialAccount, answer: httpx.Response, error: type) -> None:
    respx.get(POSTS).mock(return_value=answer)
    with pytest.raises(error):
        look(page, BREAD)
