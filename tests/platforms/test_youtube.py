"""YouTube connector against the Data API v3 at the HTTP edge (respx): OAuth, the resumable upload, each error."""

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
import time_machine

from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import (
    Content,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    ReauthRequired,
    TransientError,
)
from tidings.platforms.connectors import youtube
from tidings.platforms.connectors.youtube import YouTubeConnector, title_and_description
from tidings.platforms.media import MB, MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

TOKEN_URL = "https://oauth2.googleapis.com/token"
INIT_URL = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status"
SESSION = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=xa298sd_f"
VIDEO = b"0123456789"
DONE = {"id": "dQw4w9WgXcQ", "status": {"uploadStatus": "uploaded", "privacyStatus": "public"}}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("TIDINGS_YOUTUBE_CLIENT_ID", "cid.apps.googleusercontent.com")
    monkeypatch.setenv("TIDINGS_YOUTUBE_CLIENT_SECRET", "gsecret")
    monkeypatch.setattr(youtube, "RESUME_BACKOFF_SECONDS", 0.0)
    monkeypatch.setattr(youtube, "CHUNK_BYTES", 4)
    settings.MEDIA_ROOT = tmp_path
    settings.TIDINGS_LATE_WINDOW_SECONDS = 3600
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "talk.mp4").write_bytes(VIDEO)


@pytest.fixture
def account(alice: User) -> SocialAccount:
    return connect_account(
        owner(alice),
        platform=Platform.YOUTUBE,
        external_id="UC123",
        handle="@alice",
        access_token="ya29.a",
        refresh_token="1//r",
    )


def video(**changes: object) -> MediaItem:
    fields: dict[str, object] = {
        "path": "uploads/talk.mp4",
        "kind": "video",
        "mime_type": "video/mp4",
        "size_bytes": len(VIDEO),
        "width": 1920,
        "height": 1080,
        "duration_seconds": 95.0,
    }
    return MediaItem(**{**fields, **changes})  # type: ignore[arg-type]


def content(text: str = "My talk\nAll about Tidings.", **changes: object) -> Content:
    return Content(text=text, link="https://tidings.example", media=(video(**changes),))


def google_error(status: int, reason: str, message: str = "Nope.") -> httpx.Response:
    body = {"error": {"code": status, "message": message, "errors": [{"reason": reason, "message": message}]}}
    return httpx.Response(status, json=body)


