"""Errors classified as each platform means them: the operator's app versus the user's sign-in, a permission versus a
token, a passing state of a fresh container or an unprocessed attachment versus a refusal, and waits that last as long
as the platform's window."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from tests.support.waits import QUICK
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import (
    Content,
    PermanentError,
    Published,
    RateLimited,
    ReauthRequired,
    TransientError,
)
from tidings.platforms.connectors.facebook import FacebookConnector
from tidings.platforms.connectors.instagram import InstagramConnector
from tidings.platforms.connectors.linkedin import LinkedInConnector
from tidings.platforms.connectors.mastodon import api as mastodon
from tidings.platforms.connectors.meta import GRAPH
from tidings.platforms.connectors.threads import ThreadsConnector
from tidings.platforms.connectors.x import XConnector
from tidings.platforms.media import MB, MediaItem
from tidings.platforms.models import Platform
from tidings.platforms.services import connect_account

pytestmark = pytest.mark.django_db


def answer(status: int, body: dict[str, object], url: str = "https://api.example/x") -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request("POST", url))


def graph_error(code: int, subcode: int = 0, message: str = "An error") -> dict[str, object]:
    # The Graph API's error object: "Handling Errors" in https://developers.facebook.com/docs/graph-api/guides/error-handling
    error: dict[str, object] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Az8"}
    if subcode:
        error["error_subcode"] = subcode
    return {"error": error}


# --- X --------------------------------------------------------------------------------------------------------


def test_x_client_forbidden_is_the_operators_app_not_a_reconnect(caplog: pytest.LogCaptureFixture) -> None:
    # https://docs.x.com/x-api/fundamentals/response-codes-and-errors, "Problem types": client-forbidden
    body = {
        "client_id": "101010101",
        "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a "
        "Twitter developer App that is attached to a Project.",
        "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
        "title": "Client Forbidden",
        "required_enrollment": "Appropriate Level of API Access",
        "reason": "client-not-enrolled",
        "type": "https://api.twitter.com/2/problems/client-forbidden",
    }
    caplog.set_level("WARNING", logger="tidings.platforms")
    error = XConnector().failure(answer(403, body))
    assert type(error) is PermanentError
    assert error.message == (
        f"X answered 403: {body['detail']} This server's X app lacks the API access this needs (X: "
        "client-forbidden); the server's operator must change the app in the X developer portal. Reconnecting will "
        "not help."
    )
    assert [r.getMessage() for r in caplog.records] == [
        "platform.app_problem platform=x problem=client-forbidden status=403"
    ]


def test_x_usage_capped_fails_with_the_reason_and_is_not_retried() -> None:
    body = {
        "title": "UsageCapExceeded",
        "detail": "Usage cap exceeded: Monthly product cap",
        "type": "https://api.twitter.com/2/problems/usage-capped",
        "period": "Monthly",
        "scope": "Product",
    }
    error = XConnector().failure(answer(429, body))
    assert type(error) is PermanentError
    assert error.message.startswith("X answered 429: Usage cap exceeded: Monthly product cap This server's X app")
    # An ordinary 429 still waits for the window.
    plain = XConnector().failure(
        httpx.Response(429, json={"title": "Too Many Requests"}, headers={"x-rate-limit-reset": "0"})
    )
    assert type(plain) is RateLimited


# --- Meta -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "subcode", "kind", "refreshable"),
    [
        (190, 463, ReauthRequired, True),  # the token expired
        (10, 0, ReauthRequired, False),  # a permission not granted
        (200, 0, ReauthRequired, False),
        (299, 0, ReauthRequired, False),
        (100, 33, TransientError, None),  # a container made a moment ago
        (9007, 2207027, TransientError, None),  # Instagram: media not ready
        (100, 0, PermanentError, None),  # any other invalid parameter
    ],
)
def test_meta_permission_errors_differ_from_tokens_and_fresh_containers(
    code: int, subcode: int, kind: type, refreshable: bool | None
) -> None:
    error = FacebookConnector().failure(answer(400, graph_error(code, subcode, "Nope")))
    assert isinstance(error, kind)
    if refreshable is not None:
        assert isinstance(error, ReauthRequired)
        assert error.refreshable is refreshable


def test_meta_permission_errors_say_to_grant_the_permissions() -> None:
    error = FacebookConnector().failure(
        answer(
            403, graph_error(200, message="(#200) The user hasn't authorized the application to perform this action")
        )
    )
    assert error.message == (
        "Facebook Pages: (#200) The user hasn't authorized the application to perform this action Reconnect the "
        "account and grant every permission Tidings asks for."
    )


def test_facebook_341_waits_at_least_a_quarter_of_an_hour() -> None:
    error = FacebookConnector().failure(
        answer(400, graph_error(341, message="(#341) Feed action request limit reached"))
    )
    assert isinstance(error, RateLimited)
    assert error.retry_after == 900.0


THREADS_API = "https://graph.threads.net/v1.0"


@respx.mock
def test_threads_keeps_polling_a_container_it_does_not_show_yet(alice: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ThreadsConnector, "patience", QUICK)
    account = connect_account(
        owner(alice), platform=Platform.THREADS, external_id="th1", handle="@a", access_token="tok"
    )
    respx.post(f"{THREADS_API}/th1/threads").respond(json={"id": "c1"})
    poll = respx.get(f"{THREADS_API}/c1").mock(
        side_effect=[
            httpx.Response(
                400, json=graph_error(100, 33, "Unsupported get request. Object with ID 'c1' does not exist")
            ),
            httpx.Response(200, json={"status": "FINISHED", "id": "c1"}),
        ]
    )
    respx.post(f"{THREADS_API}/th1/threads_publish").respond(json={"id": "m1"})
    respx.get(f"{THREADS_API}/m1").respond(json={"permalink": "https://www.threads.com/@a/post/X", "id": "m1"})
    assert ThreadsConnector().publish(account, Content(text="Hello"), idempotency_key="k") == Published(
        "m1", "https://www.threads.com/@a/post/X"
    )
    assert poll.call_count == 2


IG = "17841405822304914"
PHOTO = MediaItem(path="uploads/p.jpg", kind="image", mime_type="image/jpeg", size_bytes=MB, width=1080, height=1080)


@respx.mock
def test_instagrams_publishing_limit_waits_until_the_window_frees_a_place(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDINGS_PUBLIC_URL", "https://tidings.example")
    monkeypatch.setattr(InstagramConnector, "patience", QUICK)
    account = connect_account(owner(alice), platform=Platform.INSTAGRAM, external_id=IG, handle="@b", access_token="pt")
    respx.post(f"{GRAPH}/{IG}/media").respond(json={"id": "c1"})
    respx.get(f"{GRAPH}/c1").respond(json={"status_code": "FINISHED", "id": "c1"})
    # "Rate Limit" in https://developers.facebook.com/docs/instagram-platform/content-publishing; the error is
    # code 4 with subcode 2207042 (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes)
    respx.post(f"{GRAPH}/{IG}/media_publish").respond(
        400, json=graph_error(4, 2207042, "Application request limit reached")
    )
    now = datetime.now(tz=UTC)
    oldest, newer = now - timedelta(hours=20), now - timedelta(hours=2)
    media = respx.get(f"{GRAPH}/{IG}/media").respond(
        json={
            "data": [
                {"timestamp": newer.strftime("%Y-%m-%dT%H:%M:%S+0000"), "id": "2"},
                {"timestamp": oldest.strftime("%Y-%m-%dT%H:%M:%S+0000"), "id": "1"},
            ]
        }
    )
    with pytest.raises(RateLimited) as raised:
        InstagramConnector().publish(account, Content(text="Hi", media=(PHOTO,)), idempotency_key="k")
    assert raised.value.message == (
        "Instagram: Application request limit reached It will be published when the 24-hour window frees a place."
    )
    # Four hours until the oldest post is a day old, and a minute to spare.
    assert abs(raised.value.retry_after - (4 * 3600 + 60)) < 5
    params = media.calls.last.request.url.params
    assert (params["fields"], params["limit"]) == ("timestamp", "100")
    assert abs(int(params["since"]) - int((now - timedelta(hours=24)).timestamp())) < 5


# --- LinkedIn ---------------------------------------------------------------------------------------------------


def test_linkedin_403_is_a_missing_permission_and_401_the_token(caplog: pytest.LogCaptureFixture) -> None:
    # "Error Handling" in https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
    caplog.set_level("WARNING", logger="tidings.platforms")
    denied = LinkedInConnector().failure(
        answer(
            403,
            {
                "status": 403,
                "serviceErrorCode": 100,
                "code": "ACCESS_DENIED",
                "message": "Not enough permissions to access: partnerApiPostsExternal.CREATE.20260501",
            },
        )
    )
    assert type(denied) is PermanentError
    assert denied.message == (
        "LinkedIn answered 403: Not enough permissions to access: partnerApiPostsExternal.CREATE.20260501 This "
        "server's LinkedIn app lacks the product this needs, or the member lacks the role on the page; reconnecting "
        "will not help. The server's operator can add the product to the app."
    )
    assert [r.getMessage() for r in caplog.records] == [
        "platform.app_problem platform=linkedin problem=access_denied status=403"
    ]
    expired = LinkedInConnector().failure(
        answer(401, {"status": 401, "serviceErrorCode": 65601, "code": "REVOKED_ACCESS_TOKEN", "message": "revoked"})
    )
    assert type(expired) is ReauthRequired
    assert expired.refreshable


def test_linkedin_426_names_the_version_setting() -> None:
    error = LinkedInConnector().failure(
        answer(426, {"status": 426, "code": "NONEXISTENT_VERSION", "message": "Requested version 202401 is not active"})
    )
    assert type(error) is PermanentError
    assert "TIDINGS_LINKEDIN_VERSION" in error.message


# --- Mastodon ---------------------------------------------------------------------------------------------------


def test_mastodon_422_for_unprocessed_media_is_retried_and_other_422s_are_not() -> None:
    # https://docs.joinmastodon.org/methods/statuses/#create: 422 with {"error": ...}
    waiting = mastodon.error_for(
        answer(422, {"error": "Cannot attach files that have not finished processing. Try again in a moment!"})
    )
    assert type(waiting) is TransientError
    assert waiting.message == (
        "Mastodon: Cannot attach files that have not finished processing. Try again in a moment! It will be sent "
        "again once Mastodon has processed the media."
    )
    refused = mastodon.error_for(answer(422, {"error": "Validation failed: Text can't be blank"}))
    assert type(refused) is PermanentError


def test_a_missing_scope_on_tiktok_or_youtube_is_not_fixed_by_a_new_token() -> None:
    from tidings.platforms.connectors.tiktok import tiktok_failure
    from tidings.platforms.connectors.youtube import youtube_failure

    # https://developers.tiktok.com/doc/tiktok-api-v2-error-handling: error.code scope_not_authorized
    tiktok = tiktok_failure(
        answer(401, {"error": {"code": "scope_not_authorized", "message": "", "log_id": "2026120113"}})
    )
    # https://developers.google.com/youtube/v3/docs/errors: forbidden (403) insufficientPermissions
    youtube = youtube_failure(
        answer(
            403,
            {
                "error": {
                    "code": 403,
                    "message": "Insufficient Permission",
                    "errors": [{"reason": "insufficientPermissions"}],
                }
            },
        )
    )
    for error in (tiktok, youtube):
        assert isinstance(error, ReauthRequired)
        assert error.refreshable is False
    expired = tiktok_failure(answer(401, {"error": {"code": "access_token_invalid", "message": "expired"}}))
    assert isinstance(expired, ReauthRequired)
    assert expired.refreshable is True
