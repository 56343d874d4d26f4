"""OAuth 2 for every platform that signs in with it: the authorization URL (state and PKCE S256), the code
exchange and the refresh, over our one HTTP client, with the provider's errors mapped to the publish errors.

A connector describes its provider once (`OAuthProvider`) and calls these with the app from `platforms.config`:

    PROVIDER = OAuthProvider("X", authorize_url=..., token_url=..., scopes=("tweet.write", ...))
    request = authorization_request(PROVIDER, app)                  # start_connect
    tokens = exchange_code(PROVIDER, app, code=code, code_verifier=session_data["code_verifier"])
    tokens = refresh_tokens(PROVIDER, app, refresh_token=account.refresh_token)

Errors (RFC 6749 section 5.2): `invalid_grant` (a revoked or expired grant) raises ReauthRequired; 5xx, timeouts
and unreachable servers raise TransientError; 429 raises RateLimited; anything else raises PermanentError with the
provider's `error_description`.
"""

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote_plus, urlencode

import httpx
from authlib.common.security import generate_token  # type: ignore[import-untyped, unused-ignore]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped, unused-ignore]

from tidings import http
from tidings.platforms.base import (
    AuthorizationRequest,
    PermanentError,
    RateLimited,
    ReauthRequired,
    TokenSet,
    TransientError,
)
from tidings.platforms.config import OAuthApp
from tidings.platforms.errors import retry_after_seconds

TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=5.0)


@dataclass(frozen=True)
class OAuthProvider:
    """A platform's OAuth 2 endpoints and habits."""

    name: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...] = ()
    scope_separator: str = " "
    pkce: bool = True
    # How the app authenticates at the token endpoint (RFC 6749 section 2.3.1): form fields or HTTP Basic.
    client_auth: Literal["client_secret_post", "client_secret_basic"] = "client_secret_post"


def authorization_request(
    provider: OAuthProvider,
    app: OAuthApp,
    *,
    extra_params: Mapping[str, str] | None = None,
    session_data: Mapping[str, str] | None = None,
) -> AuthorizationRequest:
    """Where to send the user: the URL with a fresh `state` and, with PKCE, the S256 challenge of a verifier that
    stays in `session_data` (server-side) until the callback."""
    state = generate_token(48)
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "state": state,
    }
    if provider.scopes:
        params["scope"] = provider.scope_separator.join(provider.scopes)
    data = dict(session_data or {})
    if provider.pkce:
        # RFC 7636: a verifier of 43-128 unreserved characters; only its SHA-256 leaves the server now.
        verifier = generate_token(64)
        params["code_challenge"] = create_s256_code_challenge(verifier)
        params["code_challenge_method"] = "S256"
        data["code_verifier"] = verifier
    params.update(extra_params or {})
    separator = "&" if "?" in provider.authorize_url else "?"
    return AuthorizationRequest(
        url=f"{provider.authorize_url}{separator}{urlencode(params)}", state=state, session_data=data
    )


def exchange_code(
    provider: OAuthProvider,
    app: OAuthApp,
    *,
    code: str,
    code_verifier: str = "",
    extra: Mapping[str, str] | None = None,
) -> TokenSet:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri}
    if code_verifier:
        form["code_verifier"] = code_verifier
    return token_set(request_token(provider, app, {**form, **(extra or {})}))


def refresh_tokens(
    provider: OAuthProvider, app: OAuthApp, *, refresh_token: str, extra: Mapping[str, str] | None = None
) -> TokenSet:
    """New tokens; a provider that does not rotate refresh tokens leaves the old one in use."""
    if not refresh_token:
        raise ReauthRequired(f"{provider.name} gave no refresh token; connect the account again.")
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, **(extra or {})}
    return token_set(request_token(provider, app, form), refresh_token=refresh_token)


def request_token(provider: OAuthProvider, app: OAuthApp, form: Mapping[str, str]) -> dict[str, Any]:
    """POST to the token endpoint; the JSON answer, or the error it stands for."""
    data = dict(form)
    headers = {"Accept": "application/json"}
    if provider.client_auth == "client_secret_basic":
        # RFC 6749 section 2.3.1: both parts form-encoded before they are joined and base64-encoded.
        pair = f"{quote_plus(app.client_id)}:{quote_plus(app.client_secret)}".encode()
        headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
    else:
        data["client_id"] = app.client_id
        if app.client_secret:
            data["client_secret"] = app.client_secret
    try:
        with http.client(timeout=TIMEOUT) as client:
            response = client.post(provider.token_url, data=data, headers=headers)
    except httpx.TransportError as error:
        raise TransientError(f"Could not reach {provider.name} to sign in ({type(error).__name__}).") from None
    return _token_answer(provider, response)


def _token_answer(provider: OAuthProvider, response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    payload = payload if isinstance(payload, dict) else {}
    error = str(payload.get("error") or "")
    described = str(payload.get("error_description") or payload.get("message") or error or "").strip()
    if response.status_code >= 500:
        raise TransientError(f"{provider.name} had a problem ({response.status_code}); try again in a moment.")
    if response.status_code == 429:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        raise RateLimited(f"{provider.name} asked us to slow down.", retry_after=wait)
    if error == "invalid_grant":
        raise ReauthRequired(f"{provider.name} no longer accepts this sign-in: {described}".strip(": "))
    if not response.is_success or error or not payload.get("access_token"):
        raise PermanentError(f"{provider.name} refused the sign-in: {described or response.status_code}")
    return payload


def token_set(payload: Mapping[str, Any], *, refresh_token: str = "", now: datetime | None = None) -> TokenSet:
    """A token response (RFC 6749 section 5.1) as what we store; `expires_in` becomes an aware UTC time."""
    expires_at = None
    expires_in = payload.get("expires_in")
    if expires_in not in (None, ""):
        try:
            expires_at = (now or datetime.now(UTC)) + timedelta(seconds=int(float(str(expires_in))))
        except ValueError:
            expires_at = None
    scope = payload.get("scope") or ""
    if isinstance(scope, list | tuple):
        scope = " ".join(str(s) for s in scope)
    return TokenSet(
        access_token=str(payload["access_token"]),
        refresh_token=str(payload.get("refresh_token") or refresh_token),
        expires_at=expires_at,
        scope=str(scope)[:500],
    )
