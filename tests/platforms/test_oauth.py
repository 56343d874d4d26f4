"""The OAuth core: the authorization URL, the code exchange and refresh as HTTP, and how token errors map."""

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from functools import partial
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from tidings.platforms import config
from tidings.platforms.base import PermanentError, RateLimited, ReauthRequired, TransientError
from tidings.platforms.config import OAuthApp
from tidings.platforms.connectors.oauth2 import OAuth2App, authorization_request, exchange_code, refresh, token_set

APP = OAuth2App(
    "client 1",
    "s3cr:et",
    authorize_url="https://auth.example/authorize",
    token_url="https://auth.example/token",
    scopes=("post.write", "users.read"),
    token_auth="post",
)
REDIRECT = "https://tidings.example/cb/"
TIKTOK: dict = {"token_auth": "post", "client_id_param": "client_key"}


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


def test_the_authorization_url_carries_state_scopes_and_an_s256_challenge() -> None:
    request = authorization_request(APP, redirect_uri=REDIRECT, session_data={"instance": "x"})
    params = query(request.url)
    assert request.url.startswith("https://auth.example/authorize?")
    assert params["response_type"] == "code"
    assert params["client_id"] == "client 1"
    assert params["redirect_uri"] == "https://tidings.example/cb/"
    assert params["scope"] == "post.write users.read"
    assert params["state"] == request.state
    assert len(request.state) >= 32
    assert params["code_challenge_method"] == "S256"
    verifier = request.session_data["code_verifier"]
    assert 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert params["code_challenge"] == expected
    # The verifier stays on the server: it is in the session data, never in the URL.
    assert verifier not in request.url
    assert request.session_data["instance"] == "x"


def test_every_authorization_gets_a_new_state_and_verifier() -> None:
    first, second = (authorization_request(APP, redirect_uri=REDIRECT) for _ in range(2))
    assert first.state != second.state
    assert first.session_data["code_verifier"] != second.session_data["code_verifier"]


def test_without_pkce_there_is_no_challenge_and_extra_params_are_added() -> None:
    app = OAuth2App("id", "secret", "https://old.example/auth?x=1", "https://old.example/token", pkce=False)
    request = authorization_request(app, redirect_uri=REDIRECT, extra={"prompt": "consent"})
    params = query(request.url)
    assert "code_challenge" not in params
    assert "scope" not in params
    assert params["x"] == "1"
    assert params["prompt"] == "consent"
    assert "code_verifier" not in request.session_data


@respx.mock
def test_the_code_exchange_posts_the_code_verifier_and_client_credentials_in_the_body() -> None:
    route = respx.post("https://auth.example/token").respond(
        200,
        json={"access_token": "at", "refresh_token": "rt", "expires_in": 7200, "scope": "post.write users.read"},
    )
    before = datetime.now(UTC)
    tokens = exchange_code(APP, code="the-code", redirect_uri=REDIRECT, code_verifier="v" * 50)
    sent = route.calls.last.request
    assert form(sent) == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": "https://tidings.example/cb/",
        "code_verifier": "v" * 50,
        "client_id": "client 1",
        "client_secret": "s3cr:et",
    }
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in sent.headers
    assert (tokens.access_token, tokens.refresh_token, tokens.scope) == ("at", "rt", "post.write users.read")
    assert tokens.expires_at is not None
    assert tokens.expires_at.tzinfo is not None
    assert before + timedelta(seconds=7200) <= tokens.expires_at <= datetime.now(UTC) + timedelta(seconds=7200)


@respx.mock
def test_basic_client_auth_form_encodes_the_credentials_first() -> None:
    app = OAuth2App("client 1", "s3cr:et", "https://b.example/a", "https://b.example/token", token_auth="basic")
    route = respx.post("https://b.example/token").respond(200, json={"access_token": "at"})
    refresh(app, refresh_token="old-rt")
    sent = route.calls.last.request
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"client+1:s3cr%3Aet").decode()
    assert form(sent) == {"grant_type": "refresh_token", "refresh_token": "old-rt"}


@respx.mock
def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one() -> None:
    respx.post("https://auth.example/token").respond(200, json={"access_token": "new", "expires_in": "60"})
    tokens = refresh(APP, refresh_token="keep-me")
    assert (tokens.access_token, tokens.refresh_token) == ("new", "keep-me")


def test_no_refresh_token_means_reconnecting() -> None:
    with pytest.raises(ReauthRequired):
        refresh(APP, refresh_token="")


