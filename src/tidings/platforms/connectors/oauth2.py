"""OAuth 2 for every platform that signs in with it: the authorization URL (state, PKCE S256), the code exchange and
the refresh, over our one HTTP seam, answering with a `TokenSet` or a classified error.

    app = OAuth2App(client_id, client_secret, authorize_url=..., token_url=..., scopes=("tweet.write", ...))
    request = authorization_request(app, redirect_uri=...)                                   # start_connect
    tokens = exchange_code(app, code=..., redirect_uri=..., code_verifier=session_data["code_verifier"])
    tokens = refresh(app, refresh_token=account.refresh_token)

Errors (RFC 6749 section 5.2): 429 raises RateLimited; 5xx and unreachable servers TransientError; a refusal of our
app's own credentials (`invalid_client`, `unauthorized_client`) PermanentError, as only the operator can fix it;
any other refusal is PermanentError for a code exchange and ReauthRequired for a refresh (the grant was revoked or
expired, so the user must connect again). RFC 6749: https://datatracker.ietf.org/doc/html/rfc6749, RFC 7636 (PKCE).
"""

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote, quote_plus, urlencode, urlsplit

import httpx
from authlib.common.security import generate_token  # type: ignore[import-untyped, unused-ignore]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped, unused-ignore]
from django.utils import timezone

from tidings import http
from tidings.platforms import config
from tidings.platforms.base import (
    AuthorizationRequest,
    PermanentError,
    RateLimited,
    ReauthRequired,
    TokenSet,
    TransientError,
)
from tidings.platforms.errors import retry_after_seconds

# Refusals of the app rather than of the user's grant: reconnecting cannot help.
APP_ERRORS = frozenset({"invalid_client", "unauthorized_client"})


@dataclass(frozen=True)
class OAuth2App:
    """A platform's OAuth 2 app and its habits."""

    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...] = ()
    pkce: bool = True
    # How the token endpoint wants the client to authenticate (RFC 6749 section 2.3.1): HTTP Basic or the body.
    token_auth: Literal["basic", "post"] = "basic"  # noqa: S105 (a method name, not a secret)
    # TikTok calls the client id `client_key`, in the authorization URL and the token form alike.
    client_id_param: str = "client_id"
    # Meta, TikTok and Pinterest take a comma-separated scope list; the RFC says spaces.
    scope_separator: str = " "


def client_credentials(platform: str) -> tuple[str, str] | None:
    """The (client id, client secret) the operator set for `platform` (`TIDINGS_<PLATFORM>_CLIENT_ID` and
    `_CLIENT_SECRET`), or None when either is missing."""
    app = config.oauth_app(platform)
    return (app.client_id, app.client_secret) if app else None


def authorization_request(
    app: OAuth2App,
    *,
    redirect_uri: str,
    extra: Mapping[str, str] | None = None,
    session_data: Mapping[str, str] | None = None,
) -> AuthorizationRequest:
    """Where to send the user: the URL with a fresh `state` and, with PKCE, the S256 challenge of a verifier that
    stays in `session_data` (server-side) until the callback."""
    state = generate_token(48)
    params = {"response_type": "code", app.client_id_param: app.client_id, "redirect_uri": redirect_uri, "state": state}
    if app.scopes:
        params["scope"] = app.scope_separator.join(app.scopes)
    data = dict(session_data or {})
    if app.pkce:
        # RFC 7636: a verifier of 43-128 unreserved characters; only its SHA-256 leaves the server now.
        verifier = generate_token(64)
        params |= {"code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"}
        data["code_verifier"] = verifier
    params |= extra or {}
    # Spaces as %20, which every server reads as a space; "+" is a form convention not every dialog applies.
    query = urlencode(params, quote_via=quote)
    separator = "&" if "?" in app.authorize_url else "?"
    return AuthorizationRequest(url=f"{app.authorize_url}{separator}{query}", state=state, session_data=data)


