"""Bluesky against a real PDS: the reference `@atproto/pds` with an in-memory PLC directory, on loopback.

Needs Node.js and a directory whose node_modules hold `@atproto/pds@0.4.217` (the last release that runs on Node
20; 0.5.x needs Node 22) and `@did-plc/server@0.0.1`:

    mkdir /opt/atproto && cd /opt/atproto && npm install @atproto/pds@0.4.217 @did-plc/server@0.0.1
    export TIDINGS_TEST_ATPROTO_DIR=/opt/atproto

Without it these tests are skipped with that reason; the respx tests in test_bluesky.py cover the same requests.
"""

import io
import json
import os
import random
import shutil
import struct
import subprocess
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import Content, PermanentError, ThreadPart
from tidings.platforms.connectors.bluesky import BlueskyConnector
from tidings.platforms.connectors.bluesky.connector import COMMENT_INDEX
from tidings.platforms.connectors.bluesky.records import record_key
from tidings.platforms.media import MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

ATPROTO_DIR = os.environ.get("TIDINGS_TEST_ATPROTO_DIR", "")
LAUNCHER = Path(__file__).parent / "peers" / "atproto_pds.cjs"
# CI installs the peer (.ci/run) and sets TIDINGS_REQUIRE_PEERS=1: there these tests run or fail, never skip.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        os.environ.get("TIDINGS_REQUIRE_PEERS") != "1"
        and not (
            ATPROTO_DIR and (Path(ATPROTO_DIR) / "node_modules" / "@atproto" / "pds").is_dir() and shutil.which("node")
        ),
        reason="needs node and TIDINGS_TEST_ATPROTO_DIR with @atproto/pds@0.4.217 installed (see module docstring)",
    ),
]
bluesky = BlueskyConnector()


@pytest.fixture(autouse=True)
def local_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")


