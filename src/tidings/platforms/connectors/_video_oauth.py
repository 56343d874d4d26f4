"""OAuth 2 for the TikTok, YouTube and Pinterest connectors, until the shared `connectors/oauth2.py` lands.

Same names and signatures as that module (`OAuth2App`, `client_credentials`, `authorization_request`,
`exchange_code`, `refresh`), so the merge is mostly an import change. What the shared one must gain for TikTok:
`client_id_param` (TikTok calls the client id `client_key`), and reading an `error` string from an HTTP 200 token
answer (https://developers.tiktok.com/doc/oauth-user-access-token-management).
"""

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import quote, urlencode, urlsplit

import httpx
from django.utils import timezone

from tidings import http
from tidings.platforms.base import (
    AuthorizationRequest,
    PermanentError,
    RateLimited,
    ReauthRequired,
    TokenSet,
    TransientError,
)
from tidings.platforms.errors import retry_after_seconds


@dataclass(frozen=True)
class OAuth2App:
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    pkce: bool = True
    # "basic": HTTP Basic client authentication (RFC 6749 2.3.1); "post": id and secret in the form body.
    token_auth: Literal["basic", "post"] = "basic"  # noqa: S105 (a method's name, not a secret)
    client_id_param: str = "client_id"
    scope_separator: str = " "


def client_credentials(platform: str) -> tuple[str, str] | None:
    """`TIDINGS_<PLATFORM>_CLIENT_ID` and `_CLIENT_SECRET`, or None when either is missing."""
    prefix = f"TIDINGS_{platform.upper()}_"
    client_id = os.environ.get(f"{prefix}CLIENT_ID", "").strip()
    secret = os.environ.get(f"{prefix}CLIENT_SECRET", "").strip()
    return (client_id, secret) if client_id and secret else None


def authorization_request(
    app: OAuth2App, *, redirect_uri: str, extra: dict[str, str] | None = None
) -> AuthorizationRequest:
    state = secrets.token_urlsafe(32)
    params = {
        app.client_id_param: app.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": app.scope_separator.join(app.scopes),
        "state": state,
    }
    session_data: dict[str, str] = {}
    if app.pkce:
        # RFC 7636: a 43-128 character verifier; S256 challenge is the unpadded base64url SHA-256 of it.
        verifier = secrets.token_urlsafe(64)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        params["code_challenge"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        params["code_challenge_method"] = "S256"
        session_data["code_verifier"] = verifier
    params.update(extra or {})
    return AuthorizationRequest(
        url=f"{app.authorize_url}?{urlencode(params, quote_via=quote)}", state=state, session_data=session_data
    )


def exchange_code(app: OAuth2App, *, code: str, redirect_uri: str, code_verifier: str = "") -> TokenSet:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if code_verifier:
        data["code_verifier"] = code_verifier
    return _token_request(app, data, refreshing=False)


def refresh(app: OAuth2App, *, refresh_token: str) -> TokenSet:
    """New tokens; a refusal (revoked, expired) raises ReauthRequired. Keeps the refresh token if none came back."""
    if not refresh_token:
        raise ReauthRequired("No refresh token is stored for this account; reconnect it.")
    tokens = _token_request(app, {"grant_type": "refresh_token", "refresh_token": refresh_token}, refreshing=True)
    if tokens.refresh_token:
        return tokens
    return TokenSet(tokens.access_token, refresh_token, tokens.expires_at, tokens.scope)


def _token_request(app: OAuth2App, data: dict[str, str], *, refreshing: bool) -> TokenSet:
    host = urlsplit(app.token_url).hostname or app.token_url
    extra: dict[str, Any] = {}
    if app.token_auth == "basic":  # noqa: S105
        extra["auth"] = httpx.BasicAuth(app.client_id, app.client_secret)
    else:
        data = {**data, app.client_id_param: app.client_id, "client_secret": app.client_secret}
    try:
        with http.client() as client:
            response = client.post(app.token_url, data=data, headers={"Accept": "application/json"}, **extra)
    except httpx.TransportError as error:
        raise TransientError(f"Could not reach {host}: {type(error).__name__}") from None
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    # TikTok answers errors with HTTP 200 and an `error` string; its API errors elsewhere are objects.
    code = body.get("error") if isinstance(body.get("error"), str) else ""
    if response.is_success and not code and body.get("access_token"):
        expires_in = body.get("expires_in")
        return TokenSet(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token") or ""),
            expires_at=timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None,
            scope=str(body.get("scope") or ""),
        )
    detail = body.get("error_description") or body.get("message") or code or f"HTTP {response.status_code}"
    message = f"{host} refused the sign-in: {detail}"
    if response.status_code == 429:
        raise RateLimited(message, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    if response.status_code >= 500:
        raise TransientError(message)
    if refreshing and code not in ("invalid_client", "unauthorized_client"):
        raise ReauthRequired(f"{host} no longer accepts this account's sign-in ({detail}); reconnect it.")
    raise PermanentError(message)
