"""The webhook destination on a loopback receiver: media as absolute public URLs, and the signed request verified by
the Python example that docs/webhooks.md gives receivers."""

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import Content
from tidings.platforms.connectors.webhook import WebhookConnector
from tidings.platforms.media import MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
SECRET = "a-signing-secret-of-some-length"
PHOTO = MediaItem(
    path="uploads/9f2c4e1a0b7d4c7e8a5b3f6d2e1c0a9b.jpg",
    kind="image",
    mime_type="image/jpeg",
    size_bytes=482133,
    width=1080,
    height=1350,
    alt_text="A plate of pumpkin scones",
)
CLIP = MediaItem(
    path="uploads/0a1b2c3d4e5f60718293a4b5c6d7e8f9.mp4",
    kind="video",
    mime_type="video/mp4",
    size_bytes=9_000_000,
    duration_seconds=12.5,
)


class Receiver:
    """Keeps each request's headers and raw body, and answers 200."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append((dict(self.headers.items()), body))
                answer = b'{"id": "cms-1", "url": "https://blog.example/p/1"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch, settings) -> Iterator[Receiver]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")
    monkeypatch.setenv("TIDINGS_PUBLIC_URL", "https://tidings.example/")
    settings.TIDINGS_ALLOW_HTTP_WEBHOOKS = True
    found = Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture
def hook(alice: User, receiver: Receiver) -> SocialAccount:
    return connect_account(
        owner(alice),
        platform=Platform.WEBHOOK,
        external_id="hook-1",
        handle="Our blog",
        access_token=SECRET,
        base_url=receiver.url,
    )


def documented_verify() -> Callable[..., bool]:
    """The verification example of docs/webhooks.md, run as a receiver would copy it."""
    block = re.search(r"### Verifying in Python\n\n```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert block is not None
    namespace: dict[str, Any] = {}
    exec(block.group(1), namespace)  # noqa: S102 - our own documentation's example
    return namespace["verify"]  # type: ignore[no-any-return]


def test_media_reach_the_webhook_as_absolute_public_urls(hook: SocialAccount, receiver: Receiver) -> None:
    when = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    content = Content(
        text="Autumn menu is out.", link="https://bakery.example/autumn", media=(PHOTO, CLIP), scheduled_at=when
    )
    published = WebhookConnector().publish(hook, content, idempotency_key="6f1c2a0e-6b7e-4f63-9a55-0d3e8c1f4b21")

    assert (published.external_id, published.url) == ("cms-1", "https://blog.example/p/1")
    headers, body = receiver.requests[0]
    assert json.loads(body) == {
        "idempotency_key": "6f1c2a0e-6b7e-4f63-9a55-0d3e8c1f4b21",
        "account": {"id": "hook-1", "handle": "Our blog"},
        "text": "Autumn menu is out.",
        "link": "https://bakery.example/autumn",
        "media": [
            {
                "url": "https://tidings.example/media/uploads/9f2c4e1a0b7d4c7e8a5b3f6d2e1c0a9b.jpg",
                "kind": "image",
                "type": "image/jpeg",
                "size_bytes": 482133,
                "width": 1080,
                "height": 1350,
                "duration_seconds": None,
                "alt": "A plate of pumpkin scones",
            },
            {
                "url": "https://tidings.example/media/uploads/0a1b2c3d4e5f60718293a4b5c6d7e8f9.mp4",
                "kind": "video",
                "type": "video/mp4",
                "size_bytes": 9000000,
                "width": None,
                "height": None,
                "duration_seconds": 12.5,
                "alt": "",
            },
        ],
        "scheduled_at": "2026-12-01T09:00:00+00:00",
    }
    assert headers["Idempotency-Key"] == "6f1c2a0e-6b7e-4f63-9a55-0d3e8c1f4b21"


def test_storage_with_its_own_addresses_gives_those(
    hook: SocialAccount, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(default_storage, "url", lambda name: f"https://media.example-bucket.s3.amazonaws.com/{name}")
    WebhookConnector().publish(hook, Content(text="Hi", media=(PHOTO,)), idempotency_key="k-2")
    media = json.loads(receiver.requests[0][1])["media"]
    assert [item["url"] for item in media] == [
        "https://media.example-bucket.s3.amazonaws.com/uploads/9f2c4e1a0b7d4c7e8a5b3f6d2e1c0a9b.jpg"
    ]


def test_the_documented_verification_accepts_our_requests_and_refuses_anything_else(
    hook: SocialAccount, receiver: Receiver
) -> None:
    verify = documented_verify()
    WebhookConnector().publish(hook, Content(text="Signed", media=(PHOTO,)), idempotency_key="k-3")
    headers, body = receiver.requests[0]

    assert verify(SECRET, headers, body)
    assert not verify("another-secret-of-some-length", headers, body)
    assert not verify(SECRET, headers, body.replace(b"Signed", b"Forged"))
    assert not verify(SECRET, {**headers, "X-Tidings-Timestamp": str(int(headers["X-Tidings-Timestamp"]) - 1)}, body)
    # A recorded request replayed more than five minutes later is refused.
    assert not verify(SECRET, headers, body, now=time.time() + 301)
    assert verify(SECRET, headers, body, now=int(headers["X-Tidings-Timestamp"]) + 299)
    assert not verify(SECRET, {}, body)
