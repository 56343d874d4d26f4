"""Kill -9 a real worker while a post waits for Instagram to process its media: the next worker resumes from the
container already made, never making or publishing it again.

The worker (`tests.support.loopback_worker`) sends Instagram's calls to a fake Graph API on the loopback, which
counts them across the kill.
"""

import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.jobs.conftest import reset_dbos_sqlite, wait_for
from tests.support.processes import Worker, worker_env
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.jobs import runtime
from tidings.jobs.workflows.publish import check_workflow_id
from tidings.platforms.models import Platform
from tidings.platforms.services import connect_account
from tidings.posts.models import MediaAsset, MediaKind, Post, PostTarget, PublishAttempt, TargetStatus
from tidings.posts.services import create_post, schedule_post

pytestmark = pytest.mark.django_db(transaction=True)
IG = "17841400000000003"


class FakeGraph(BaseHTTPRequestHandler):
    """Instagram's content publishing (https://developers.facebook.com/docs/instagram-platform/content-publishing):
    containers answer IN_PROGRESS `slow` times, then FINISHED."""

    slow = 2
    created: list[str]
    checks: list[str]
    published: list[str]

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if found := re.fullmatch(r"/v[\d.]+/(c-\d+)", path):
            self.checks.append(found[1])
            done = self.checks.count(found[1]) > self.slow
            self._json({"status_code": "FINISHED" if done else "IN_PROGRESS", "id": found[1]})
        elif found := re.fullmatch(r"/v[\d.]+/(m-\d+)", path):
            self._json({"permalink": f"https://www.instagram.com/p/{found[1]}/"})
        else:
            self._json({"error": {"message": "Unknown path", "code": 100}}, status=400)

    def do_POST(self) -> None:
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
        if self.path.endswith(f"/{IG}/media"):
            self.created.append(form.get("caption", ""))
            self._json({"id": f"c-{len(self.created)}"})
        elif self.path.endswith(f"/{IG}/media_publish"):
            self.published.append(form["creation_id"])
            self._json({"id": f"m-{len(self.published)}"})
        else:
            self._json({"error": {"message": "Unknown path", "code": 100}}, status=400)

    def _json(self, body: dict[str, Any], *, status: int = 200) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def graph() -> Iterator[tuple[type[FakeGraph], int]]:
    handler = type("Graph", (FakeGraph,), {"created": [], "checks": [], "published": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield handler, server.server_address[1]
    server.shutdown()
    server.server_close()


class LoopbackWorker(Worker):
    """A real worker process whose Graph API is the fake one on the loopback (`tests.support.loopback_worker`)."""

    def __init__(self, executor_id: str, port: int) -> None:
        super().__init__(executor_id)
        self.port = port

    def command(self) -> list[str]:
        return [sys.executable, "-m", "tests.support.loopback_worker", str(self.port)]

    def env(self) -> dict[str, str]:
        return worker_env() | {
            "TIDINGS_PUBLIC_URL": "https://tidings.example/",
            "TIDINGS_INSTAGRAM_CLIENT_ID": "ig-app",
            "TIDINGS_INSTAGRAM_CLIENT_SECRET": "ig-secret",
        }


@pytest.fixture
def crash_worker(graph: tuple[type[FakeGraph], int]) -> Iterator[LoopbackWorker]:
    reset_dbos_sqlite()
    worker = LoopbackWorker(f"waits-kill-{int(time.time())}", graph[1])
    yield worker
    worker.stop()
    runtime.shutdown()  # this process's client of the worker's system database


def _due_photo(user: User, text: str) -> Post:
    account = connect_account(
        owner(user), platform=Platform.INSTAGRAM, external_id=IG, handle="@bakery", access_token="pt"
    )
    post = create_post(owner(user), text=text, account_ids=[account.pk])
    MediaAsset.objects.create(
        workspace=workspace_of(user),
        post=post,
        file=default_storage.save("uploads/kill.jpg", ContentFile(b"0123456789")),
        kind=MediaKind.IMAGE,
        mime_type="image/jpeg",
        size_bytes=10,
        width=1080,
        height=1080,
    )
    schedule_post(owner(user), post.pk, at=timezone.now() + timedelta(hours=1))
    PostTarget.objects.filter(post=post).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    return post


def test_a_worker_killed_during_the_wait_resumes_without_uploading_or_publishing_again(
    bob: User, graph: tuple[type[FakeGraph], int], crash_worker: LoopbackWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "TIDINGS_PUBLIC_URL": "https://tidings.example/",
        "TIDINGS_INSTAGRAM_CLIENT_ID": "ig-app",
        "TIDINGS_INSTAGRAM_CLIENT_SECRET": "ig-secret",
    }.items():
        monkeypatch.setenv(name, value)
    fake = graph[0]
    crash_worker.start()
    post = _due_photo(bob, "Killed mid-wait")

    wait_for(lambda: bool(PostTarget.objects.get(post=post).progress), timeout=60, what="the first check to hand back")
    check = check_workflow_id(PostTarget.objects.get(post=post).workflow_id, 1)
    # Killed once the run has handed back: its next check waits, delayed, on the queue.
    wait_for(lambda: bool(runtime.client().list_workflows(workflow_ids=[check])), timeout=30, what="the next check")
    crash_worker.kill()
    target = PostTarget.objects.get(post=post)
    assert (target.status, target.progress["container"], fake.created) == (
        TargetStatus.PUBLISHING,
        "c-1",
        ["Killed mid-wait"],
    )
    crash_worker.start()
    wait_for(
        lambda: PostTarget.objects.get(post=post).status == TargetStatus.PUBLISHED,
        timeout=90,
        what="the post to publish after the kill",
    )

    target = PostTarget.objects.get(post=post)
    assert (target.external_id, target.external_url) == ("m-1", "https://www.instagram.com/p/m-1/")
    # One container, made before the kill; checked until finished; published once.
    assert fake.created == ["Killed mid-wait"]
    assert fake.checks == ["c-1"] * 3
    assert fake.published == ["c-1"]
    outcomes = list(PublishAttempt.objects.filter(target=target).values_list("number", "outcome"))
    assert outcomes == [(1, "processing"), (1, "processing"), (1, "published")]
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED
