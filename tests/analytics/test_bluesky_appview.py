"""Bluesky counts against the real thing: a reference PDS with the reference app view behind it, indexing the
PDS's firehose into PostgreSQL (`peers/atproto_appview.cjs`). A post goes out through the product's publishing
path and the real connector, another account likes it on the PDS, and the synced likeCount is the app view's.

Needs Node.js, PostgreSQL, and a directory whose node_modules hold the packages of `peers/package.json`
(@atproto/dev-env 0.3.215 with @atproto/pds 0.4.217 and @atproto/bsky 0.0.221, the releases that run on Node 20):

    cd tests/analytics/peers && npm ci   # or npm install, into any directory
    export TIDINGS_TEST_APPVIEW_DIR=$PWD

Without them the tests are skipped with that reason; the respx tests in test_readings.py cover the same request.
"""

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from django.conf import settings

from tests.conftest import create_scheduled_post
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.analytics.models import MetricsSample
from tidings.analytics.services import sync_metrics
from tidings.platforms.connectors.bluesky import BlueskyConnector
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account
from tidings.posts import publishing
from tidings.posts.models import PostTarget, TargetStatus

HERE = Path(__file__).parent
LAUNCHER = HERE / "peers" / "atproto_appview.cjs"
APPVIEW_DIR = os.environ.get("TIDINGS_TEST_APPVIEW_DIR", str(HERE / "peers"))
NEEDS = "needs node, PostgreSQL and TIDINGS_TEST_APPVIEW_DIR with the packages of peers/package.json (see docstring)"
INSTALLED = (Path(APPVIEW_DIR) / "node_modules" / "@atproto" / "dev-env").is_dir() and bool(shutil.which("node"))
# Where the peers are required (CI installs this one and names its directory) the test runs or fails, never skips.
REQUIRED = os.environ.get("TIDINGS_REQUIRE_PEERS") == "1" and "TIDINGS_TEST_APPVIEW_DIR" in os.environ
pytestmark = [pytest.mark.django_db, pytest.mark.skipif(not (REQUIRED or INSTALLED), reason=NEEDS)]


def _postgres_url() -> str:
    """Where the app view keeps its index: the test database's server (in a schema of its own, dropped after)."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        user, host, port = database.get("USER") or "postgres", database.get("HOST") or "127.0.0.1", database.get("PORT")
        password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
        return f"postgres://{user}{password}@{host}:{port or 5432}/{database['NAME']}"
    return os.environ.get("TIDINGS_TEST_APPVIEW_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


class Peer:
    """The launched PDS and app view; `indexed()` waits until the app view has read all the PDS has written."""

    def __init__(self, process: subprocess.Popen[str], ready: dict[str, Any]) -> None:
        self.process, self.ready = process, ready
        self.pds: str = ready["pds"]

    def account(self, handle: str) -> dict[str, str]:
        return next(a for a in self.ready["accounts"] if a["handle"] == handle)

    def indexed(self) -> None:
        stdin: IO[str] | None = self.process.stdin
        stdout: IO[str] | None = self.process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write("sync\n")
        stdin.flush()
        assert stdout.readline().strip() == "synced"


@pytest.fixture(scope="module")
def peer() -> Iterator[Peer]:
    env = {**os.environ, "NODE_PATH": str(Path(APPVIEW_DIR) / "node_modules"), "DB_POSTGRES_URL": _postgres_url()}
    node = shutil.which("node") or "node"
    process = subprocess.Popen(  # noqa: S603 - our own launcher, no user input
        [node, str(LAUNCHER)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"the PDS and app view did not start: {process.stderr.read() if process.stderr else ''}")
        yield Peer(process, json.loads(line))
    finally:
        if process.stdin:
            process.stdin.close()  # the launcher drops its schema and exits
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(autouse=True)
def local_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")


def connected(user: User, peer: Peer, handle: str) -> SocialAccount:
    found = peer.account(handle)
    fields = {"identifier": found["handle"], "app_password": found["appPassword"], "service": peer.pds}
    identity, tokens = BlueskyConnector().connect_with_credentials(fields)
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


def publish_through_the_product(account: SocialAccount, text: str) -> PostTarget:
    """Scheduled, claimed when due, begun, sent by the real connector, completed: the worker's steps in order."""
    assert account.workspace.personal_owner is not None
    post = create_scheduled_post(account.workspace.personal_owner, [account], text=text)
    target = post.targets.get()
    assert target.scheduled_at is not None
    claimed = publishing.claim_due_targets(now=target.scheduled_at)
    assert [row[0] for row in claimed] == [target.pk]
    begun = publishing.begin_publish(target.pk, now=target.scheduled_at)
    outcome = publishing.send_target(target.pk, first=True, target=begun.target, content=begun.content)
    assert outcome.kind == "published", outcome.message
    assert publishing.complete_publish(target.pk, external_id=outcome.external_id, url=outcome.url)
    target.refresh_from_db()
    assert target.status == TargetStatus.PUBLISHED
    return target


def like(peer: Peer, handle: str, uri: str) -> None:
    """`handle` likes the post: an app.bsky.feed.like record in their own repo, as the Bluesky app writes it."""
    found = peer.account(handle)
    session = httpx.post(
        f"{peer.pds}/xrpc/com.atproto.server.createSession",
        json={"identifier": found["handle"], "password": found["appPassword"]},
    ).json()
    repo, collection, rkey = uri.removeprefix("at://").split("/")
    post = httpx.get(
        f"{peer.pds}/xrpc/com.atproto.repo.getRecord", params={"repo": repo, "collection": collection, "rkey": rkey}
    ).json()
    record = {
        "$type": "app.bsky.feed.like",
        "subject": {"uri": uri, "cid": post["cid"]},
        "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
    response = httpx.post(
        f"{peer.pds}/xrpc/com.atproto.repo.createRecord",
        json={"repo": found["did"], "collection": "app.bsky.feed.like", "record": record},
        headers={"Authorization": f"Bearer {session['accessJwt']}"},
    )
    response.raise_for_status()


def test_a_like_from_another_account_is_counted_by_the_app_view(alice: User, bob: User, peer: Peer) -> None:
    account = connected(alice, peer, "alice.test")
    target = publish_through_the_product(account, "How will this one do?")
    peer.indexed()

    before = sync_metrics(target.pk)
    assert (before.likes, before.reposts, before.replies, before.quotes) == (0, 0, 0, 0)
    assert (before.views, before.clicks) == (None, None)

    like(peer, "bob.test", target.external_id)
    peer.indexed()
    after = sync_metrics(target.pk)

    assert after.likes == 1
    assert (after.reposts, after.replies, after.quotes) == (0, 0, 0)
    assert after.last_error == ""
    assert list(MetricsSample.objects.filter(target=target).order_by("fetched_at").values_list("likes", flat=True)) == [
        0,
        1,
    ]
