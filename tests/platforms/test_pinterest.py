"""Pinterest connector against API v5 at the HTTP edge (respx): OAuth with Basic auth, the board, Pins, errors."""

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

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
from tidings.platforms.connectors.pinterest import PinterestConnector
from tidings.platforms.media import MB, MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

API = "https://api.pinterest.com/v5"
BOARD_URL = f"{API}/boards/549755885175"
IMAGE = b"\x89PNG\r\n\x1a\nfake-png"
BASIC = "Basic " + base64.b64encode(b"app-1:psecret").decode()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("TIDINGS_PINTEREST_CLIENT_ID", "app-1")
    monkeypatch.setenv("TIDINGS_PINTEREST_CLIENT_SECRET", "psecret")
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "cake.png").write_bytes(IMAGE)


@pytest.fixture
def account(alice: User) -> SocialAccount:
    return connect_account(
        owner(alice),
        platform=Platform.PINTEREST,
        external_id="pin-user-1",
        handle="alicebakes",
        access_token="pina_a",
        refresh_token="pinr_r",
        options={
            "boards": [{"id": "549755885175", "name": "Cakes"}, {"id": "111", "name": "Drafts"}],
            "board_id": "549755885175",
        },
    )


def image(**changes: object) -> MediaItem:
    fields: dict[str, object] = {
        "path": "uploads/cake.png",
        "kind": "image",
        "mime_type": "image/png",
        "size_bytes": len(IMAGE),
        "alt_text": "A lemon cake",
    }
    return MediaItem(**{**fields, **changes})  # type: ignore[arg-type]


def content(**changes: object) -> Content:
    return Content(text="Lemon cake\nThe recipe.", link="https://bakes.example/lemon", media=(image(**changes),))


def test_is_configured_needs_the_app_id_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    assert PinterestConnector().is_configured()
    monkeypatch.delenv("TIDINGS_PINTEREST_CLIENT_SECRET")
    assert not PinterestConnector().is_configured()


