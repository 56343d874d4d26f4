"""Instagram connector: containers from public media URLs, polling, publishing, carousels, reels and validation."""

from dataclasses import replace
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
from tidings.platforms.connectors.instagram import InstagramConnector
from tidings.platforms.connectors.meta import GRAPH
from tidings.platforms.media import MB, MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

instagram = InstagramConnector()
IG = "17841405822304914"
PHOTO = MediaItem(
    path="uploads/2026/11/photo.jpg", kind="image", mime_type="image/jpeg", size_bytes=MB, width=1080, height=1080
)
PHOTO_URL = "https://tidings.example/media/uploads/2026/11/photo.jpg"


@pytest.fixture(autouse=True)
def _app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_INSTAGRAM_CLIENT_ID", "ig-app")
    monkeypatch.setenv("TIDINGS_INSTAGRAM_CLIENT_SECRET", "ig-secret")
    monkeypatch.setenv("TIDINGS_PUBLIC_URL", "https://tidings.example/")
    monkeypatch.setattr(InstagramConnector, "patience", QUICK)


@pytest.fixture
def account(alice: User) -> SocialAccount:
    return connect_account(
        owner(alice), platform=Platform.INSTAGRAM, external_id=IG, handle="@bakery", access_token="page-token"
    )


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def status(code: str, detail: str = "") -> httpx.Response:
    return httpx.Response(200, json={"status_code": code, "status": detail, "id": "c1"})


def published_routes() -> tuple[respx.Route, respx.Route]:
    publish = respx.post(f"{GRAPH}/{IG}/media_publish").respond(json={"id": "1790"})
    respx.get(f"{GRAPH}/1790", params={"fields": "permalink"}).respond(
        json={"permalink": "https://www.instagram.com/p/ABC/", "id": "1790"}
    )
    return publish, respx.get(f"{GRAPH}/c1")


def test_not_configured_without_app_id(monkeypatch: pytest.MonkeyPatch) -> None:
    assert instagram.is_configured()
    monkeypatch.delenv("TIDINGS_INSTAGRAM_CLIENT_ID")
    assert not instagram.is_configured()


def test_authorization_url_asks_for_publishing_scopes(monkeypatch: pytest.MonkeyPatch) -> None:
    request = instagram.start_connect(redirect_uri="https://tidings.example/cb")
    params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    assert params["scope"] == (
        "instagram_basic,instagram_content_publish,instagram_manage_comments,pages_show_list,pages_read_engagement,"
        "business_management,ads_read"
    )
    assert params["state"] == request.state
    assert params["client_id"] == "ig-app"
    monkeypatch.setenv("TIDINGS_META_BUSINESS_PAGES", "no")
    request = instagram.start_connect(redirect_uri="https://tidings.example/cb")
    scope = parse_qs(urlsplit(request.url).query)["scope"]
    assert scope == [
        "instagram_basic,instagram_content_publish,instagram_manage_comments,pages_show_list,pages_read_engagement"
    ]


def sign_in(pages: list[dict], business_pages: list[dict] | None = None) -> respx.Route:
    respx.post(f"{GRAPH}/oauth/access_token").respond(json={"access_token": "short"})
    respx.get(f"{GRAPH}/oauth/access_token").respond(json={"access_token": "long", "expires_in": 5183944})
    respx.get(f"{GRAPH}/me/businesses").respond(json={"data": [{"id": "B1", "name": "Acme"}] if business_pages else []})
    respx.get(f"{GRAPH}/B1/owned_pages").respond(json={"data": business_pages or []})
    respx.get(f"{GRAPH}/B1/client_pages").respond(json={"data": []})
    return respx.get(f"{GRAPH}/me/accounts").respond(json={"data": pages})


