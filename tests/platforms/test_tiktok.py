"""TikTok connector against the Content Posting API at the HTTP edge (respx): the exact requests and each answer."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
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
    RateLimited,
    ReauthRequired,
    StillProcessing,
    TransientError,
)
from tidings.platforms.connectors import tiktok
from tidings.platforms.connectors.tiktok import TikTokConnector
from tidings.platforms.media import MB, MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

API = "https://open.tiktokapis.com"
CREATOR_URL = f"{API}/v2/post/publish/creator_info/query/"
INIT_URL = f"{API}/v2/post/publish/video/init/"
STATUS_URL = f"{API}/v2/post/publish/status/fetch/"
UPLOAD_URL = "https://open-upload.tiktokapis.com/video/?upload_id=67890&upload_token=abc"
VIDEO = b"0123456789"
OK = {"code": "ok", "message": "", "log_id": "1"}
CREATOR = {
    "creator_username": "alice.tt",
    "creator_nickname": "Alice",
    "privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
    "comment_disabled": False,
    "duet_disabled": True,
    "stitch_disabled": False,
    "max_video_post_duration_sec": 300,
}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("TIDINGS_TIKTOK_CLIENT_ID", "key-123")
    monkeypatch.setenv("TIDINGS_TIKTOK_CLIENT_SECRET", "secret-456")
    monkeypatch.setattr(TikTokConnector, "patience", QUICK)
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "clip.mp4").write_bytes(VIDEO)


@pytest.fixture
def account(alice: User) -> SocialAccount:
    return connect_account(
        owner(alice),
        platform=Platform.TIKTOK,
        external_id="open-1",
        handle="alice.tt",
        access_token="act.1",
        refresh_token="rft.1",
    )


def video(**changes: object) -> MediaItem:
    fields: dict[str, object] = {
        "path": "uploads/clip.mp4",
        "kind": "video",
        "mime_type": "video/mp4",
        "size_bytes": len(VIDEO),
        "width": 1080,
        "height": 1920,
        "duration_seconds": 12.0,
    }
    return MediaItem(**{**fields, **changes})  # type: ignore[arg-type]


def content(**changes: object) -> Content:
    options = changes.pop("options", {"privacy_level": "PUBLIC_TO_EVERYONE"})
    return Content(text=str(changes.pop("text", "Hello TikTok")), media=(video(**changes),), options=options)  # type: ignore[arg-type]


def api(data: dict[str, object], *, status: int = 200, error: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"data": data, "error": error or OK})


def test_is_configured_needs_the_client_key_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    assert TikTokConnector().is_configured()
    monkeypatch.delenv("TIDINGS_TIKTOK_CLIENT_SECRET")
    assert not TikTokConnector().is_configured()
    monkeypatch.delenv("TIDINGS_TIKTOK_CLIENT_ID")
    monkeypatch.setenv("TIDINGS_TIKTOK_CLIENT_SECRET", "secret-456")
    assert not TikTokConnector().is_configured()


def test_authorization_url_uses_client_key_comma_scopes_and_state() -> None:
    request = TikTokConnector().start_connect(redirect_uri="https://tidings.example/connect/tiktok/callback")
    url = urlsplit(request.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://www.tiktok.com/v2/auth/authorize/"
    assert parse_qs(url.query) == {
        "client_key": ["key-123"],
        "redirect_uri": ["https://tidings.example/connect/tiktok/callback"],
        "response_type": ["code"],
        "scope": ["user.info.basic,video.publish"],
        "state": [request.state],
    }
    assert len(request.state) >= 32
    # TikTok's web flow has no PKCE (it is for mobile and desktop apps).
    assert request.session_data == {}
    assert TikTokConnector().start_connect(redirect_uri="https://x.example/cb").state != request.state


def test_finish_connect_exchanges_the_code_and_reads_who_it_is(respx_mock: respx.MockRouter) -> None:
    token = respx_mock.post(f"{API}/v2/oauth/token/").respond(
        json={
            "open_id": "open-1",
            "scope": "user.info.basic,video.publish",
            "access_token": "act.1",
            "expires_in": 86400,
            "refresh_token": "rft.1",
            "refresh_expires_in": 31536000,
            "token_type": "Bearer",
        }
    )
    user = respx_mock.get(f"{API}/v2/user/info/", params={"fields": "open_id,display_name"}).mock(
        return_value=api({"user": {"open_id": "open-1", "display_name": "Alice A."}})
    )
    creator = respx_mock.post(CREATOR_URL).mock(return_value=api(CREATOR))

    identity, tokens = TikTokConnector().finish_connect(
        code="code-1", redirect_uri="https://tidings.example/cb", session_data={}
    )

    sent = token.calls.last.request
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent.content.decode()) == {
        "grant_type": ["authorization_code"],
        "code": ["code-1"],
        "redirect_uri": ["https://tidings.example/cb"],
        "client_key": ["key-123"],
        "client_secret": ["secret-456"],
    }
    assert user.calls.last.request.headers["Authorization"] == "Bearer act.1"
    assert creator.calls.last.request.headers["Authorization"] == "Bearer act.1"
    assert (identity.external_id, identity.handle, identity.display_name) == ("open-1", "alice.tt", "Alice A.")
    assert (tokens.access_token, tokens.refresh_token, tokens.scope) == (
        "act.1",
        "rft.1",
        "user.info.basic,video.publish",
    )
    assert tokens.expires_at is not None


def test_a_refused_code_is_a_permanent_error_even_with_http_200(respx_mock: respx.MockRouter) -> None:
    # TikTok's token endpoint reports errors in the body of a 200 answer.
    respx_mock.post(f"{API}/v2/oauth/token/").respond(
        json={"error": "invalid_grant", "error_description": "Authorization code is expired.", "log_id": "x"}
    )
    with pytest.raises(PermanentError, match="Authorization code is expired"):
        TikTokConnector().finish_connect(code="old", redirect_uri="https://tidings.example/cb", session_data={})


def test_refresh_sends_the_refresh_token_and_rotates_it(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    route = respx_mock.post(f"{API}/v2/oauth/token/").respond(
        json={"access_token": "act.2", "refresh_token": "rft.2", "expires_in": 86400, "scope": "video.publish"}
    )
    tokens = TikTokConnector().refresh_credentials(account)
    assert parse_qs(route.calls.last.request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["rft.1"],
        "client_key": ["key-123"],
        "client_secret": ["secret-456"],
    }
    assert (tokens.access_token, tokens.refresh_token) == ("act.2", "rft.2")


def test_a_refused_refresh_means_reconnect(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    respx_mock.post(f"{API}/v2/oauth/token/").respond(
        json={"error": "invalid_grant", "error_description": "Refresh token is invalid or expired."}
    )
    with pytest.raises(ReauthRequired, match="Refresh token is invalid"):
        TikTokConnector().refresh_credentials(account)


def test_publish_direct_posts_uploads_and_polls_until_complete(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    creator = respx_mock.post(CREATOR_URL).mock(return_value=api(CREATOR))
    init = respx_mock.post(INIT_URL).mock(return_value=api({"publish_id": "v_pub.1", "upload_url": UPLOAD_URL}))
    upload = respx_mock.put(UPLOAD_URL).respond(201)
    status = respx_mock.post(STATUS_URL)
    status.side_effect = [
        api({"status": "PROCESSING_UPLOAD", "uploaded_bytes": 10}),
        api({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7123456789]}),
    ]

    published = TikTokConnector().publish(account, content(), idempotency_key="key-1")

    assert (published.external_id, published.url) == ("7123456789", "https://www.tiktok.com/@alice.tt/video/7123456789")
    assert creator.calls.last.request.headers["Authorization"] == "Bearer act.1"
    sent = init.calls.last.request
    assert sent.headers["Authorization"] == "Bearer act.1"
    assert sent.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert json.loads(sent.content) == {
        "post_info": {
            "title": "Hello TikTok",
            "privacy_level": "PUBLIC_TO_EVERYONE",
            # Off unless the user turned them on (the Content Sharing Guidelines).
            "disable_comment": True,
            "disable_duet": True,
            "disable_stitch": True,
            "brand_organic_toggle": False,
            "brand_content_toggle": False,
            "is_aigc": False,
        },
        "source_info": {"source": "FILE_UPLOAD", "video_size": 10, "chunk_size": 10, "total_chunk_count": 1},
    }
    put = upload.calls.last.request
    assert (put.headers["Content-Range"], put.headers["Content-Type"], put.content) == (
        "bytes 0-9/10",
        "video/mp4",
        VIDEO,
    )
    assert "Authorization" not in put.headers
    assert [json.loads(c.request.content) for c in status.calls] == [{"publish_id": "v_pub.1"}] * 2


def test_chunks_follow_tiktoks_count_rule_and_a_5xx_chunk_is_sent_again(
    respx_mock: respx.MockRouter, account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tiktok, "CHUNK_BYTES", 4)
    respx_mock.post(CREATOR_URL).mock(return_value=api(CREATOR))
    init = respx_mock.post(INIT_URL).mock(return_value=api({"publish_id": "v_pub.2", "upload_url": UPLOAD_URL}))
    upload = respx_mock.put(UPLOAD_URL)
    upload.side_effect = [httpx.Response(206), httpx.Response(503), httpx.Response(201)]
    respx_mock.post(STATUS_URL).mock(return_value=api({"status": "PUBLISH_COMPLETE"}))

    published = TikTokConnector().publish(account, content(), idempotency_key="key-2")

    # 10 bytes in chunks of 4: floor(10 / 4) = 2 chunks, the last one carrying the remainder.
    assert json.loads(init.calls.last.request.content)["source_info"] == {
        "source": "FILE_UPLOAD",
        "video_size": 10,
        "chunk_size": 4,
        "total_chunk_count": 2,
    }
    assert [(c.request.headers["Content-Range"], c.request.content) for c in upload.calls] == [
        ("bytes 0-3/10", b"0123"),
        ("bytes 4-9/10", b"456789"),
        ("bytes 4-9/10", b"456789"),
    ]
    # A private post never gets a public id: the publish id stands in.
    assert (published.external_id, published.url) == ("v_pub.2", "")


def test_a_failed_publish_is_permanent_with_tiktoks_reason(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    respx_mock.post(CREATOR_URL).mock(return_value=api(CREATOR))
    respx_mock.post(INIT_URL).mock(return_value=api({"publish_id": "v_pub.3", "upload_url": UPLOAD_URL}))
    respx_mock.put(UPLOAD_URL).respond(201)
    status = respx_mock.post(STATUS_URL)
    status.side_effect = [
        api({"status": "PROCESSING_UPLOAD"}),
        api({"status": "FAILED", "fail_reason": "duration_check_failed"}),
    ]
    with pytest.raises(PermanentError, match="duration_check_failed"):
        TikTokConnector().publish(account, content(), idempotency_key="key-3")
    assert status.call_count == 2


def test_status_answers_that_fail_keep_the_poll_going(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    respx_mock.post(CREATOR_URL).mock(return_value=api(CREATOR))
    respx_mock.post(INIT_URL).mock(return_value=api({"publish_id": "v_pub.7", "upload_url": UPLOAD_URL}))
    respx_mock.put(UPLOAD_URL).respond(201)
    status = respx_mock.post(STATUS_URL)
    status.side_effect = [
        httpx.Response(500, json={"data": {}, "error": {"code": "internal_error", "message": "Try later."}}),
        httpx.ConnectError("refused"),
        api({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [42]}),
    ]
    assert TikTokConnector().publish(account, content(), idempotency_key="key-7").external_id == "42"


def test_a_post_still_processing_hands_the_wait_back_with_its_publish_id_and_resumes_by_status_alone(
    respx_mock: respx.MockRouter, account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TikTokConnector, "patience", HAND_BACK)
    creator = respx_mock.post(CREATOR_URL).mock(return_value=api(CREATOR))
    init = respx_mock.post(INIT_URL).mock(return_value=api({"publish_id": "v_pub.8", "upload_url": UPLOAD_URL}))
    upload = respx_mock.put(UPLOAD_URL).respond(201)
    status = respx_mock.post(STATUS_URL)
    status.side_effect = [
        api({"status": "PROCESSING_DOWNLOAD"}),
        api({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7001]}),
    ]
    with pytest.raises(StillProcessing) as waiting:
        TikTokConnector().publish(account, content(), idempotency_key="key-8")

    assert waiting.value.sent is True
    assert waiting.value.check_after == 7.0
    progress = waiting.value.progress
    assert {key: progress[key] for key in ("publish_id", "checks", "sent")} == {
        "publish_id": "v_pub.8",
        "checks": 1,
        "sent": True,
    }
    published = TikTokConnector().publish(account, replace(content(), progress=progress), idempotency_key="key-8")

    assert (published.external_id, published.url) == ("7001", "https://www.tiktok.com/@alice.tt/video/7001")
    # The resumed call only asked the status: nothing was sent or uploaded again.
    assert (creator.call_count, init.call_count, upload.call_count, status.call_count) == (1, 1, 1, 2)


def test_a_post_still_processing_past_the_longest_wait_is_an_unknown_outcome(
    respx_mock: respx.MockRouter, account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TikTokConnector, "patience", HAND_BACK)
    status = respx_mock.post(STATUS_URL).mock(return_value=api({"status": "PROCESSING_UPLOAD"}))
    since = (datetime.now(tz=UTC) - timedelta(minutes=11)).isoformat()
    progress = {"publish_id": "v_pub.8", "since": since, "checks": 9, "sent": True}

    with pytest.raises(OutcomeUnknown, match="still processing the video after 11 minutes"):
        TikTokConnector().publish(account, replace(content(), progress=progress), idempotency_key="key-8")
    assert status.call_count == 1


@pytest.mark.parametrize(
    ("answer", "found"),
    [
        ({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7002]}, "7002"),
        ({"status": "PUBLISH_COMPLETE"}, "v_pub.5"),
        ({"status": "FAILED", "fail_reason": "file_format_check_failed"}, None),
    ],
)
def test_a_send_in_doubt_is_settled_by_its_publish_id(
    respx_mock: respx.MockRouter, account: SocialAccount, answer: dict[str, object], found: str | None
) -> None:
    status = respx_mock.post(STATUS_URL).mock(return_value=api(answer))
    progress = {"publish_id": "v_pub.5", "sent": True}

    result = TikTokConnector().find_published(
        account, idempotency_key="k", content=replace(content(), progress=progress), sent_after=None
    )

    assert (result.external_id if result else None) == found
    assert json.loads(status.calls.last.request.content) == {"publish_id": "v_pub.5"}


def test_a_send_in_doubt_stays_in_doubt_while_processing_or_without_a_publish_id(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    status = respx_mock.post(STATUS_URL).mock(return_value=api({"status": "PROCESSING_UPLOAD"}))
    with pytest.raises(OutcomeUnknown, match=r"still processing the video \(publish id v_pub\.6\)"):
        TikTokConnector().find_published(
            account,
            idempotency_key="k",
            content=replace(content(), progress={"publish_id": "v_pub.6"}),
            sent_after=None,
        )
    with pytest.raises(OutcomeUnknown, match="never gave this send a publish id"):
        TikTokConnector().find_published(account, idempotency_key="k", content=content(), sent_after=None)
    assert status.call_count == 1


def test_a_chunk_that_keeps_failing_is_transient_and_nothing_is_polled(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    respx_mock.post(CREATOR_URL).mock(return_value=api(CREATOR))
    respx_mock.post(INIT_URL).mock(return_value=api({"publish_id": "v_pub.9", "upload_url": UPLOAD_URL}))
    upload = respx_mock.put(UPLOAD_URL).respond(502)
    with pytest.raises(TransientError):
        TikTokConnector().publish(account, content(), idempotency_key="key-9")
    assert upload.call_count == tiktok.CHUNK_RETRIES + 1


def test_no_answer_to_the_init_is_an_unknown_outcome(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    respx_mock.post(CREATOR_URL).mock(return_value=api(CREATOR))
    respx_mock.post(INIT_URL).mock(side_effect=httpx.ReadTimeout("no answer"))
    with pytest.raises(OutcomeUnknown):
        TikTokConnector().publish(account, content(), idempotency_key="key-10")


@pytest.mark.parametrize(
    ("status", "code", "headers", "expected", "words"),
    [
        (401, "access_token_invalid", {}, ReauthRequired, "no longer accepts"),
        (401, "scope_not_authorized", {}, ReauthRequired, "did not grant a permission"),
        (429, "rate_limit_exceeded", {"Retry-After": "30"}, RateLimited, "rate_limit_exceeded"),
        (500, "internal_error", {}, TransientError, "internal_error"),
        (403, "spam_risk_too_many_posts", {}, PermanentError, "daily cap on posts"),
        (403, "unaudited_client_can_only_post_to_private_accounts", {}, PermanentError, "unaudited"),
        (400, "invalid_params", {}, PermanentError, "title is too long"),
    ],
)
def test_init_errors_are_classified_by_tiktoks_error_code(
    respx_mock: respx.MockRouter,
    account: SocialAccount,
    status: int,
    code: str,
    headers: dict[str, str],
    expected: type[Exception],
    words: str,
) -> None:
    respx_mock.post(CREATOR_URL).mock(return_value=api(CREATOR))
    respx_mock.post(INIT_URL).respond(
        status, headers=headers, json={"data": {}, "error": {"code": code, "message": "The title is too long."}}
    )
    with pytest.raises(expected, match=words) as raised:
        TikTokConnector().publish(account, content(), idempotency_key="key-4")
    if isinstance(raised.value, RateLimited):
        assert raised.value.retry_after == 30.0


def test_a_video_longer_than_the_creator_may_post_is_refused_before_uploading(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    respx_mock.post(CREATOR_URL).mock(return_value=api({**CREATOR, "max_video_post_duration_sec": 60}))
    with pytest.raises(PermanentError, match="at most 60 s"):
        TikTokConnector().publish(account, content(duration_seconds=90.0), idempotency_key="key-5")


def _publish_with(respx_mock: respx.MockRouter, account: SocialAccount, options: dict[str, object]) -> Any:
    respx_mock.post(CREATOR_URL).mock(return_value=api(CREATOR))
    init = respx_mock.post(INIT_URL).mock(return_value=api({"publish_id": "v_pub.6", "upload_url": UPLOAD_URL}))
    respx_mock.put(UPLOAD_URL).respond(201)
    respx_mock.post(STATUS_URL).mock(return_value=api({"status": "PUBLISH_COMPLETE"}))
    TikTokConnector().publish(account, content(options=options), idempotency_key="key-6")
    return json.loads(init.calls.last.request.content)["post_info"]


def test_the_users_choices_reach_post_info_and_what_the_creator_turned_off_stays_off(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    options = {
        "privacy_level": "MUTUAL_FOLLOW_FRIENDS",
        "allow_comment": True,
        "allow_duet": True,  # the creator turned duets off (CREATOR["duet_disabled"])
        "allow_stitch": True,
        "commercial": True,
        "your_brand": True,
        "branded_content": True,
        "ai_generated": True,
    }
    assert _publish_with(respx_mock, account, options) == {
        "title": "Hello TikTok",
        "privacy_level": "MUTUAL_FOLLOW_FRIENDS",
        "disable_comment": False,
        "disable_duet": True,
        "disable_stitch": False,
        "brand_organic_toggle": True,
        "brand_content_toggle": True,
        "is_aigc": True,
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "No one was chosen to see this TikTok video"),
        ({"privacy_level": "FOLLOWER_OF_CREATOR"}, "no longer offers FOLLOWER_OF_CREATOR"),
    ],
)
def test_publish_refuses_a_privacy_the_creator_does_not_offer_before_anything_is_sent(
    respx_mock: respx.MockRouter, account: SocialAccount, options: dict[str, object], message: str
) -> None:
    respx_mock.post(CREATOR_URL).mock(return_value=api(CREATOR))
    init = respx_mock.post(INIT_URL)
    with pytest.raises(PermanentError, match=message):
        TikTokConnector().publish(account, content(options=options), idempotency_key="key-7")
    assert not init.called


def test_creator_info_is_read_with_the_accounts_token(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    route = respx_mock.post(CREATOR_URL).mock(return_value=api(CREATOR))
    assert TikTokConnector().creator_info(account) == CREATOR
    assert route.calls.last.request.headers["Authorization"] == "Bearer act.1"


def test_validate_accepts_a_fitting_video(account: SocialAccount) -> None:
    assert TikTokConnector().validate(account, content()) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"duration_seconds": 700.0}, "clip.mp4 lasts 700 s; TikTok takes at most 600 s."),
        ({"duration_seconds": 2.0}, "clip.mp4 lasts 2.0 s; TikTok needs at least 3 s."),
        ({"mime_type": "video/x-msvideo"}, "clip.mp4: TikTok does not take video/x-msvideo video."),
        ({"size_bytes": 5000 * MB}, "clip.mp4 is 5000 MB; TikTok takes video up to 4096 MB."),
        ({"width": 4000, "height": 300}, "clip.mp4 is too wide for TikTok (4000x300)."),
        ({"width": 200, "height": 400}, "clip.mp4 is 200x400 px; TikTok takes 360 to 4096 px on each side."),
    ],
)
def test_validate_explains_what_tiktok_refuses(
    account: SocialAccount, changes: dict[str, object], problem: str
) -> None:
    assert problem in TikTokConnector().validate(account, content(**changes))


def test_validate_needs_a_video_and_a_caption_that_fits(account: SocialAccount) -> None:
    image = MediaItem(path="uploads/a.jpg", kind="image", mime_type="image/jpeg", size_bytes=100)
    assert TikTokConnector().validate(account, Content(text="Hi", media=(image,))) == [
        "TikTok needs a video.",
        "a.jpg: TikTok does not take image/jpeg images.",
        "Choose who can see this TikTok video: TikTok asks each post to say so.",
    ]
    long_caption = TikTokConnector().validate(account, content(text="x" * 2201))
    assert long_caption == ["The caption is 2201 characters long; TikTok allows 2200. Shorten it."]
