"""Bluesky against a real PDS: the reference `@atproto/pds` with an in-memory PLC directory, on loopback.

Needs Node.js and a directory whose node_modules hold `@atproto/pds@0.4.217` (the last release that runs on Node
20; 0.5.x needs Node 22) and `@did-plc/server@0.0.1`:

    mkdir /opt/atproto && cd /opt/atproto && npm install @atproto/pds@0.4.217 @did-plc/server@0.0.1
    export TIDINGS_TEST_ATPROTO_DIR=/opt/atproto

Without it these tests are skipped with that reason; the respx tests in test_bluesky.py cover the same requests.
"""

import json
import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

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
        user,
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