@respx.mock
def test_connect_offers_each_instagram_account_linked_to_a_page_once() -> None:
    bakery_ig = {"id": IG, "username": "bakery", "name": "The Bakery"}
    accounts = sign_in(
        [
            {"id": "1", "name": "No IG", "access_token": "t1"},
            {"id": "2", "name": "Bakery", "access_token": "t2", "instagram_business_account": bakery_ig},
        ],
        business_pages=[
            # The same Instagram account through a second Page: offered once, with the first Page's token.
            {"id": "5", "name": "Bakery EU", "access_token": "t5", "instagram_business_account": bakery_ig},
            {
                "id": "6",
                "name": "Acme",
                "access_token": "t6",
                "instagram_business_account": {"id": "99", "username": "acme"},
            },
        ],
    )
    choices = instagram.connect_choices(code="c", redirect_uri="https://tidings.example/cb", session_data={})
    assert "instagram_business_account{id,username,name}" in accounts.calls.last.request.url.params["fields"]
    assert [(i.external_id, i.handle, i.display_name, dict(i.options), t.access_token) for i, t in choices] == [
        (
            IG,
            "@bakery",
            "The Bakery",
            {"kind": "professional", "page_id": "2", "via": "Linked to the Page Bakery"},
            "t2",
        ),
        (
            "99",
            "@acme",
            "",
            {"kind": "professional", "page_id": "6", "via": "Linked to the Page Acme (Business Manager: Acme)"},
            "t6",
        ),
    ]


@respx.mock
def test_connect_without_a_linked_instagram_account_is_refused() -> None:
    sign_in([{"id": "1", "name": "No IG", "access_token": "t1"}])
    with pytest.raises(PermanentError, match="Instagram professional account"):
        instagram.connect_choices(code="c", redirect_uri="https://tidings.example/cb", session_data={})


@respx.mock
def test_image_container_is_polled_until_finished_then_published(account: SocialAccount) -> None:
    create = respx.post(f"{GRAPH}/{IG}/media").respond(json={"id": "c1"})
    publish, poll = published_routes()
    poll.mock(side_effect=[status("IN_PROGRESS"), status("IN_PROGRESS"), status("FINISHED")])
    item = replace(PHOTO, alt_text="Bread")
    published = instagram.publish(account, Content(text="Fresh #bread", media=(item,)), idempotency_key="k")
    assert form(create.calls.last.request) == {
        "image_url": PHOTO_URL,
        "alt_text": "Bread",
        "caption": "Fresh #bread",
        "access_token": "page-token",
    }
    assert poll.call_count == 3
    assert dict(poll.calls.last.request.url.params) == {"fields": "status_code,status", "access_token": "page-token"}
    assert form(publish.calls.last.request) == {"creation_id": "c1", "access_token": "page-token"}
    assert (published.external_id, published.url) == ("1790", "https://www.instagram.com/p/ABC/")


@respx.mock
def test_container_error_is_permanent_and_nothing_is_published(account: SocialAccount) -> None:
    respx.post(f"{GRAPH}/{IG}/media").respond(json={"id": "c1"})
    publish, poll = published_routes()
    poll.mock(return_value=status("ERROR", "2207026: unsupported video format"))
    with pytest.raises(PermanentError, match="unsupported video format"):
        instagram.publish(account, Content(text="x", media=(PHOTO,)), idempotency_key="k")
    assert publish.call_count == 0


