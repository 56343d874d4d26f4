"""The first comment on the platforms where it is a comment rather than a post (Facebook, Instagram, LinkedIn,
YouTube): the exact request after the post, a failure kept as the published post's note, and the platforms that
cannot carry a thread or a comment refusing them with the reason."""

import json
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from tests.support.waits import QUICK
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import Content, Published, ThreadPart
from tidings.platforms.connectors import youtube
from tidings.platforms.connectors.facebook import FacebookConnector
from tidings.platforms.connectors.instagram import InstagramConnector
from tidings.platforms.connectors.linkedin import LINKEDIN_VERSION, LinkedInConnector
from tidings.platforms.connectors.meta import GRAPH
from tidings.platforms.connectors.youtube import YouTubeConnector
from tidings.platforms.media import MB, MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.registry import connector_for
from tidings.platforms.services import connect_account
from tidings.platforms.validation import validate_content

pytestmark = pytest.mark.django_db
COMMENT = "Order ahead: https://bakery.example/order"
# Meta's code 200 is a permission the Page's sign-in lacks (`pages_manage_engagement` for comments).
FB_PERMISSION = (
    "Facebook Pages: (#200) Permissions error Reconnect the account and grant every permission Tidings asks for."
)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    for platform in ("FACEBOOK", "INSTAGRAM", "LINKEDIN", "YOUTUBE", "PINTEREST"):
        monkeypatch.setenv(f"TIDINGS_{platform}_CLIENT_ID", "app")
        monkeypatch.setenv(f"TIDINGS_{platform}_CLIENT_SECRET", "secret")
    monkeypatch.setenv("TIDINGS_PUBLIC_URL", "https://tidings.example")
    monkeypatch.setattr(InstagramConnector, "patience", QUICK)
    monkeypatch.setattr(youtube, "CHUNK_BYTES", 1024)
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "talk.mp4").write_bytes(b"0123456789")


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def account(user: User, platform: Platform, external_id: str, **extra: str) -> SocialAccount:
    return connect_account(
        owner(user), platform=platform, external_id=external_id, handle="Bakery", access_token="tok", **extra
    )


@respx.mock
def test_facebook_comments_on_the_new_post_with_the_page_token(alice: User) -> None:
    page = account(alice, Platform.FACEBOOK, "1010")
    respx.post(f"{GRAPH}/1010/feed").respond(json={"id": "1010_555"})
    comment = respx.post(f"{GRAPH}/1010_555/comments").respond(json={"id": "555_1"})
    published = FacebookConnector().publish(
        page, Content(text="Fresh bread", first_comment=COMMENT), idempotency_key="k"
    )
    assert published == Published("1010_555", "https://www.facebook.com/1010_555")
    assert form(comment.calls.last.request) == {"message": COMMENT, "access_token": "tok"}


@respx.mock
def test_facebook_a_refused_comment_is_the_published_posts_note(alice: User) -> None:
    page = account(alice, Platform.FACEBOOK, "1010")
    respx.post(f"{GRAPH}/1010/feed").respond(json={"id": "1010_555"})
    refusal = {"error": {"message": "(#200) Permissions error", "type": "OAuthException", "code": 200}}
    respx.post(f"{GRAPH}/1010_555/comments").respond(403, json=refusal)
    published = FacebookConnector().publish(
        page, Content(text="Fresh bread", first_comment=COMMENT), idempotency_key="k"
    )
    assert published.external_id == "1010_555"
    assert published.notice == (
        f"The post went out, but its first comment did not: {FB_PERMISSION} Not sent again, so nothing is posted "
        f"twice; add it by hand if it is missing: {COMMENT}"
    )


@respx.mock
def test_instagram_comments_on_the_published_media(alice: User) -> None:
    ig = account(alice, Platform.INSTAGRAM, "17841400")
    item = MediaItem("uploads/p.jpg", "image", "image/jpeg", MB, width=1080, height=1080)
    respx.post(f"{GRAPH}/17841400/media").respond(json={"id": "c1"})
    respx.get(f"{GRAPH}/c1").respond(json={"status_code": "FINISHED", "id": "c1"})
    respx.post(f"{GRAPH}/17841400/media_publish").respond(json={"id": "1790"})
    respx.get(f"{GRAPH}/1790").respond(json={"permalink": "https://www.instagram.com/p/ABC/", "id": "1790"})
    comment = respx.post(f"{GRAPH}/1790/comments").respond(json={"id": "1791"})
    content = Content(text="Fresh", media=(item,), first_comment=COMMENT)
    assert InstagramConnector().validate(ig, content) == []
    published = InstagramConnector().publish(ig, content, idempotency_key="k")
    assert published == Published("1790", "https://www.instagram.com/p/ABC/")
    assert form(comment.calls.last.request) == {"message": COMMENT, "access_token": "tok"}