@pytest.fixture(scope="module")
def pds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    env = {**os.environ, "NODE_PATH": str(Path(ATPROTO_DIR) / "node_modules")}
    data = tmp_path_factory.mktemp("pds")
    node = shutil.which("node") or "node"
    process = subprocess.Popen(  # noqa: S603 - our own launcher, no user input
        [node, str(LAUNCHER), str(data)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"the PDS did not start: {process.stderr.read() if process.stderr else ''}")
        yield json.loads(line)
    finally:
        process.terminate()
        process.wait(timeout=10)


def png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def connected(user: User, pds: dict[str, str]) -> SocialAccount:
    fields = {"identifier": pds["handle"], "app_password": pds["appPassword"], "service": pds["pds"]}
    identity, tokens = bluesky.connect_with_credentials(fields)
    return connect_account(
        owner(user),
        platform=Platform.BLUESKY,
        external_id=identity.external_id,
        handle=identity.handle,
        base_url=identity.base_url,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        token_expires_at=tokens.expires_at,
    )


def get_record(pds: dict[str, str], uri: str) -> dict[str, Any]:
    repo, collection, rkey = uri.removeprefix("at://").split("/")
    params = {"repo": repo, "collection": collection, "rkey": rkey}
    return httpx.get(f"{pds['pds']}/xrpc/com.atproto.repo.getRecord", params=params).json()


def get_blob(pds: dict[str, str], cid: str) -> bytes:
    response = httpx.get(f"{pds['pds']}/xrpc/com.atproto.sync.getBlob", params={"did": pds["did"], "cid": cid})
    response.raise_for_status()
    return response.content


def list_posts(pds: dict[str, str]) -> list[dict[str, Any]]:
    params = {"repo": pds["did"], "collection": "app.bsky.feed.post", "limit": "100"}
    return httpx.get(f"{pds['pds']}/xrpc/com.atproto.repo.listRecords", params=params).json()["records"]


def test_connecting_with_an_app_password_and_refusing_the_account_password(alice: User, pds: dict[str, str]) -> None:
    account = connected(alice, pds)
    assert (account.external_id, account.handle, account.base_url) == (pds["did"], "alice.test", pds["pds"])
    assert account.token_expires_at is not None
    with pytest.raises(PermanentError, match="app password"):
        bluesky.connect_with_credentials(
            {"identifier": pds["handle"], "app_password": pds["password"], "service": pds["pds"]}
        )
    with pytest.raises(PermanentError, match="did not accept"):
        bluesky.connect_with_credentials({"identifier": pds["handle"], "app_password": "x", "service": pds["pds"]})


def test_a_thread_with_facets_and_an_image_is_published_once_however_often_it_is_sent(
    alice: User, pds: dict[str, str], settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    account = connected(alice, pds)
    image = png()
    name = default_storage.save("uploads/dot.png", ContentFile(image))
    media = (MediaItem(name, "image", "image/png", len(image), width=3, height=2, alt_text="An orange dot"),)
    text = "Hello 👋🏽 from https://example.com/tidings #tidings. " + " ".join(
        f"Sentence {n} keeps going." for n in range(20)
    )
    content = Content(text=text, media=media)
    key = "7d1e9a62-3c55-4d7e-9f0a-000000000001"
    assert bluesky.validate(account, content) == []
    before = len(list_posts(pds))

    published = bluesky.publish(account, content, idempotency_key=key)
    assert published.external_id == f"at://{pds['did']}/app.bsky.feed.post/{record_key(key, 0)}"
    root = get_record(pds, published.external_id)
    assert root["value"]["embed"]["images"][0]["alt"] == "An orange dot"
    assert root["value"]["embed"]["images"][0]["image"]["mimeType"] == "image/png"
    link = root["value"]["facets"][0]
    start, end = link["index"]["byteStart"], link["index"]["byteEnd"]
    assert root["value"]["text"].encode()[start:end] == b"https://example.com/tidings"
    second = get_record(pds, f"at://{pds['did']}/app.bsky.feed.post/{record_key(key, 1)}")
    assert second["value"]["reply"]["root"] == {"uri": root["uri"], "cid": root["cid"]}
    assert second["value"]["reply"]["parent"] == {"uri": root["uri"], "cid": root["cid"]}
    written = len(list_posts(pds)) - before
    assert written >= 2

    # Sent again with the same key (a retry after a crash): the same post, nothing new on the PDS.
    assert bluesky.publish(account, content, idempotency_key=key) == published
    assert len(list_posts(pds)) - before == written
    assert bluesky.find_published(account, idempotency_key=key, content=content, sent_after=None) == published
    assert bluesky.find_published(account, idempotency_key="never-sent", content=content, sent_after=None) is None


def test_a_refreshed_session_publishes(alice: User, pds: dict[str, str]) -> None:
    account = connected(alice, pds)
    tokens = bluesky.refresh_credentials(account)
    # The refresh token rotates (an access token issued in the same second may look the same).
    assert tokens.refresh_token != account.refresh_token
    SocialAccount.objects.filter(pk=account.pk).update(
        access_token=tokens.access_token, refresh_token=tokens.refresh_token
    )
    account.refresh_from_db()
    published = bluesky.publish(account, Content(text="After a refresh"), idempotency_key="refresh-1")
    assert get_record(pds, published.external_id)["value"]["text"] == "After a refresh"


def test_a_post_the_pds_refuses_is_a_permanent_error_with_its_words(alice: User, pds: dict[str, str]) -> None:
    # 150 graphemes, but 3750 bytes: past the lexicon's 3000 (our validation says so first; the PDS agrees).
    account = connected(alice, pds)
    long = Content(text="👨‍👩‍👧‍👦" * 150)
    assert any("3000 bytes" in p for p in bluesky.validate(account, long))
    with pytest.raises(PermanentError, match="maximum 3000"):
        bluesky.publish(account, long, idempotency_key="too-long")


# --- rich content: mentions, a link card, a scaled-down image, a video ------------------------------------------


def noise_jpeg(width: int, height: int) -> bytes:
    """A photograph-like picture (random pixels compress badly) well over the 1,000,000-byte blob limit."""
    image = Image.frombytes("RGB", (width, height), random.Random(3).randbytes(width * height * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


@pytest.fixture
def page_server() -> Iterator[str]:
    """A website on loopback whose page has Open Graph tags and a cover image of 4 MB."""
    cover = noise_jpeg(2400, 1600)
    page = (
        b'<html><head><meta property="og:title" content="Spring menu">'
        b'<meta property="og:description" content="Twelve new dishes.">'
        b'<meta property="og:image" content="/cover.jpg"></head></html>'
    )

    class Site(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind = (cover, "image/jpeg") if self.path == "/cover.jpg" else (page, "text/html")
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_mentions_become_facets_and_a_link_gets_a_card_with_a_scaled_down_thumbnail(
    alice: User, pds: dict[str, str], page_server: str
) -> None:
    account = connected(alice, pds)
    text = "Hi 👋🏽 @alice.test and @nobody.test: the menu is at " + f"{page_server}/menu"
    published = bluesky.publish(account, Content(text=text), idempotency_key="rich-card-1")
    value = get_record(pds, published.external_id)["value"]
    raw = value["text"].encode()
    mentions = [f for f in value["facets"] if f["features"][0]["$type"] == "app.bsky.richtext.facet#mention"]
    assert [(raw[f["index"]["byteStart"] : f["index"]["byteEnd"]], f["features"][0]["did"]) for f in mentions] == [
        (b"@alice.test", pds["did"])
    ]
    external = value["embed"]["external"]
    assert value["embed"]["$type"] == "app.bsky.embed.external"
    assert (external["uri"], external["title"], external["description"]) == (
        f"{page_server}/menu",
        "Spring menu",
        "Twelve new dishes.",
    )
    # The PDS stored the thumbnail as a blob within the lexicon's 1,000,000 bytes.
    assert external["thumb"]["mimeType"] == "image/jpeg"
    assert 0 < external["thumb"]["size"] <= 1_000_000
    assert len(get_blob(pds, external["thumb"]["ref"]["$link"])) == external["thumb"]["size"]


def test_a_large_photo_is_scaled_down_to_fit_and_keeps_its_alt_text_and_shape(
    alice: User, pds: dict[str, str], settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    account = connected(alice, pds)
    photo = noise_jpeg(2400, 1600)
    assert len(photo) > 1_000_000
    name = default_storage.save("uploads/terrace.jpg", ContentFile(photo))
    media = (MediaItem(name, "image", "image/jpeg", len(photo), width=2400, height=1600, alt_text="Our terrace"),)
    published = bluesky.publish(account, Content(text="Terrace", media=media), idempotency_key="rich-image-1")
    image = get_record(pds, published.external_id)["value"]["embed"]["images"][0]
    assert image["alt"] == "Our terrace"
    assert image["image"]["mimeType"] == "image/jpeg"
    assert image["image"]["size"] <= 1_000_000
    stored = get_blob(pds, image["image"]["ref"]["$link"])
    with Image.open(io.BytesIO(stored)) as scaled:
        assert image["aspectRatio"] == {"width": scaled.width, "height": scaled.height}
        assert scaled.width < 2400
        assert abs(scaled.width / scaled.height - 1.5) < 0.01


def test_a_video_is_uploaded_as_a_blob_and_embedded(
    alice: User, pds: dict[str, str], settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    account = connected(alice, pds)
    clip = tmp_path / "clip.mp4"
    ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
    source = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "1", "-pix_fmt", "yuv420p"]
    subprocess.run([ffmpeg, "-loglevel", "error", *source, str(clip)], check=True)  # noqa: S603 - fixed arguments
    data = clip.read_bytes()
    name = default_storage.save("uploads/clip.mp4", ContentFile(data))
    media = (
        MediaItem(
            name, "video", "video/mp4", len(data), width=320, height=240, duration_seconds=1, alt_text="A test card"
        ),
    )
    content = Content(text="A short clip", media=media)
    assert bluesky.validate(account, content) == []
    published = bluesky.publish(account, content, idempotency_key="rich-video-1")
    embed = get_record(pds, published.external_id)["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.video"
    assert (embed["alt"], embed["aspectRatio"]) == ("A test card", {"width": 320, "height": 240})
    assert (embed["video"]["mimeType"], embed["video"]["size"]) == ("video/mp4", len(data))
    assert get_blob(pds, embed["video"]["ref"]["$link"]) == data


def test_a_hand_written_thread_with_its_own_image_and_a_first_comment(
    alice: User, pds: dict[str, str], settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    account = connected(alice, pds)
    image = png()
    name = default_storage.save("uploads/croissant.png", ContentFile(image))
    croissant = MediaItem(name, "image", "image/png", len(image), width=3, height=2, alt_text="A croissant")
    content = Content(
        text="We baked all night.",
        parts=(ThreadPart("Rye first, then the sourdough."), ThreadPart("And the croissants.", (croissant,))),
        first_comment="Order ahead at the counter",
    )
    key = "7d1e9a62-3c55-4d7e-9f0a-000000000002"
    assert bluesky.validate(account, content) == []
    before = len(list_posts(pds))

    published = bluesky.publish(account, content, idempotency_key=key)

    uri = f"at://{pds['did']}/app.bsky.feed.post/"
    root, second, third, comment = (get_record(pds, uri + record_key(key, index)) for index in (0, 1, 2, COMMENT_INDEX))
    assert published.external_id == root["uri"]
    strong = {"uri": root["uri"], "cid": root["cid"]}
    assert [r["value"]["text"] for r in (root, second, third, comment)] == [
        "We baked all night.",
        "Rye first, then the sourdough.",
        "And the croissants.",
        "Order ahead at the counter",
    ]
    assert "embed" not in root["value"]
    assert second["value"]["reply"] == {"root": strong, "parent": strong}
    assert third["value"]["reply"] == {"root": strong, "parent": {"uri": second["uri"], "cid": second["cid"]}}
    assert third["value"]["embed"]["images"][0]["alt"] == "A croissant"
    assert comment["value"]["reply"] == {"root": strong, "parent": strong}
    assert len(list_posts(pds)) - before == 4

    # Sent again (a resume after a crash): found whole, and nothing new is written.
    assert bluesky.find_published(account, idempotency_key=key, content=content, sent_after=None) == published
    assert bluesky.publish(account, content, idempotency_key=key) == published
    assert len(list_posts(pds)) - before == 4
