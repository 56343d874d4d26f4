"""Calling a PDS over XRPC (https://atproto.com/specs/xrpc) and reading its errors.

Errors are JSON `{"error": name, "message": text}`. A PDS answers an expired access token with 400 ExpiredToken
(the cue to refresh the session), a bad token with 400 InvalidToken or 401, and a rate limit with 429 plus a
`ratelimit-reset` header in Unix seconds (https://docs.bsky.app/docs/advanced-guides/rate-limits).
"""

import base64
import json
import time
from datetime import UTC, datetime
from typing import IO, Any

import httpx
from django.conf import settings

from tidings import http
from tidings.platforms.base import (
    OutcomeUnknown,
    PermanentError,
    PublishFailure,
    RateLimited,
    ReauthRequired,
    TransientError,
)
from tidings.platforms.errors import DEFAULT_RETRY_AFTER, MAX_RETRY_AFTER, unreachable

_AUTH_ERRORS = {"InvalidToken", "AuthenticationRequired", "AuthMissing", "AccountTakedown", "AccountDeactivated"}


class ExpiredToken(PublishFailure):
    """The access token ran out: refresh the session and try once more."""


def call(
    method: str,
    base_url: str,
    nsid: str,
    *,
    token: str = "",
    params: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    content: bytes | IO[bytes] | None = None,
    content_type: str = "",
    write: bool = False,
) -> dict[str, Any]:
    """One XRPC request; the JSON answer, or the classified error. A write that may have arrived (a timeout
    after sending) raises OutcomeUnknown; a read that timed out is merely transient."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if content_type:
        headers["Content-Type"] = content_type
    url = f"{base_url.rstrip('/')}/xrpc/{nsid}"
    try:
        response = http.shared_client().request(
            method,
            url,
            params=params,
            json=body,
            content=content,
            headers=headers,
            timeout=settings.TIDINGS_PUBLISH_TIMEOUT,
        )
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
        detail = f"Could not reach Bluesky ({type(error).__name__})."
        raise unreachable(error, server="That Bluesky server", detail=detail) from None
    except httpx.TransportError as error:
        if write:
            raise OutcomeUnknown(f"No answer from Bluesky after sending ({type(error).__name__}).") from None
        raise TransientError(f"No answer from Bluesky ({type(error).__name__}).") from None
    if not response.is_success:
        raise error_for(response)
    try:
        answer = response.json()
    except ValueError:
        raise TransientError(f"Bluesky answered {nsid} with something that is not JSON.") from None
    if not isinstance(answer, dict):
        raise TransientError(f"Bluesky answered {nsid} with something unexpected.")
    return answer


def error_name(response: httpx.Response) -> tuple[str, str]:
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    payload = payload if isinstance(payload, dict) else {}
    return str(payload.get("error") or ""), str(payload.get("message") or response.reason_phrase or "")


def error_for(response: httpx.Response) -> PublishFailure:
    name, message = error_name(response)
    said = f"Bluesky: {message or name or response.status_code}"
    if name == "ExpiredToken":
        return ExpiredToken(said)
    if response.status_code == 429 or name == "RateLimitExceeded":
        return RateLimited(said, retry_after=_reset_seconds(response.headers.get("ratelimit-reset")))
    if response.status_code in (401, 403) or name in _AUTH_ERRORS:
        return ReauthRequired(f"{said}. Reconnect the account with a new app password.")
    if response.status_code >= 500 or response.status_code == 408:
        return TransientError(said)
    return PermanentError(said)


def _reset_seconds(value: str | None) -> float:
    try:
        seconds = float(value or "") - time.time()
    except ValueError:
        return DEFAULT_RETRY_AFTER
    return min(max(seconds, 1.0), MAX_RETRY_AFTER)


def _claims(jwt: str) -> dict[str, Any]:
    """A JWT's claims, read without verifying: only to plan a refresh and to tell app passwords apart."""
    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, TypeError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def token_expiry(jwt: str) -> datetime | None:
    """When an access JWT runs out (its `exp` claim)."""
    try:
        return datetime.fromtimestamp(int(_claims(jwt)["exp"]), tz=UTC)
    except (KeyError, TypeError, ValueError):
        return None


def token_scope(jwt: str) -> str:
    return str(_claims(jwt).get("scope") or "")