def exchange_code(app: OAuth2App, *, code: str, redirect_uri: str, code_verifier: str = "") -> TokenSet:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if code_verifier:
        form["code_verifier"] = code_verifier
    return token_set(_token_request(app, form, refreshing=False))


def refresh(app: OAuth2App, *, refresh_token: str) -> TokenSet:
    """New tokens; a refused refresh token (revoked, expired) raises ReauthRequired."""
    if not refresh_token:
        raise ReauthRequired("There is no refresh token for this account; reconnect it.")
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    # Platforms that do not rotate refresh tokens leave it out of the answer: keep the one we have.
    return token_set(_token_request(app, form, refreshing=True), refresh_token=refresh_token)


def token_set(data: Mapping[str, Any], *, refresh_token: str = "", now: datetime | None = None) -> TokenSet:
    """A token answer (RFC 6749 section 5.1) as what we store; `expires_in` becomes an aware time."""
    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise TransientError("The platform's token answer had no access token.")
    try:
        seconds = int(float(data.get("expires_in") or 0))
    except (TypeError, ValueError):
        seconds = 0
    scope = data.get("scope") or ""
    if isinstance(scope, list | tuple):
        scope = " ".join(str(s) for s in scope)
    return TokenSet(
        access_token=access_token,
        refresh_token=str(data.get("refresh_token") or refresh_token),
        expires_at=(now or timezone.now()) + timedelta(seconds=seconds) if seconds else None,
        scope=str(scope)[:500],
    )


def _token_request(app: OAuth2App, form: dict[str, str], *, refreshing: bool) -> dict[str, Any]:
    """POST to the token endpoint; the JSON answer, or the error it stands for."""
    host = urlsplit(app.token_url).hostname or app.token_url
    headers = {"Accept": "application/json"}
    if app.token_auth == "basic":  # noqa: S105
        # RFC 6749 section 2.3.1: both parts form-encoded before they are joined and base64-encoded.
        pair = f"{quote_plus(app.client_id)}:{quote_plus(app.client_secret)}".encode()
        headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
    else:
        form = {**form, app.client_id_param: app.client_id}
        if app.client_secret:  # a public client (PKCE only) has none
            form["client_secret"] = app.client_secret
    try:
        with http.client(public_only=True) as client:
            response = client.post(app.token_url, data=form, headers=headers)
    except httpx.TransportError as error:
        raise TransientError(f"Could not reach {host} to sign in ({type(error).__name__}).") from None
    return _token_answer(host, response, refreshing=refreshing)


def _token_answer(host: str, response: httpx.Response, *, refreshing: bool) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    # TikTok answers a refused grant with HTTP 200 and an `error` string
    # (https://developers.tiktok.com/doc/oauth-user-access-token-management); Meta's `error` is an object.
    code = data.get("error") if isinstance(data.get("error"), str) else ""
    if response.is_success and not code and data.get("access_token"):
        return data
    detail = _error_text(data) or f"HTTP {response.status_code}"
    if response.status_code == 429:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        raise RateLimited(f"{host} asked us to slow down: {detail}", retry_after=wait)
    if response.status_code >= 500:
        raise TransientError(f"{host} had a problem ({response.status_code}); try again in a moment.")
    if code in APP_ERRORS:
        raise PermanentError(f"{host} refused this server's client id or secret ({detail}); the operator must fix it.")
    if refreshing:
        raise ReauthRequired(f"{host} no longer accepts this account's sign-in ({detail}); reconnect it.")
    raise PermanentError(f"{host} refused the sign-in: {detail}")


def _error_text(data: dict[str, Any]) -> str:
    error = data.get("error")
    if isinstance(error, dict):  # Meta's Graph API shape: {"error": {"message": ..., "code": ...}}
        return str(error.get("message") or "")
    # RFC 6749 names `error_description`; Pinterest says `message`.
    parts = [str(error or ""), str(data.get("error_description") or data.get("message") or "")]
    return ": ".join(part for part in parts if part)
