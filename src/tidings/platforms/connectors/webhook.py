"""A generic signed webhook: Tidings POSTs each post as JSON to a URL the user controls.

Contract for receivers: the body is signed with the account's secret as
`X-Tidings-Signature: sha256=<hex HMAC-SHA256 of "<X-Tidings-Timestamp>.<body>">`; the `Idempotency-Key` header
(also in the body) is the same on every retry of one post, so a receiver that stores it publishes each post once.
A 2xx answer may carry JSON `{"id": ..., "url": ...}`; 429 with Retry-After asks us to wait; 401/403 mean the secret
was rejected; other 4xx are final; 5xx are retried. Each media item comes as an absolute public URL the receiver
can fetch (`TIDINGS_PUBLIC_URL` and the media path, or the storage's own URL). The full contract, with a
verification example, is docs/webhooks.md. "Send a test" on the Connections page sends the same, signed,
with `"test": true` in the body and an `X-Tidings-Test: 1` header: check the signature, answer 2xx, publish nothing.
"""

import hashlib
import json
import uuid
from typing import Any, ClassVar

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator

from tidings import http
from tidings.core.signing import signed_headers
from tidings.platforms.base import (
    Capabilities,
    Content,
    Identity,
    OutcomeUnknown,
    PermanentError,
    Published,
    RateLimited,
    ReauthRequired,
    TokenSet,
    TransientError,
)
from tidings.platforms.config import public_url
from tidings.platforms.connectors.base import BaseConnector
from tidings.platforms.errors import classify_status, retry_after_seconds, unreachable
from tidings.platforms.media import MediaItem, document_problems
from tidings.platforms.models import Platform, SocialAccount


def media_url(item: MediaItem) -> str:
    """Where the receiver fetches a file: the storage's own address when it has one (S3 and the like), else this
    server's public address with the media path."""
    url = default_storage.url(item.path)
    return url if url.startswith(("https://", "http://")) else f"{public_url()}/{url.lstrip('/')}"


def _media(item: MediaItem) -> dict[str, Any]:
    return {
        "url": media_url(item),
        "kind": item.kind,
        "type": item.mime_type,
        "size_bytes": item.size_bytes,
        "width": item.width,
        "height": item.height,
        "duration_seconds": item.duration_seconds,
        "alt": item.alt_text,
    }


class WebhookConnector(BaseConnector):
    platform: ClassVar[str] = Platform.WEBHOOK
    capabilities: ClassVar[Capabilities] = Capabilities(idempotent_publish=True)
    connect_method: ClassVar[str] = "credentials"

    def connect_with_credentials(self, fields: dict[str, str]) -> tuple[Identity, TokenSet]:
        """A URL the user controls and the secret that signs every post to it."""
        url, secret = fields.get("url", "").strip(), fields.get("secret", "").strip()
        try:
            URLValidator(schemes=["https", "http"])(url)
        except ValidationError:
            raise PermanentError("Give the webhook's full https:// address.") from None
        if url.startswith("http://") and not settings.TIDINGS_ALLOW_HTTP_WEBHOOKS:
            raise PermanentError("Webhooks must use https:// so posts and signatures are not sent in the clear.")
        if problem := http.address_problem(url):
            raise PermanentError(f"That webhook address is not allowed: {problem}")
        if len(secret) < 16:
            raise PermanentError("Give a signing secret of at least 16 characters.")
        name = fields.get("name", "").strip() or url
        identity = Identity(external_id=hashlib.sha256(url.encode()).hexdigest()[:32], handle=name[:255], base_url=url)
        return identity, TokenSet(access_token=secret)

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        if not content.text.strip() and not content.media:
            return ["A webhook post needs text or media."]
        return document_problems(self.label, content.media)

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        payload = {
            "idempotency_key": idempotency_key,
            "account": {"id": account.external_id, "handle": account.handle},
            "text": content.text,
            "link": content.link,
            "media": [_media(item) for item in content.media],
            "scheduled_at": content.scheduled_at.isoformat() if content.scheduled_at else None,
        }
        return self._result(self._post(account, payload, idempotency_key), idempotency_key)

    def send_test(self, account: SocialAccount) -> httpx.Response:
        """A signed test event, as a post is sent but marked `"test": true` (and `X-Tidings-Test: 1`) so the
        receiver can check its signature handling without publishing anything. Raises as `publish` does when
        the webhook cannot be reached; any answer is returned for the caller to show."""
        key = f"test-{uuid.uuid4()}"
        payload = {
            "test": True,
            "idempotency_key": key,
            "account": {"id": account.external_id, "handle": account.handle},
            "text": "A test from Tidings: if you can read this, posts will arrive here. Do not publish it.",
            "link": "",
            "media": [],
            "scheduled_at": None,
        }
        return self._post(account, payload, key, test=True)

    def _post(
        self, account: SocialAccount, payload: dict[str, Any], idempotency_key: str, *, test: bool = False
    ) -> httpx.Response:
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            **signed_headers(account.access_token, body),
        }
        if test:
            headers["X-Tidings-Test"] = "1"
        try:
            return http.shared_client().post(
                account.base_url, content=body, headers=headers, timeout=settings.TIDINGS_PUBLISH_TIMEOUT
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            detail = f"Could not reach the webhook: {type(error).__name__}"
            raise unreachable(error, server="The webhook", detail=detail) from None
        except httpx.TransportError as error:
            # The request may have arrived: a timeout or a dropped connection after sending.
            raise OutcomeUnknown(f"No answer from the webhook after sending ({type(error).__name__}).") from None

    def _result(self, response: httpx.Response, idempotency_key: str) -> Published:
        if response.is_success:
            try:
                data = response.json()
            except ValueError:
                data = {}
            data = data if isinstance(data, dict) else {}
            return Published(external_id=str(data.get("id") or idempotency_key), url=str(data.get("url") or ""))
        kind = classify_status(response.status_code)
        message = f"Webhook answered {response.status_code}: {response.text[:300]}".strip()
        if kind is RateLimited:
            raise RateLimited(message, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
        if kind is ReauthRequired:
            raise ReauthRequired("The webhook rejected the signing secret; reconnect it with the right secret.")
        if kind is TransientError:
            raise TransientError(message)
        raise PermanentError(message)
