"""Calling a Mastodon server's REST API and reading its errors (https://docs.joinmastodon.org/api/).

Errors are JSON `{"error": text}`. 401 means the token was revoked; 422 a refused status; 429 comes with
`X-RateLimit-Reset`, an ISO 8601 time (https://docs.joinmastodon.org/api/rate-limits/).
"""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.db import IntegrityError

from tidings import http
from tidings.platforms.base import (
    OutcomeUnknown,
    PermanentError,
    PublishFailure,
    RateLimited,
    ReauthRequired,
    TransientError,
)
from tidings.platforms.config import LOOPBACK_HOSTS, public_url, server_allowed
from tidings.platforms.connectors.api import publish_timeout, upload_timeout
from tidings.platforms.errors import MAX_RETRY_AFTER, retry_after_seconds, unreachable
from tidings.platforms.models import MastodonApp

# Granular scopes (https://docs.joinmastodon.org/api/oauth-scopes/): who the account is, posting with media, and
# reading its own statuses (all of them, followers-only too) to tell whether a send in doubt went out.
SCOPES = ("read:accounts", "read:statuses", "write:statuses", "write:media")
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")


def instance_url(value: str) -> str:
    """`mastodon.social`, `https://mastodon.social/`, `@me@mastodon.social` -> `https://mastodon.social`."""
    value = value.strip().rstrip("/")
    if "@" in value and "://" not in value:
        value = value.rsplit("@", 1)[-1]
    parts = urlsplit(value if "://" in value else f"https://{value}")
    host = parts.hostname or ""
    well_formed = bool(_HOST.fullmatch(host)) or host in LOOPBACK_HOSTS
    allowed = server_allowed(parts.scheme, host)
    if not well_formed or not allowed or parts.path not in ("", "/") or parts.query or parts.username:
        raise PermanentError("Give your Mastodon server's address, for example mastodon.social.")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def request(
    method: str, url: str, *, token: str = "", write: bool = False, headers: dict[str, str] | None = None, **kw: Any
) -> httpx.Response:
    """One request; a successful response, or the classified error."""
    sent = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    timeout = upload_timeout() if "files" in kw else publish_timeout()
    try:
        response = http.shared_client().request(method, url, headers=sent, timeout=timeout, **kw)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
        detail = f"Could not reach {urlsplit(url).hostname} ({type(error).__name__})."
        raise unreachable(error, server="That Mastodon server", detail=detail) from None
    except httpx.TransportError as error:
        if write:
            raise OutcomeUnknown(f"No answer from Mastodon after sending ({type(error).__name__}).") from None
        raise TransientError(f"No answer from Mastodon ({type(error).__name__}).") from None
    if response.is_success:
        return response
    raise error_for(response)


def json_of(response: httpx.Response) -> dict[str, Any]:
    """The JSON object a successful answer carries; anything else is a server not behaving (worth a retry)."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise TransientError(f"{urlsplit(str(response.url)).hostname} answered with something unexpected.")
    return answer


class _PlainText(HTMLParser):
    """A status's `content` (HTML) as the text that was posted: paragraphs and line breaks as spaces, the parts of
    a shortened link (`<span class="invisible">https://</span>...`) joined again."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "br"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(content: str) -> str:
    parser = _PlainText()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts)


# Mastodon's words (config/locales/en.yml, media_attachments.validations.not_ready).
NOT_READY = "have not finished processing"


def error_for(response: httpx.Response) -> PublishFailure:
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    described = payload.get("error") if isinstance(payload, dict) else None
    said = f"Mastodon: {described or f'{response.status_code} {response.reason_phrase}'}"
    if response.status_code == 429:
        return RateLimited(said, retry_after=_reset_seconds(response))
    if response.status_code in (401, 403):
        return ReauthRequired(f"{said}. Reconnect the account.")
    if response.status_code >= 500 or response.status_code == 408:
        return TransientError(said)
    if response.status_code == 422 and NOT_READY in str(described or ""):
        # A status whose attachments are still being processed is refused with 422 and Mastodon's
        # `media_attachments.validations.not_ready` text; nothing was posted, so it is sent again later.
        # https://docs.joinmastodon.org/methods/statuses/#create (422) and /methods/media/#v2 (202: processing)
        return TransientError(f"{said} It will be sent again once Mastodon has processed the media.")
    return PermanentError(said)


def _reset_seconds(response: httpx.Response) -> float:
    reset = response.headers.get("X-RateLimit-Reset")
    try:
        when = datetime.fromisoformat(str(reset))
    except ValueError:
        return retry_after_seconds(response.headers.get("Retry-After"))
    seconds = (when if when.tzinfo else when.replace(tzinfo=UTC)) - datetime.now(UTC)
    return min(max(seconds.total_seconds(), 1.0), MAX_RETRY_AFTER)


def registered_app(instance: str, *, redirect_uri: str) -> MastodonApp:
    """Our app on this server, registered on first use (POST /api/v1/apps) and kept for every later sign-in."""
    scopes = " ".join(SCOPES)
    app = MastodonApp.objects.filter(instance=instance).first()
    if app and app.redirect_uri == redirect_uri and app.scopes == scopes:
        return app
    body = {"client_name": "Tidings", "redirect_uris": redirect_uri, "scopes": scopes, "website": public_url()}
    try:
        response = request("POST", f"{instance}/api/v1/apps", json=body)
    except PermanentError:
        raise PermanentError(f"{instance} did not let Tidings register; is it a Mastodon server?") from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not answer.get("client_id") or not answer.get("client_secret"):
        raise PermanentError(f"{instance} does not answer like a Mastodon server.")
    values = {
        "client_id": str(answer["client_id"]),
        "client_secret": str(answer["client_secret"]),
        "redirect_uri": redirect_uri,
        "scopes": scopes,
    }
    try:
        app, _ = MastodonApp.objects.update_or_create(instance=instance, defaults=values)
    except IntegrityError:
        # Registered at the same moment by another sign-in: either app works; keep the one stored.
        app = MastodonApp.objects.get(instance=instance)
    return app