@respx.mock
def test_linkedin_comments_through_social_actions_as_the_author(alice: User) -> None:
    member = account(alice, Platform.LINKEDIN, "yrZCpj2Z12")
    urn = "urn:li:share:6844785523593134080"
    respx.post("https://api.linkedin.com/rest/posts").respond(201, headers={"x-restli-id": urn})
    comment = respx.post(
        "https://api.linkedin.com/rest/socialActions/urn%3Ali%3Ashare%3A6844785523593134080/comments"
    ).respond(201, json={"id": "7001"})
    published = LinkedInConnector().publish(member, Content(text="Hello", first_comment=COMMENT), idempotency_key="k")
    assert published == Published(urn, f"https://www.linkedin.com/feed/update/{urn}/")
    request = comment.calls.last.request
    assert json.loads(request.content) == {
        "actor": "urn:li:person:yrZCpj2Z12",
        "object": urn,
        "message": {"text": COMMENT},
    }
    assert request.headers["LinkedIn-Version"] == LINKEDIN_VERSION
    assert request.headers["Authorization"] == "Bearer tok"


def test_linkedin_refuses_a_comment_longer_than_its_limit(alice: User) -> None:
    member = account(alice, Platform.LINKEDIN, "yrZCpj2Z12")
    problems = LinkedInConnector().validate(member, Content(text="Hello", first_comment="c" * 1251))
    assert problems == ["The first comment is 1251 characters long; LinkedIn allows 1250. Shorten it."]


VIDEO = MediaItem("uploads/talk.mp4", "video", "video/mp4", 10, width=1920, height=1080, duration_seconds=95.0)
INIT_URL = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status"
SESSION = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=s1"


@respx.mock
def test_youtube_comment_is_a_comment_thread_on_the_new_video(alice: User) -> None:
    channel = account(alice, Platform.YOUTUBE, "UC123", scopes=" ".join(youtube.SCOPES))
    respx.post(INIT_URL).respond(200, headers={"Location": SESSION})
    respx.put(SESSION).respond(201, json={"id": "dQw4w9WgXcQ", "status": {"uploadStatus": "uploaded"}})
    thread = respx.post("https://www.googleapis.com/youtube/v3/commentThreads").respond(json={"id": "Ugx1"})
    content = Content(text="My talk", media=(VIDEO,), first_comment=COMMENT)
    assert YouTubeConnector().validate(channel, content) == []
    published = YouTubeConnector().publish(channel, content, idempotency_key="k")
    assert published == Published("dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    request = thread.calls.last.request
    assert dict(request.url.params) == {"part": "snippet"}
    assert json.loads(request.content) == {
        "snippet": {"videoId": "dQw4w9WgXcQ", "topLevelComment": {"snippet": {"textOriginal": COMMENT}}}
    }


def test_youtube_without_the_comment_scope_refuses_the_comment_with_the_way_out(alice: User) -> None:
    scopes = "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly"
    channel = account(alice, Platform.YOUTUBE, "UC123", scopes=scopes)
    content = Content(text="My talk", media=(VIDEO,), first_comment=COMMENT)
    assert YouTubeConnector().validate(channel, content) == [
        "This YouTube channel was connected without permission to post comments, which a first comment needs: "
        "reconnect the channel to allow it, or remove the first comment."
    ]
    assert YouTubeConnector().validate(channel, Content(text="My talk", media=(VIDEO,))) == []


@respx.mock
def test_youtube_a_comment_refused_for_permissions_leaves_the_video_published(alice: User) -> None:
    channel = account(alice, Platform.YOUTUBE, "UC123")
    respx.post(INIT_URL).respond(200, headers={"Location": SESSION})
    respx.put(SESSION).respond(201, json={"id": "dQw4w9WgXcQ", "status": {"uploadStatus": "uploaded"}})
    error = {"error": {"code": 403, "message": "Comments are disabled.", "errors": [{"reason": "commentsDisabled"}]}}
    respx.post("https://www.googleapis.com/youtube/v3/commentThreads").respond(403, json=error)
    content = Content(text="My talk", media=(VIDEO,), first_comment=COMMENT)
    published = YouTubeConnector().publish(channel, content, idempotency_key="k")
    assert published.external_id == "dQw4w9WgXcQ"
    assert published.notice == (
        "The post went out, but its first comment did not: YouTube refused the comment (403): Comments are "
        f"disabled. Not sent again, so nothing is posted twice; add it by hand if it is missing: {COMMENT}"
    )


def test_platforms_without_threads_or_comments_refuse_them_with_the_reason(alice: User) -> None:
    page = account(alice, Platform.FACEBOOK, "1010")
    pinterest = account(alice, Platform.PINTEREST, "pin-user")
    threaded = Content(text="One", parts=(ThreadPart("Two"), ThreadPart("Three")))
    facebook = connector_for(Platform.FACEBOOK)
    assert facebook is not None
    assert validate_content(facebook, page, threaded) == [
        "Facebook Pages has no threads: this post has 3 posts. Remove the others, or post to Facebook Pages separately."
    ]
    board = connector_for(Platform.PINTEREST)
    assert board is not None
    problems = validate_content(board, pinterest, Content(text="Pin", first_comment=COMMENT))
    assert (
        problems[0] == "Tidings cannot post a first comment on Pinterest: remove it, or post to Pinterest separately."
    )
    assert validate_content(facebook, page, Content(text="One", first_comment=COMMENT)) == []