def started(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(INIT_URL).respond(200, headers={"Location": SESSION})


def test_is_configured_needs_the_client_id_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    assert YouTubeConnector().is_configured()
    monkeypatch.delenv("TIDINGS_YOUTUBE_CLIENT_ID")
    assert not YouTubeConnector().is_configured()


def test_authorization_url_asks_for_offline_access_with_pkce() -> None:
    request = YouTubeConnector().start_connect(redirect_uri="https://tidings.example/cb")
    url = urlsplit(request.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://accounts.google.com/o/oauth2/v2/auth"
    verifier = request.session_data["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert parse_qs(url.query) == {
        "client_id": ["cid.apps.googleusercontent.com"],
        "redirect_uri": ["https://tidings.example/cb"],
        "response_type": ["code"],
        "scope": [
            "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly "
            "https://www.googleapis.com/auth/youtube.force-ssl"
        ],
        "state": [request.state],
        "code_challenge": [challenge],
        "code_challenge_method": ["S256"],
        "access_type": ["offline"],
        "prompt": ["consent"],
        "include_granted_scopes": ["true"],
    }
    assert 43 <= len(verifier) <= 128
    assert "%20" in url.query
    assert "+" not in url.query


def test_connect_sends_the_verifier_and_offers_each_channel(respx_mock: respx.MockRouter) -> None:
    token = respx_mock.post(TOKEN_URL).respond(
        json={"access_token": "ya29.a", "refresh_token": "1//r", "expires_in": 3599, "scope": "youtube.upload"}
    )
    channels = respx_mock.get(
        "https://www.googleapis.com/youtube/v3/channels", params={"part": "snippet", "mine": "true"}
    ).respond(
        json={
            "kind": "youtube#channelListResponse",
            "items": [
                {
                    "kind": "youtube#channel",
                    "id": "UC123",
                    "snippet": {"title": "Alice Talks", "customUrl": "@alicetalks"},
                },
                {"kind": "youtube#channel", "id": "UC456", "snippet": {"title": "Alice Cooks"}},
            ],
        }
    )

    choices = YouTubeConnector().connect_choices(
        code="4/0A", redirect_uri="https://tidings.example/cb", session_data={"code_verifier": "v" * 64}
    )

    assert parse_qs(token.calls.last.request.content.decode()) == {
        "grant_type": ["authorization_code"],
        "code": ["4/0A"],
        "redirect_uri": ["https://tidings.example/cb"],
        "code_verifier": ["v" * 64],
        "client_id": ["cid.apps.googleusercontent.com"],
        "client_secret": ["gsecret"],
    }
    assert channels.calls.last.request.headers["Authorization"] == "Bearer ya29.a"
    assert dict(channels.calls.last.request.url.params) == {"part": "snippet", "mine": "true", "maxResults": "50"}
    assert [(i.external_id, i.handle, i.display_name, dict(i.options)) for i, _ in choices] == [
        ("UC123", "@alicetalks", "Alice Talks", {"kind": "channel"}),
        ("UC456", "Alice Cooks", "Alice Cooks", {"kind": "channel"}),
    ]
    assert {(t.access_token, t.refresh_token) for _, t in choices} == {("ya29.a", "1//r")}


def test_an_account_without_a_channel_cannot_connect(respx_mock: respx.MockRouter) -> None:
    respx_mock.post(TOKEN_URL).respond(json={"access_token": "ya29.a", "expires_in": 3599})
    respx_mock.get(
        "https://www.googleapis.com/youtube/v3/channels", params={"part": "snippet", "mine": "true"}
    ).respond(json={"items": []})
    with pytest.raises(PermanentError, match="no YouTube channel"):
        YouTubeConnector().connect_choices(code="c", redirect_uri="https://tidings.example/cb", session_data={})


def test_refresh_keeps_the_refresh_token_google_does_not_resend(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    route = respx_mock.post(TOKEN_URL).respond(json={"access_token": "ya29.b", "expires_in": 3599})
    tokens = YouTubeConnector().refresh_credentials(account)
    assert parse_qs(route.calls.last.request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["1//r"],
        "client_id": ["cid.apps.googleusercontent.com"],
        "client_secret": ["gsecret"],
    }
    assert (tokens.access_token, tokens.refresh_token) == ("ya29.b", "1//r")


def test_a_revoked_refresh_token_means_reconnect(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    respx_mock.post(TOKEN_URL).respond(
        400, json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    )
    with pytest.raises(ReauthRequired, match="expired or revoked"):
        YouTubeConnector().refresh_credentials(account)


def test_publish_opens_a_session_and_uploads_in_chunks(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    init = started(respx_mock)
    upload = respx_mock.put(SESSION)
    upload.side_effect = [
        httpx.Response(308, headers={"Range": "bytes=0-3"}),
        httpx.Response(308, headers={"Range": "bytes=0-7"}),
        httpx.Response(201, json=DONE),
    ]

    published = YouTubeConnector().publish(account, content(), idempotency_key="k1")

    assert (published.external_id, published.url) == ("dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    sent = init.calls.last.request
    assert sent.headers["Authorization"] == "Bearer ya29.a"
    assert sent.headers["X-Upload-Content-Length"] == "10"
    assert sent.headers["X-Upload-Content-Type"] == "video/mp4"
    assert sent.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert json.loads(sent.content) == {
        "snippet": {
            "title": "My talk",
            "description": "My talk\nAll about Tidings.\n\nhttps://tidings.example",
            "categoryId": "22",
        },
        "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False},
    }
    assert published.notice == ""
    assert [(c.request.headers["Content-Range"], c.request.content) for c in upload.calls] == [
        ("bytes 0-3/10", b"0123"),
        ("bytes 4-7/10", b"4567"),
        ("bytes 8-9/10", b"89"),
    ]
    assert {c.request.headers["Authorization"] for c in upload.calls} == {"Bearer ya29.a"}


def test_after_a_5xx_mid_upload_it_asks_the_session_and_resumes_where_it_stopped(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    started(respx_mock)
    upload = respx_mock.put(SESSION)
    upload.side_effect = [
        httpx.Response(308, headers={"Range": "bytes=0-3"}),
        httpx.Response(503),
        # The status query: two bytes of the failed chunk did arrive.
        httpx.Response(308, headers={"Range": "bytes=0-5"}),
        httpx.Response(200, json=DONE),
    ]

    published = YouTubeConnector().publish(account, content(), idempotency_key="k2")

    assert published.external_id == "dQw4w9WgXcQ"
    assert [(c.request.headers["Content-Range"], c.request.content) for c in upload.calls] == [
        ("bytes 0-3/10", b"0123"),
        ("bytes 4-7/10", b"4567"),
        ("bytes */10", b""),
        ("bytes 6-9/10", b"6789"),
    ]
    assert upload.calls[2].request.headers["Content-Length"] == "0"


def test_a_lost_answer_to_the_last_chunk_is_settled_by_asking_the_session(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    started(respx_mock)
    upload = respx_mock.put(SESSION)
    upload.side_effect = [
        httpx.Response(308, headers={"Range": "bytes=0-3"}),
        httpx.Response(308, headers={"Range": "bytes=0-7"}),
        httpx.ReadTimeout("lost"),
        httpx.Response(201, json=DONE),
    ]
    published = YouTubeConnector().publish(account, content(), idempotency_key="k3")
    assert published.external_id == "dQw4w9WgXcQ"
    assert upload.calls[3].request.headers["Content-Range"] == "bytes */10"


def test_a_308_without_range_starts_again_from_the_first_byte(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    started(respx_mock)
    upload = respx_mock.put(SESSION)
    upload.side_effect = [
        httpx.Response(502),
        httpx.Response(308),
        httpx.Response(308, headers={"Range": "bytes=0-3"}),
        httpx.Response(308, headers={"Range": "bytes=0-7"}),
        httpx.Response(201, json=DONE),
    ]
    YouTubeConnector().publish(account, content(), idempotency_key="k4")
    assert [c.request.headers["Content-Range"] for c in upload.calls] == [
        "bytes 0-3/10",
        "bytes */10",
        "bytes 0-3/10",
        "bytes 4-7/10",
        "bytes 8-9/10",
    ]


def test_an_upload_that_never_confirms_the_last_chunk_is_an_unknown_outcome(
    respx_mock: respx.MockRouter, account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(youtube, "CHUNK_BYTES", 16)
    started(respx_mock)
    respx_mock.put(SESSION).mock(side_effect=httpx.ReadTimeout("lost"))
    with pytest.raises(OutcomeUnknown, match="never confirmed"):
        YouTubeConnector().publish(account, content(), idempotency_key="k5")


def test_an_expired_session_is_transient(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    started(respx_mock)
    upload = respx_mock.put(SESSION)
    upload.side_effect = [httpx.Response(500), httpx.Response(404)]
    with pytest.raises(TransientError, match="dropped the upload session"):
        YouTubeConnector().publish(account, content(), idempotency_key="k6")


@pytest.mark.parametrize(
    ("response", "expected", "words"),
    [
        (google_error(401, "authError", "Invalid Credentials"), ReauthRequired, "no longer accepts"),
        (google_error(403, "insufficientPermissions"), ReauthRequired, "lacks a permission"),
        (google_error(403, "rateLimitExceeded", "Slow down."), RateLimited, "Slow down."),
        (google_error(503, "backendError", "Backend Error"), TransientError, "Backend Error"),
        (google_error(400, "invalidTitle", "The video title is invalid."), PermanentError, "title is invalid"),
        (google_error(403, "uploadLimitExceeded", "Too many uploads."), PermanentError, "Too many uploads"),
    ],
)
def test_errors_opening_the_session_are_classified(
    respx_mock: respx.MockRouter,
    account: SocialAccount,
    response: httpx.Response,
    expected: type[Exception],
    words: str,
) -> None:
    respx_mock.post(INIT_URL).mock(return_value=response)
    with pytest.raises(expected, match=words):
        YouTubeConnector().publish(account, content(), idempotency_key="k7")


@time_machine.travel(datetime(2026, 3, 10, 7, 30, tzinfo=UTC), tick=False)  # 00:30 PDT: the day has just begun
def test_quota_exhausted_far_from_the_reset_is_final(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    respx_mock.post(INIT_URL).mock(return_value=google_error(403, "quotaExceeded", "The request cannot be completed."))
    with pytest.raises(PermanentError, match=r"resets at midnight Pacific time, in 23\.5 h"):
        YouTubeConnector().publish(account, content(), idempotency_key="k8")


@time_machine.travel(datetime(2026, 3, 10, 6, 30, tzinfo=UTC), tick=False)  # 23:30 PDT: the reset is 30 minutes away
def test_quota_exhausted_near_the_reset_waits_for_it(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    respx_mock.post(INIT_URL).mock(return_value=google_error(403, "quotaExceeded", "The request cannot be completed."))
    with pytest.raises(RateLimited) as raised:
        YouTubeConnector().publish(account, content(), idempotency_key="k9")
    assert raised.value.retry_after == 30 * 60 + 60


def test_quota_reset_is_midnight_pacific_across_dst() -> None:
    # 2026-03-08 is the spring-forward day in Los Angeles: 23 hours from one midnight to the next.
    assert youtube.seconds_to_quota_reset(datetime(2026, 3, 8, 8, 0, tzinfo=UTC)) == 23 * 3600


def test_a_rejected_upload_is_permanent(
    respx_mock: respx.MockRouter, account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(youtube, "CHUNK_BYTES", 16)
    started(respx_mock)
    rejected = {"id": "x", "status": {"uploadStatus": "rejected", "rejectionReason": "duplicate"}}
    respx_mock.put(SESSION).respond(201, json=rejected)
    with pytest.raises(PermanentError, match="rejected the video: duplicate"):
        YouTubeConnector().publish(account, content(), idempotency_key="k10")


def test_title_is_the_first_line_cut_at_a_word() -> None:
    text = "word " * 30 + "\nBody"
    title, description = title_and_description(Content(text=text))
    assert title == "word " * 18 + "word…"
    assert description == text.strip()


def test_validate_accepts_a_fitting_video(account: SocialAccount) -> None:
    assert YouTubeConnector().validate(account, content()) == []


@pytest.mark.parametrize(
    ("post", "problem"),
    [
        (content(duration_seconds=13 * 3600.0), "talk.mp4 lasts 46800 s; YouTube takes at most 43200 s."),
        (content(mime_type="video/x-matroska"), "talk.mp4: YouTube does not take video/x-matroska video."),
        (content(size_bytes=300 * 1024 * MB), "talk.mp4 is 307200 MB; YouTube takes video up to 262144 MB."),
        (content("é" * 2600), "The description is 5225 bytes long; YouTube allows 5000. Shorten it."),
        (content("Use <b>bold</b>"), "YouTube does not allow < or > in a video's title or description."),
        (Content(text="No video"), "YouTube needs a video."),
    ],
)
def test_validate_explains_what_youtube_refuses(account: SocialAccount, post: Content, problem: str) -> None:
    assert problem in YouTubeConnector().validate(account, post)


def test_the_posts_title_privacy_audience_and_tags_reach_videos_insert(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    init = started(respx_mock)
    answer = {"id": "abc", "status": {"uploadStatus": "uploaded", "privacyStatus": "unlisted"}}
    respx_mock.put(SESSION).respond(201, json=answer)
    options = {"title": "Launch day", "privacy": "unlisted", "made_for_kids": True, "tags": ["tidings", "launch day"]}
    post = Content(text="My talk", media=(video(),), options=options)

    published = YouTubeConnector().publish(account, post, idempotency_key="k9")

    assert json.loads(init.calls.last.request.content) == {
        "snippet": {
            "title": "Launch day",
            "description": "My talk",
            "categoryId": "22",
            "tags": ["tidings", "launch day"],
        },
        "status": {"privacyStatus": "unlisted", "selfDeclaredMadeForKids": True},
    }
    assert (published.external_id, published.notice) == ("abc", "")


def test_a_video_the_platform_locked_private_says_so(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    started(respx_mock)
    # An unverified API project's uploads come back private whatever was asked (videos.insert).
    answer = {"id": "abc", "status": {"uploadStatus": "uploaded", "privacyStatus": "private"}}
    respx_mock.put(SESSION).respond(201, json=answer)

    published = YouTubeConnector().publish(account, content(), idempotency_key="k10")

    assert published.external_id == "abc"
    assert published.notice == (
        "YouTube made the video private, not public: videos uploaded through an API project Google has not "
        "verified are locked private. Change it on YouTube, or ask the operator to have the project verified."
    )