def test_authorization_url_has_comma_scopes_and_state() -> None:
    request = PinterestConnector().start_connect(redirect_uri="https://tidings.example/cb")
    url = urlsplit(request.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://www.pinterest.com/oauth/"
    assert parse_qs(url.query) == {
        "client_id": ["app-1"],
        "redirect_uri": ["https://tidings.example/cb"],
        "response_type": ["code"],
        "scope": ["boards:read,pins:read,pins:write,user_accounts:read"],
        "state": [request.state],
    }
    assert request.session_data == {}


def test_finish_connect_uses_basic_auth_and_keeps_every_board_with_the_first_public_as_default(
    respx_mock: respx.MockRouter,
) -> None:
    token = respx_mock.post(f"{API}/oauth/token").respond(
        json={
            "access_token": "pina_a",
            "refresh_token": "pinr_r",
            "response_type": "authorization_code",
            "token_type": "bearer",
            "expires_in": 2592000,
            "refresh_token_expires_in": 31536000,
            "scope": "boards:read,pins:read,pins:write,user_accounts:read",
        }
    )
    user = respx_mock.get(f"{API}/user_account").respond(
        json={"id": "pin-user-1", "username": "alicebakes", "business_name": "Alice Bakes", "account_type": "BUSINESS"}
    )
    # "List boards" pages by `bookmark`: https://developers.pinterest.com/docs/api/v5/boards-list
    second = respx_mock.get(f"{API}/boards", params={"bookmark": "Ym9va21hcms="}).respond(
        json={"items": [{"id": "222", "name": "Bread", "privacy": "PUBLIC"}], "bookmark": None}
    )
    first = respx_mock.get(f"{API}/boards", params={"page_size": "100"}).respond(
        json={
            "items": [
                {"id": "111", "name": "Drafts", "privacy": "SECRET"},
                {"id": "549755885175", "name": "Cakes", "privacy": "PUBLIC"},
            ],
            "bookmark": "Ym9va21hcms=",
        }
    )

    identity, tokens = PinterestConnector().finish_connect(
        code="pcode", redirect_uri="https://tidings.example/cb", session_data={}
    )

    sent = token.calls.last.request
    assert sent.headers["Authorization"] == BASIC
    assert parse_qs(sent.content.decode()) == {
        "grant_type": ["authorization_code"],
        "code": ["pcode"],
        "redirect_uri": ["https://tidings.example/cb"],
    }
    assert user.calls.last.request.headers["Authorization"] == "Bearer pina_a"
    assert dict(first.calls[0].request.url.params) == {"page_size": "100"}
    assert dict(second.calls.last.request.url.params) == {"page_size": "100", "bookmark": "Ym9va21hcms="}
    assert identity == identity.__class__(
        external_id="pin-user-1",
        handle="alicebakes",
        display_name="Alice Bakes",
        options={
            "boards": [
                {"id": "111", "name": "Drafts"},
                {"id": "549755885175", "name": "Cakes"},
                {"id": "222", "name": "Bread"},
            ],
            "board_id": "549755885175",
        },
    )
    assert (tokens.access_token, tokens.refresh_token) == ("pina_a", "pinr_r")


def test_an_account_without_boards_cannot_connect(respx_mock: respx.MockRouter) -> None:
    respx_mock.post(f"{API}/oauth/token").respond(json={"access_token": "pina_a", "expires_in": 60})
    respx_mock.get(f"{API}/user_account").respond(json={"id": "u", "username": "u"})
    respx_mock.get(f"{API}/boards", params={"page_size": "100"}).respond(json={"items": []})
    with pytest.raises(PermanentError, match="no boards"):
        PinterestConnector().finish_connect(code="c", redirect_uri="https://tidings.example/cb", session_data={})


def test_refresh_uses_basic_auth(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    route = respx_mock.post(f"{API}/oauth/token").respond(json={"access_token": "pina_b", "expires_in": 2592000})
    tokens = PinterestConnector().refresh_credentials(account)
    assert route.calls.last.request.headers["Authorization"] == BASIC
    assert parse_qs(route.calls.last.request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["pinr_r"],
    }
    assert (tokens.access_token, tokens.refresh_token) == ("pina_b", "pinr_r")


def test_a_refused_refresh_means_reconnect(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    respx_mock.post(f"{API}/oauth/token").respond(400, json={"code": 1, "message": "Invalid refresh token."})
    with pytest.raises(ReauthRequired, match="Invalid refresh token"):
        PinterestConnector().refresh_credentials(account)


def test_publish_creates_a_pin_with_the_image_inline(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    route = respx_mock.post(f"{API}/pins").respond(201, json={"id": "813744226420795884", "board_id": "549755885175"})

    published = PinterestConnector().publish(account, content(), idempotency_key="key-1")

    assert published == Published("813744226420795884", "https://www.pinterest.com/pin/813744226420795884/")
    sent = route.calls.last.request
    assert sent.headers["Authorization"] == "Bearer pina_a"
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.content) == {
        "board_id": "549755885175",
        "title": "Lemon cake",
        "description": "Lemon cake\nThe recipe.",
        "note": "Sent by Tidings (key-1)",
        "link": "https://bakes.example/lemon",
        "alt_text": "A lemon cake",
        "media_source": {
            "source_type": "image_base64",
            "content_type": "image/png",
            "data": base64.b64encode(IMAGE).decode(),
        },
    }


@pytest.mark.parametrize(
    ("response", "expected", "words"),
    [
        (httpx.Response(401, json={"code": 2, "message": "Authentication failed."}), ReauthRequired, "no longer"),
        (httpx.Response(429, json={"code": 8, "message": "Rate limit exceeded."}), RateLimited, "Rate limit"),
        (httpx.Response(500, json={"code": 0, "message": "Internal error."}), TransientError, "Internal error"),
        (httpx.Response(403, json={"code": 3, "message": "Not your board."}), PermanentError, "Not your board"),
        (httpx.Response(400, json={"code": 1, "message": "Invalid image."}), PermanentError, r"\(400\): Invalid"),
    ],
)
def test_errors_are_classified_with_pinterests_message(
    respx_mock: respx.MockRouter,
    account: SocialAccount,
    response: httpx.Response,
    expected: type[Exception],
    words: str,
) -> None:
    respx_mock.post(f"{API}/pins").mock(return_value=response)
    with pytest.raises(expected, match=words) as raised:
        PinterestConnector().publish(account, content(), idempotency_key="key-2")
    if isinstance(raised.value, RateLimited):
        assert raised.value.retry_after == 60.0


def test_a_429_waits_its_retry_after(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    respx_mock.post(f"{API}/pins").respond(429, headers={"Retry-After": "12"}, json={"message": "Slow down."})
    with pytest.raises(RateLimited) as raised:
        PinterestConnector().publish(account, content(), idempotency_key="key-3")
    assert raised.value.retry_after == 12.0


def test_no_answer_after_sending_is_an_unknown_outcome(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    respx_mock.post(f"{API}/pins").mock(side_effect=httpx.ReadTimeout("no answer"))
    with pytest.raises(OutcomeUnknown):
        PinterestConnector().publish(account, content(), idempotency_key="key-4")


def test_find_published_looks_for_our_note_on_the_board(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    route = respx_mock.get(f"{BOARD_URL}/pins", params={"page_size": "100"}).respond(
        json={
            "items": [
                {"id": "900", "note": "Sent by Tidings (other-key)"},
                {"id": "901", "note": "Sent by Tidings (key-5)"},
                {"id": "902"},
            ],
            "bookmark": "abc",
        }
    )
    connector = PinterestConnector()
    assert connector.capabilities.can_find_published
    assert not connector.capabilities.idempotent_publish
    found = connector.find_published(account, idempotency_key="key-5", content=content(), sent_after=None)
    assert found == Published("901", "https://www.pinterest.com/pin/901/")
    assert route.calls.last.request.headers["Authorization"] == "Bearer pina_a"
    assert connector.find_published(account, idempotency_key="key-6", content=content(), sent_after=None) is None


def test_validate_accepts_one_fitting_image(account: SocialAccount) -> None:
    assert PinterestConnector().validate(account, content()) == []


@pytest.mark.parametrize(
    ("post", "problem"),
    [
        (Content(text="Just words"), "Pinterest needs an image or a video."),
        (content(mime_type="image/webp"), "cake.png: Pinterest does not take image/webp images."),
        (content(size_bytes=21 * MB), "cake.png is 21.0 MB; Pinterest takes images up to 20 MB."),
        (content(alt_text="a" * 501), "Pinterest alt text holds at most 500 characters."),
        (
            Content(text="Clip", media=(MediaItem("uploads/c.webm", "video", "video/webm", 100),)),
            "c.webm: Pinterest does not take video/webm video.",
        ),
        (
            Content(text="Clip", media=(MediaItem("uploads/c.mp4", "video", "video/mp4", 100, duration_seconds=3),)),
            "c.mp4 lasts 3.0 s; Pinterest needs at least 4 s.",
        ),
        (Content(text="x" * 501, media=(image(),)), "The description is 501 characters long; Pinterest allows 500."),
    ],
)
def test_validate_explains_what_pinterest_refuses(account: SocialAccount, post: Content, problem: str) -> None:
    assert any(p.startswith(problem) for p in PinterestConnector().validate(account, post))


def test_validate_needs_a_board(account: SocialAccount) -> None:
    account.options = {"boards": []}
    assert PinterestConnector().validate(account, content()) == [
        "This Pinterest account has no board chosen; pick one on its connection card."
    ]


def test_a_pin_goes_to_the_posts_board_with_its_title(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    account.options = {"boards": [{"id": "111", "name": "Cakes"}, {"id": "222", "name": "Bread"}], "board_id": "111"}
    route = respx_mock.post(f"{API}/pins").respond(201, json={"id": "9", "board_id": "222"})
    post = Content(text="Lemon cake", media=(image(),), options={"board_id": "222", "title": "Best lemon cake"})

    assert PinterestConnector().validate(account, post) == []
    PinterestConnector().publish(account, post, idempotency_key="key-2")

    body = json.loads(route.calls.last.request.content)
    assert (body["board_id"], body["title"]) == ("222", "Best lemon cake")


def test_without_a_choice_the_accounts_default_board_is_used(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    account.options = {"boards": [{"id": "111", "name": "Cakes"}], "board_id": "111"}
    route = respx_mock.post(f"{API}/pins").respond(201, json={"id": "9", "board_id": "111"})
    PinterestConnector().publish(account, content(), idempotency_key="key-3")
    body = json.loads(route.calls.last.request.content)
    assert (body["board_id"], body["title"]) == ("111", "Lemon cake")


def test_a_board_not_among_the_accounts_boards_is_refused(account: SocialAccount) -> None:
    account.options = {"boards": [{"id": "111", "name": "Cakes"}], "board_id": "111"}
    post = Content(text="Lemon cake", media=(image(),), options={"board_id": "999"})
    assert PinterestConnector().validate(account, post) == [
        "The chosen Pinterest board is not among this account's boards; choose another."
    ]


def test_a_post_that_names_its_board_pins_there_and_is_looked_for_there(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    route = respx_mock.post(f"{API}/pins").respond(201, json={"id": "77"})
    post = replace(content(), options={"board_id": "111"})
    PinterestConnector().publish(account, post, idempotency_key="key-7")
    assert json.loads(route.calls.last.request.content)["board_id"] == "111"
    look = respx_mock.get(f"{API}/boards/111/pins").respond(
        json={"items": [{"id": "77", "note": "Sent by Tidings (key-7)"}]}
    )
    found = PinterestConnector().find_published(account, idempotency_key="key-7", content=post, sent_after=None)
    assert (found, look.call_count) == (Published("77", "https://www.pinterest.com/pin/77/"), 1)


def test_an_account_connected_before_boards_were_kept_pins_to_its_board_address(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    account.options, account.base_url = {}, f"{API}/boards/333"
    route = respx_mock.post(f"{API}/pins").respond(201, json={"id": "78"})
    PinterestConnector().publish(account, content(), idempotency_key="key-8")
    assert json.loads(route.calls.last.request.content)["board_id"] == "333"
