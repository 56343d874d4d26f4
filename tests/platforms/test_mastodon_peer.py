"""Mastodon against a running Mastodon-compatible server on loopback: `mastodon_mock` (PyPI, MIT), a stateful
FastAPI server of the Mastodon REST API with SQLite behind it.

It is not Mastodon itself (no Mastodon, GoToSocial, Pleroma or Akkoma installs from PyPI, npm or Debian here), but
a real server over real HTTP: apps, the code flow, v2 instance limits, media, statuses with Idempotency-Key,
replies and the account's statuses. Install it in a virtual environment of its own and point the tests at it:

    python3 -m venv /opt/mastodon-peer && /opt/mastodon-peer/bin/pip install -r tests/platforms/peers/mastodon.txt
    export TIDINGS_TEST_MASTODON_SERVER=/opt/mastodon-peer/bin/mastodon_mock

Without it these tests are skipped with that reason; the respx tests in test_mastodon*.py cover the same requests.
"""

import io
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import Content
from tidings.platforms.connectors.mastodon import MastodonConnector
from tidings.platforms.media import MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

SERVER = os.environ.get("TIDINGS_TEST_MASTODON_SERVER", "")
REDIRECT = "http://127.0.0.1:8000/connections/mastodon/callback/"
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        os.environ.get("TIDINGS_REQUIRE_PEERS") != "1" and not (SERVER and shutil.which(SERVER)),
        reason="needs TIDINGS_TEST_MASTODON_SERVER, a mastodon_mock installed from peers/mastodon.txt (see docstring)",
    ),
]
mastodon = MastodonConnector()


@pytest.fixture(autouse=True)
def local_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")


def png(width: int = 3, height: int = 2) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (255, 128, 0)).save(out, format="PNG")
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("mastodon") / "server.log").open("w")
    command = [SERVER, "serve", "--in-memory", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - our own command
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{base}/api/v2/instance", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                pytest.fail(f"the Mastodon peer exited: {Path(log.name).read_text()}")
            time.sleep(0.25)
        else:
            pytest.fail("the Mastodon peer did not answer in 30 s")
        created = httpx.post(f"{base}/api/v1/_mock/dev_user", json={"username": "alice", "display_name": "Alice"})
        created.raise_for_status()
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def signed_in(user: User, base: str) -> SocialAccount:
    """The whole sign-in: register the app, approve as alice on the server's page, exchange the code."""
    request = mastodon.start_connect(redirect_uri=REDIRECT, instance=base)
    query = {key: values[0] for key, values in parse_qs(urlsplit(request.url).query).items()}
    assert (query["response_type"], query["code_challenge_method"]) == ("code", "S256")
    approved = httpx.post(
        f"{base}/oauth/authorize",
        data={"username": "alice", "redirect_uri": query["redirect_uri"], "state": query["state"]},
    )
    assert approved.status_code == 302
    back = parse_qs(urlsplit(approved.headers["location"]).query)
    assert back["state"] == [request.state]
    identity, tokens = mastodon.finish_connect(
        code=back["code"][0], redirect_uri=REDIRECT, session_data=request.session_data
    )
    return connect_account(
        owner(user),
        platform=Platform.MASTODON,
        external_id=identity.external_id,
        handle=identity.handle,
        display_name=identity.display_name,
        base_url=identity.base_url,
        access_token=tokens.access_token,
        scopes=tokens.scope,
        options=identity.options,
    )


def get_status(base: str, account: SocialAccount, status_id: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {account.access_token}"}
    response = httpx.get(f"{base}/api/v1/statuses/{status_id}", headers=headers)
    response.raise_for_status()
    return dict(response.json())


def count_statuses(base: str, account: SocialAccount) -> int:
    headers = {"Authorization": f"Bearer {account.access_token}"}
    own = account.external_id.split("@", 1)[0]
    return len(httpx.get(f"{base}/api/v1/accounts/{own}/statuses?limit=40", headers=headers).json())


def test_signing_in_keeps_the_servers_limits_with_the_account(alice: User, server: str) -> None:
    account = signed_in(alice, server)
    host = server.split("://", 1)[1]
    assert (account.handle, account.display_name, account.base_url) == (f"@alice@{host}", "Alice", server)
    limits = account.options["instance"]
    assert (limits["max_characters"], limits["max_media_attachments"], limits["characters_reserved_per_url"]) == (
        500,
        4,
        23,
    )
    assert "image/png" in limits["supported_mime_types"]
    assert mastodon.text_rules(account).max_length == 500


def test_a_status_with_an_image_and_a_thread_is_posted_once_however_often_it_is_sent(
    alice: User, server: str, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    account = signed_in(alice, server)
    image = png()
    name = default_storage.save("uploads/dot.png", ContentFile(image))
    media = (MediaItem(name, "image", "image/png", len(image), width=3, height=2, alt_text="An orange dot"),)
    text = " ".join(f"Sentence {n} of the spring menu keeps going." for n in range(20))  # 880 characters
    content = Content(text=text, media=media)
    assert mastodon.validate(account, content) == []
    before = count_statuses(server, account)
    sent_at = timezone.now() - timedelta(seconds=5)

    published = mastodon.publish(account, content, idempotency_key="peer-thread-1")
    first = get_status(server, account, published.external_id)
    assert first["media_attachments"][0]["description"] == "An orange dot"
    assert first["content"].endswith("1/2</p>")
    assert count_statuses(server, account) - before == 2

    # Sent again with the same keys (a retry within the hour): the server answers with the statuses it made.
    assert mastodon.publish(account, content, idempotency_key="peer-thread-1") == published
    assert count_statuses(server, account) - before == 2
    found = mastodon.find_published(account, idempotency_key="peer-thread-1", content=content, sent_after=sent_at)
    assert found == published
