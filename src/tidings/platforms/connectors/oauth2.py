"""The OAuth 2.0 authorization-code flow the OAuth connectors share: the authorization URL (state, PKCE S256), the
code exchange and the refresh, over our one HTTP seam, answering with a `TokenSet` or a classified error.

The app's client id and secret come from `TIDINGS_<PLATFORM>_CLIENT_ID` / `_CLIENT_SECRET`; without both the
platform is shown as unavailable. RFC 6749 (https://datatracker.ietf.org/doc/html/rfc6749), RFC 7636 (PKCE).
"""

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped, unused-ignore]
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
    # How the token endpoint wants the client to authenticate: HTTP Basic or client_id/client_secret in the body.
    token_auth: Literal["basic", "post"] = "basic"  # noqa: S105 (a method name, not a secret)
    # Meta's dialogs take a comma-separated scope list; the RFC says spaces.
    scope_separator: str = " "


def client_credentials(platform: str) -> tuple[str, str] | None:
    """The (client id, client secret) the operator set for `platform`, or None when either is missing."""
    prefix = f"TIDINGS_{platform.upper()}"
    client_id = os.environ.get(f"{prefix}_CLIENT_ID", "").strip()
    client_secret = os.environ.get(f"{prefix}_CLIENT_SECRET", "").strip()
    return (client_id, client_secret) if client_id and client_secret else None


def authorization_request(
    app: OAuth2App, *, redirect_uri: str, extra: dict[str, str] | None = None
) -> AuthorizationRequest:
    state = secrets.token_urlsafe(32)
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
        "scope": app.scope_separator.join(app.scopes),
        "state": state,
    }
    session_data: dict[str, str] = {}
    if app.pkce:
        # 64 random bytes give an 86-character verifier, within RFC 7636's 43-128.
        verifier = secrets.token_urlsafe(64)
        params |= {"code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"}
        session_data["code_verifier"] = verifier
    params |= extra or {}
    return AuthorizationRequest(url=f"{app.authorize_url}?{urlencode(params)}", state=state, session_data=session_data)


def exchange_code(app: OAuth2App, *, code: str, redirect_uri: str, code_verifier: str = "") -> TokenSet:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if code_verifier:
        form["code_verifier"] = code_verifier
    data = _token_request(app, form, refused=PermanentError)
    return token_set(data)


def refresh(app: OAuth2App, *, refresh_token: str) -> TokenSet:
    """New tokens; a refused refresh token (invalid_grant, revoked access) means the user must reconnect."""
    if not refresh_token:
        raise ReauthRequired("There is no refresh token for this account; reconnect it.")
    data = _token_request(app, {"grant_type": "refresh_token", "refresh_token": refresh_token}, refused=ReauthRequired)
    # Platforms that do not rotate refresh tokens leave it out of the answer: keep the one we have.
    return token_set(data, refresh_token=refresh_token)


def token_set(data: dict[str, Any], *, refresh_token: str = "") -> TokenSet:
    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise TransientError("The platform's token answer had no access token.")
    expires_in = data.get("expires_in")
    expires_at = timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None
    return TokenSet(
        access_token=access_token,
        refresh_token=str(data.get("refresh_token") or refresh_token),
        expires_at=expires_at,
        scope=str(data.get("scope") or ""),
    )


def _token_request(
    app: OAuth2App, form: dict[str, str], *, refused: type[PermanentError] | type[ReauthRequired]
) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if app.token_auth == "basic":  # noqa: S105
        options["auth"] = (app.client_id, app.client_secret)
    else:
        form = {**form, "client_id": app.client_id, "client_secret": app.client_secret}
    try:
        with http.client() as client:
            response = client.post(app.token_url, data=form, headers={"Accept": "application/json"}, **options)
    except httpx.TransportError as error:
        raise TransientError(f"The sign-in server did not answer ({type(error).__name__}).") from None
    try:
        data = response.json()
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    if response.is_success:
        return data
    message = _error_text(data) or response.text[:300]
    if response.status_code == 429:
        raise RateLimited(message, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    if response.status_code >= 500:
        raise TransientError(f"The sign-in server failed ({response.status_code}): {message}")
    if data.get("error") == "invalid_client" or (response.status_code == 401 and refused is PermanentError):
        # Our app's credentials, not the user's: reconnecting cannot help, the operator must fix them.
        raise PermanentError(f"The platform refused this server's client id or secret: {message}")
    raise refused(f"The platform refused the sign-in: {message}")


def _error_text(data: dict[str, Any]) -> str:
    error = data.get("error")
    if isinstance(error, dict):  # Meta's Graph API shape: {"error": {"message": ..., "code": ...}}
        return str(error.get("message") or "")
    parts = [str(error or ""), str(data.get("error_description") or "")]
    return ": ".join(p for p in parts if p)