@respx.mock
def test_a_container_still_processing_hands_the_wait_back_and_resumes_without_a_new_container(
    account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(InstagramConnector, "patience", HAND_BACK)
    create = respx.post(f"{GRAPH}/{IG}/media").respond(json={"id": "c1"})
    publish, poll = published_routes()
    poll.side_effect = [status("IN_PROGRESS"), status("IN_PROGRESS"), status("FINISHED")]
    reel = Content(text="x", media=(PHOTO,))

    with pytest.raises(StillProcessing) as first:
        instagram.publish(account, reel, idempotency_key="k")
    assert (first.value.progress["container"], first.value.progress["checks"], first.value.sent) == ("c1", 1, False)
    assert first.value.check_after == 7.0
    with pytest.raises(StillProcessing) as second:
        instagram.publish(account, replace(reel, progress=first.value.progress), idempotency_key="k")
    # The wait grows between checks and keeps counting from the first "not yet".
    assert (second.value.progress["checks"], second.value.check_after) == (2, 10.5)
    assert second.value.progress["since"] == first.value.progress["since"]
    published = instagram.publish(account, replace(reel, progress=second.value.progress), idempotency_key="k")

    assert published.external_id == "1790"
    assert (create.call_count, poll.call_count, publish.call_count) == (1, 3, 1)


@respx.mock
def test_a_container_still_processing_past_the_longest_wait_fails_clearly(
    account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(InstagramConnector, "patience", HAND_BACK)
    publish, poll = published_routes()
    poll.mock(return_value=status("IN_PROGRESS"))
    since = (datetime.now(tz=UTC) - timedelta(minutes=10, seconds=5)).isoformat()
    progress = {"container": "c1", "since": since, "checks": 6}

    with pytest.raises(PermanentError, match="still processing the media after 10 minutes, so it was not posted"):
        instagram.publish(account, Content(text="x", media=(PHOTO,), progress=progress), idempotency_key="k")
    assert (poll.call_count, publish.call_count) == (1, 0)


@respx.mock
def test_single_video_is_a_reel(account: SocialAccount) -> None:
    create = respx.post(f"{GRAPH}/{IG}/media").respond(json={"id": "c1"})
    _, poll = published_routes()
    poll.mock(return_value=status("FINISHED"))
    video = MediaItem(path="uploads/r.mp4", kind="video", mime_type="video/mp4", size_bytes=MB, duration_seconds=30)
    instagram.publish(account, Content(text="Reel", media=(video,)), idempotency_key="k")
    assert form(create.calls.last.request) == {
        "media_type": "REELS",
        "video_url": "https://tidings.example/media/uploads/r.mp4",
        "caption": "Reel",
        "access_token": "page-token",
    }


def sequence() -> list[str]:
    """Every call the connector made, in order, as "METHOD /path"."""
    return [
        f"{call.request.method} {call.request.url.path.removeprefix('/' + GRAPH.rsplit('/', 1)[-1])}"
        for call in respx.calls
    ]


@respx.mock
def test_a_mixed_carousel_makes_every_item_awaits_each_then_makes_and_publishes_the_carousel(
    account: SocialAccount,
) -> None:
    video = MediaItem(path="uploads/v.mp4", kind="video", mime_type="video/mp4", size_bytes=MB, duration_seconds=10)
    second = replace(PHOTO, path="uploads/2026/11/second.jpg", alt_text="Crumb")
    create = respx.post(f"{GRAPH}/{IG}/media").mock(
        side_effect=[httpx.Response(200, json={"id": f"c{n}"}) for n in (10, 11, 12, 1)]
    )
    publish, poll = published_routes()
    poll.mock(return_value=status("FINISHED"))
    respx.get(f"{GRAPH}/c10").mock(return_value=status("FINISHED"))
    video_poll = respx.get(f"{GRAPH}/c11").mock(side_effect=[status("IN_PROGRESS"), status("FINISHED")])
    respx.get(f"{GRAPH}/c12").mock(return_value=status("FINISHED"))

    instagram.publish(account, Content(text="All three", media=(PHOTO, video, second)), idempotency_key="k")

    assert [form(call.request) for call in create.calls] == [
        {"image_url": PHOTO_URL, "is_carousel_item": "true", "access_token": "page-token"},
        {
            "media_type": "VIDEO",
            "video_url": "https://tidings.example/media/uploads/v.mp4",
            "is_carousel_item": "true",
            "access_token": "page-token",
        },
        {
            "image_url": "https://tidings.example/media/uploads/2026/11/second.jpg",
            "alt_text": "Crumb",
            "is_carousel_item": "true",
            "access_token": "page-token",
        },
        {"media_type": "CAROUSEL", "children": "c10,c11,c12", "caption": "All three", "access_token": "page-token"},
    ]
    # The items are made first (Meta processes them meanwhile), each is awaited, and only then the carousel.
    assert sequence() == [
        f"POST /{IG}/media",
        f"POST /{IG}/media",
        f"POST /{IG}/media",
        # One pass over the items, then the one not ready yet again.
        "GET /c10",
        "GET /c11",
        "GET /c12",
        "GET /c11",
        f"POST /{IG}/media",
        "GET /c1",
        f"POST /{IG}/media_publish",
        "GET /1790",
    ]
    assert dict(video_poll.calls.last.request.url.params) == {
        "fields": "status_code,status",
        "access_token": "page-token",
    }
    assert form(publish.calls.last.request)["creation_id"] == "c1"


@respx.mock
def test_a_carousel_video_meta_cannot_use_makes_no_carousel_and_publishes_nothing(account: SocialAccount) -> None:
    video = MediaItem(path="uploads/v.mp4", kind="video", mime_type="video/mp4", size_bytes=MB, duration_seconds=10)
    create = respx.post(f"{GRAPH}/{IG}/media").mock(
        side_effect=[httpx.Response(200, json={"id": f"c{n}"}) for n in (10, 11)]
    )
    publish, _ = published_routes()
    respx.get(f"{GRAPH}/c10").mock(return_value=status("FINISHED"))
    respx.get(f"{GRAPH}/c11").mock(return_value=status("ERROR", "2207026: unsupported video format"))
    with pytest.raises(PermanentError, match=r"^Instagram could not use the media: 2207026: unsupported video format$"):
        instagram.publish(account, Content(text="Both", media=(PHOTO, video)), idempotency_key="k")
    assert create.call_count == 2
    assert publish.call_count == 0


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(500, json={"error": {"message": "An unknown error occurred", "code": 1}}), TransientError),
        (httpx.Response(400, json={"error": {"message": "Invalid OAuth access token", "code": 190}}), ReauthRequired),
        (
            httpx.Response(400, json={"error": {"message": "Limit", "code": 9, "error_subcode": 2207042}}),
            RateLimited,
        ),
        (
            httpx.Response(
                400, json={"error": {"message": "Media download has failed.", "code": 9004, "error_subcode": 2207052}}
            ),
            PermanentError,
        ),
    ],
)
@respx.mock
def test_errors_when_publishing(account: SocialAccount, response: httpx.Response, error: type) -> None:
    respx.post(f"{GRAPH}/{IG}/media").respond(json={"id": "c1"})
    respx.get(f"{GRAPH}/c1").mock(return_value=status("FINISHED"))
    respx.post(f"{GRAPH}/{IG}/media_publish").mock(return_value=response)
    # The publishing limit reads the day's posts to learn when it frees a place (none here: an hour).
    respx.get(f"{GRAPH}/{IG}/media").respond(json={"data": []})
    with pytest.raises(error):
        instagram.publish(account, Content(text="x", media=(PHOTO,)), idempotency_key="k")


