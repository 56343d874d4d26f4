"""Video uploads stream from disk: the memory Python allocates while sending a large file stays far below its size.

Each platform's calls go to a loopback HTTP server that reads every body in blocks and counts the bytes, so the
request really crosses a socket (respx would read the whole body into memory itself).
"""

import json
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.workspaces import owner
from tidings import http
from tidings.accounts.models import User
from tidings.platforms.base import Content, Published
from tidings.platforms.connectors.facebook import FacebookConnector
from tidings.platforms.connectors.tiktok import TikTokConnector
from tidings.platforms.connectors.x import XConnector
from tidings.platforms.media import MB, MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

pytestmark = pytest.mark.django_db
SIZE = 24 * MB
UPLOAD_URL = "https://open-upload.tiktokapis.com/video/?upload_id=1&upload_token=u"
OK = {"code": "ok", "message": ""}
# What each platform answers, by request path (the shapes of each reference, trimmed to what is read).
ANSWERS: dict[str, dict[str, Any]] = {
    # https://developers.facebook.com/docs/video-api/guides/publishing
    "/videos": {"id": "fb-video-1"},
    # https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
    "/v2/post/publish/creator_info/query/": {
        "data": {"creator_username": "alice.tt", "privacy_level_options": ["SELF_ONLY"]},
        "error": OK,
    },
    "/v2/post/publish/video/init/": {"data": {"publish_id": "v_pub.1", "upload_url": UPLOAD_URL}, "error": OK},
    "/v2/post/publish/status/fetch/": {"data": {"status": "PUBLISH_COMPLETE"}, "error": OK},
    # https://docs.x.com/x-api/media/quickstart/media-upload-chunked
    "/2/media/upload/initialize": {"data": {"id": "9"}},
    "/2/media/upload/9/finalize": {"data": {"id": "9"}},
    "/2/tweets": {"data": {"id": "1"}},
}


class Counting(BaseHTTPRequestHandler):
    received: dict[str, int]

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def _answer(self) -> None:
        left = int(self.headers.get("Content-Length") or 0)
        path = self.path.split("?", 1)[0]
        while left:
            block = self.rfile.read(min(left, 64 * 1024))
            left -= len(block)
            self.received[path] = self.received.get(path, 0) + len(block)
        answer = next((body for end, body in ANSWERS.items() if path.endswith(end)), {})
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class ToLoopback(httpx.HTTPTransport):
    """Sends every request, whatever its host, to the loopback server, as plain HTTP."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return super().handle_request(request)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    received: dict[str, int] = {}
    handler = type("Handler", (Counting,), {"received": received})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    client = httpx.Client(transport=ToLoopback(httpd.server_address[1]), timeout=30)
    monkeypatch.setitem(http._shared, "default", client)
    yield received
    client.close()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def video(settings: Any, tmp_path: Path) -> MediaItem:
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "uploads").mkdir()
    with (tmp_path / "uploads" / "big.mp4").open("wb") as file:
        for _ in range(SIZE // MB):
            file.write(b"\x00\x01" * (MB // 2))
    return MediaItem(
        path="uploads/big.mp4",
        kind="video",
        mime_type="video/mp4",
        size_bytes=SIZE,
        width=720,
        height=1280,
        duration_seconds=20.0,
    )


def _account(user: User, platform: Platform) -> SocialAccount:
    return connect_account(owner(user), platform=platform, external_id="acct-1", handle="alice", access_token="token")


def peak_while(send: Callable[[], Published]) -> tuple[Published, int]:
    tracemalloc.start()
    try:
        published = send()
        return published, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("platform", "connector", "upload_path", "external_id"),
    [
        (Platform.FACEBOOK, FacebookConnector(), "/v21.0/acct-1/videos", "fb-video-1"),
        (Platform.TIKTOK, TikTokConnector(), "/video/", "v_pub.1"),
        (Platform.X, XConnector(), "/2/media/upload/9/append", "1"),
    ],
)
def test_a_large_video_is_sent_without_reading_the_whole_file(
    alice: User,
    server: dict[str, int],
    video: MediaItem,
    platform: Platform,
    connector: Any,
    upload_path: str,
    external_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tidings.platforms.connectors.facebook.VIDEO_GRAPH", "https://graph-video.facebook.com/v21.0")
    account = _account(alice, platform)

    # TikTok posts only with the privacy the user picked from the creator's options (no preset).
    options = {"privacy_level": "SELF_ONLY"} if platform == Platform.TIKTOK else {}
    content = Content(text="Big", media=(video,), options=options)
    published, peak = peak_while(lambda: connector.publish(account, content, idempotency_key="k"))

    assert published.external_id == external_id
    # Every byte arrived (multipart adds its boundaries and headers around them).
    assert SIZE <= server[upload_path] < SIZE + 64 * 1024
    # A generous bound: reading the whole file, or one whole chunk of it, would be megabytes.
    print(f"\n{platform}: {SIZE // MB} MB sent, Python's peak allocation {peak / MB:.1f} MB")
    assert peak < SIZE / 4