@pytest.mark.parametrize(
    ("refreshing", "status", "body", "error", "message"),
    [
        # A refused grant on refresh: the user must connect again; a refused code fails only this attempt.
        (True, 400, {"error": "invalid_grant", "error_description": "Token revoked"}, ReauthRequired, "Token revoked"),
        (False, 400, {"error": "invalid_grant", "error_description": "Code used"}, PermanentError, "Code used"),
        (True, 400, {"error": "invalid_request", "error_description": "Bad token"}, ReauthRequired, "Bad token"),
        (
            False,
            400,
            {"error": "invalid_request", "error_description": "Bad redirect_uri"},
            PermanentError,
            "Bad redirect",
        ),
        # Our app's credentials, not the user's: reconnecting cannot help.
        (False, 401, {"error": "invalid_client"}, PermanentError, "invalid_client"),
        (True, 401, {"error": "invalid_client"}, PermanentError, "invalid_client"),
        (True, 400, {"error": "unauthorized_client"}, PermanentError, "unauthorized_client"),
        (False, 200, {"token_type": "bearer"}, PermanentError, "refused the sign-in"),
        # TikTok's token endpoint: errors as HTTP 200 with an `error` string.
        (False, 200, {"error": "invalid_grant", "error_description": "Code expired"}, PermanentError, "Code expired"),
        (True, 200, {"error": "invalid_grant", "error_description": "Gone"}, ReauthRequired, "Gone"),
        # Meta's error object and Pinterest's `message`.
        (False, 400, {"error": {"message": "Bad verification code", "code": 100}}, PermanentError, "verification code"),
        (True, 400, {"code": 1, "message": "Invalid refresh token."}, ReauthRequired, "Invalid refresh token"),
        (False, 502, {"error": "bad_gateway"}, TransientError, "502"),
        (True, 503, "<html>down</html>", TransientError, "503"),
    ],
)
@respx.mock
def test_token_errors_are_classified(
    refreshing: bool, status: int, body: object, error: type[Exception], message: str
) -> None:
    if isinstance(body, dict):
        respx.post("https://auth.example/token").respond(status, json=body)
    else:
        respx.post("https://auth.example/token").respond(status, text=str(body))
    grant = (
        partial(refresh, APP, refresh_token="rt")
        if refreshing
        else partial(exchange_code, APP, code="c", redirect_uri=REDIRECT)
    )
    with pytest.raises(error) as raised:
        grant()
    assert message in str(raised.value)
    assert "auth.example" in str(raised.value)


@respx.mock
def test_a_rate_limited_token_request_says_how_long_to_wait() -> None:
    respx.post("https://auth.example/token").respond(429, headers={"Retry-After": "30"})
    with pytest.raises(RateLimited) as raised:
        refresh(APP, refresh_token="rt")
    assert raised.value.retry_after == 30


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
@respx.mock
def test_unreachable_or_slow_token_endpoints_are_transient(failure: Exception) -> None:
    respx.post("https://auth.example/token").mock(side_effect=failure)
    with pytest.raises(TransientError):
        exchange_code(APP, code="c", redirect_uri=REDIRECT)


@respx.mock
def test_a_renamed_client_id_is_used_in_the_url_and_the_token_form() -> None:
    app = OAuth2App("key-1", "sec", "https://tt.example/auth", "https://tt.example/token", pkce=False, **TIKTOK)
    request = authorization_request(app, redirect_uri=REDIRECT)
    params = query(request.url)
    assert (params["client_key"], "client_id" in params) == ("key-1", False)
    assert request.session_data == {}
    route = respx.post("https://tt.example/token").respond(200, json={"access_token": "at"})
    exchange_code(app, code="c", redirect_uri=REDIRECT)
    assert form(route.calls.last.request) == {
        "grant_type": "authorization_code",
        "code": "c",
        "redirect_uri": REDIRECT,
        "client_key": "key-1",
        "client_secret": "sec",
    }


def test_token_set_reads_lists_of_scopes_and_missing_expiry() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    tokens = token_set({"access_token": "a", "scope": ["a", "b"], "expires_in": 10}, now=now)
    assert tokens.scope == "a b"
    assert tokens.expires_at == now + timedelta(seconds=10)
    assert token_set({"access_token": "a"}).expires_at is None
    assert token_set({"access_token": "a", "expires_in": "3599.5"}, now=now).expires_at == now + timedelta(seconds=3599)
    with pytest.raises(TransientError, match="no access token"):
        token_set({"token_type": "bearer"})


def test_config_reads_the_app_and_redirect_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIDINGS_PUBLIC_URL", raising=False)
    monkeypatch.delenv("TIDINGS_LINKEDIN_REDIRECT_URL", raising=False)
    monkeypatch.delenv("TIDINGS_LINKEDIN_CLIENT_ID", raising=False)
    monkeypatch.delenv("TIDINGS_LINKEDIN_CLIENT_SECRET", raising=False)
    assert config.oauth_app("linkedin") is None
    assert config.redirect_uri("linkedin") == "http://127.0.0.1:8000/connections/linkedin/callback/"
    monkeypatch.setenv("TIDINGS_LINKEDIN_CLIENT_ID", "id")
    assert config.oauth_app("linkedin") is None
    assert config.oauth_app("linkedin", secret_required=False) == OAuthApp(
        "id", "", "http://127.0.0.1:8000/connections/linkedin/callback/"
    )
    monkeypatch.setenv("TIDINGS_LINKEDIN_CLIENT_SECRET", "secret")
    monkeypatch.setenv("TIDINGS_PUBLIC_URL", "https://tidings.example/")
    assert config.oauth_app("linkedin") == OAuthApp(
        "id", "secret", "https://tidings.example/connections/linkedin/callback/"
    )
    monkeypatch.setenv("TIDINGS_LINKEDIN_REDIRECT_URL", "https://other.example/cb")
    assert config.redirect_uri("linkedin") == "https://other.example/cb"


def test_a_platform_without_a_connector_or_configuration_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    from tidings.platforms import registry
    from tidings.platforms.connectors.webhook import WebhookConnector

    monkeypatch.setattr(registry, "CONNECTORS", {"webhook": WebhookConnector()})
    assert config.is_available("webhook")
    missing = config.availability("linkedin")
    assert not missing.available
    assert "not supported" in missing.reason

    class Unconfigured(WebhookConnector):
        def is_configured(self) -> bool:
            return False

    monkeypatch.setattr(registry, "CONNECTORS", {"linkedin": Unconfigured()})
    unset = config.availability("linkedin")
    assert not unset.available
    # The user is told whom to ask; only the operator is told which settings to set.
    assert unset.reason == "LinkedIn is not available on this server yet; ask the person who runs it."
    assert "TIDINGS_" not in unset.reason
    assert "TIDINGS_LINKEDIN_CLIENT_ID and TIDINGS_LINKEDIN_CLIENT_SECRET" in unset.setup