@respx.mock
def test_lost_answer_to_publish_is_unknown_but_to_container_is_transient(account: SocialAccount) -> None:
    create = respx.post(f"{GRAPH}/{IG}/media").mock(side_effect=httpx.ReadTimeout("timeout"))
    with pytest.raises(TransientError):
        instagram.publish(account, Content(text="x", media=(PHOTO,)), idempotency_key="k")
    create.mock(return_value=httpx.Response(200, json={"id": "c1"}))
    respx.get(f"{GRAPH}/c1").mock(return_value=status("FINISHED"))
    respx.post(f"{GRAPH}/{IG}/media_publish").mock(side_effect=httpx.ReadTimeout("timeout"))
    with pytest.raises(OutcomeUnknown):
        instagram.publish(account, Content(text="x", media=(PHOTO,)), idempotency_key="k")


def test_validation_messages(account: SocialAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    assert instagram.validate(account, Content(text="Hi", media=(PHOTO,))) == []
    assert instagram.validate(account, Content(text="", media=(PHOTO,))) == []
    assert instagram.validate(account, Content(text="Hi")) == ["Instagram needs an image or a video."]
    assert instagram.validate(account, Content(text="x" * 2201, media=(PHOTO,))) == [
        "The caption is 2201 characters long; Instagram allows 2200. Shorten it."
    ]
    tags = " ".join(f"#tag{n}" for n in range(31))
    assert instagram.validate(account, Content(text=tags, media=(PHOTO,))) == [
        "The caption has 31 hashtags; Instagram allows at most 30."
    ]
    assert instagram.validate(account, Content(text="Hi", media=(PHOTO,) * 11)) == [
        "Instagram takes at most 10 attachments; this post has 11."
    ]
    png = MediaItem(path="uploads/p.png", kind="image", mime_type="image/png", size_bytes=MB)
    assert instagram.validate(account, Content(text="Hi", media=(png,))) == [
        "p.png: Instagram does not take image/png images."
    ]
    wide = MediaItem(path="uploads/w.jpg", kind="image", mime_type="image/jpeg", size_bytes=MB, width=3000, height=1000)
    assert instagram.validate(account, Content(text="Hi", media=(wide,))) == [
        "w.jpg is 3000x1000; Instagram takes images from 4:5 (portrait) to 1.91:1 (landscape)."
    ]
    video = MediaItem(path="uploads/v.mp4", kind="video", mime_type="video/mp4", size_bytes=MB, duration_seconds=901)
    assert instagram.validate(account, Content(text="Hi", media=(video,))) == [
        "v.mp4 lasts 901 s; Instagram takes at most 900 s."
    ]
    monkeypatch.setenv("TIDINGS_PUBLIC_URL", "http://localhost:8000")
    assert instagram.validate(account, Content(text="Hi", media=(PHOTO,))) == [
        "Instagram fetches media from this server, which needs a public https:// address: set TIDINGS_PUBLIC_URL "
        "(now http://localhost:8000) and serve the media directory there."
    ]


# --- finding a post whose send got no answer ------------------------------------------------------------------
# GET /{ig-user-id}/media (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/
# ig-user/media): `data`, newest first, with IG Media fields (caption, timestamp as "2017-08-31T18:10:00+0000",
# permalink, media_type IMAGE/VIDEO/CAROUSEL_ALBUM); `paging.next` while more remain.

SENT = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
MEDIA = f"{GRAPH}/{IG}/media"


def medium(media_id: str, caption: str, *, minutes: float = 1, media_type: str = "IMAGE") -> dict[str, str]:
    return {
        "id": media_id,
        "caption": caption,
        "timestamp": (SENT + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "permalink": f"https://www.instagram.com/p/{media_id}/",
        "media_type": media_type,
    }


def media_page(*items: dict[str, str], next_url: str = "") -> httpx.Response:
    paging: dict[str, object] = {"cursors": {"before": "B", "after": "A"}}
    if next_url:
        paging["next"] = next_url
    return httpx.Response(200, json={"data": list(items), "paging": paging})


def look(account: SocialAccount, content: Content) -> Published | None:
    return instagram.find_published(account, idempotency_key="k", content=content, sent_after=SENT)


LOAF = Content(text="Fresh   bread\ntoday", link="https://bakery.example/menu", media=(PHOTO,))


@respx.mock
def test_find_published_matches_caption_and_media_type_since_the_send(account: SocialAccount) -> None:
    route = respx.get(MEDIA).mock(
        return_value=media_page(
            medium("1795", "Fresh bread today https://bakery.example/menu", minutes=3, media_type="CAROUSEL_ALBUM"),
            medium("1791", "Fresh bread today\n\nhttps://bakery.example/menu"),
        )
    )
    assert instagram.capabilities.can_find_published
    assert look(account, LOAF) == Published("1791", "https://www.instagram.com/p/1791/")
    assert dict(route.calls.last.request.url.params) == {
        "fields": "id,caption,timestamp,permalink,media_type",
        "limit": "50",
        "access_token": "page-token",
    }


@respx.mock
def test_the_listing_is_read_back_to_the_send_and_no_further(account: SocialAccount) -> None:
    following = f"{MEDIA}?after=A&limit=50&access_token=page-token"
    second = respx.get(MEDIA, params={"after": "A"}).mock(
        return_value=media_page(medium("1791", "Fresh bread today"), medium("1500", "Older", minutes=-90))
    )
    first = respx.get(MEDIA).mock(return_value=media_page(medium("1799", "Newest", minutes=30), next_url=following))
    assert look(account, LOAF) == Published("1791", "https://www.instagram.com/p/1791/")
    assert (first.call_count, second.call_count) == (1, 1)

    # A page reaching back past the send ends the search: the same caption from before the send is not ours.
    first.mock(return_value=media_page(medium("1500", "Fresh bread today", minutes=-10), next_url=following))
    assert look(account, LOAF) is None
    assert second.call_count == 1


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(429, json={"error": {"message": "Application request limit reached", "code": 4}}), RateLimited),
        (
            httpx.Response(401, json={"error": {"message": "Error validating access token", "code": 190}}),
            ReauthRequired,
        ),
        (httpx.Response(500, json={"error": {"message": "An unknown error occurred", "code": 1}}), TransientError),
    ],
)
@respx.mock
def test_a_failed_lookup_is_classified(account: SocialAccount, answer: httpx.Response, error: type) -> None:
    respx.get(MEDIA).mock(return_value=answer)
    with pytest.raises(error):
        look(account, LOAF)
