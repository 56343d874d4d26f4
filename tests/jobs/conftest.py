"""DBOS launched in the test process against the test database, with short waits so tests run fast."""

import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tests.conftest import create_scheduled_post
from tests.support.fake_platform import FakePlatform
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.jobs import runtime
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account
from tidings.posts.models import Post, PostTarget, TargetStatus

FAST = {
    "TIDINGS_DISPATCH_EVERY_SECONDS": 1,
    "TIDINGS_PUBLISH_BACKOFF_SECONDS": 0.05,
    "TIDINGS_PUBLISH_TIMEOUT": 1.0,
    "TIDINGS_WORKER_CONCURRENCY": 10,
    "TIDINGS_LATE_WINDOW_SECONDS": 600,
}
# Settings the workflows read are set here, before DBOS starts, not per test: Django caches settings per attribute,
# and an override racing a read in a DBOS thread can leave that thread with the old value.
_fresh = {"done": False}


def reset_dbos_sqlite() -> None:
    """A new session starts with a new DBOS system database, so workflow ids of earlier runs cannot collide."""
    if _fresh["done"] or runtime.system_database_engine() is None:
        return
    runtime.system_database_engine().dispose()
    for suffix in ("", "-wal", "-shm"):
        (settings.DATA_DIR / f"dbos.sqlite3{suffix}").unlink(missing_ok=True)
    _fresh["done"] = True


@pytest.fixture(scope="module")
def worker(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    saved = {name: getattr(settings, name) for name in FAST}
    for name, value in FAST.items():
        setattr(settings, name, value)
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        reset_dbos_sqlite()
        runtime.launch(f"test-{int(time.time())}")
        try:
            yield
        finally:
            runtime.shutdown(timeout_seconds=5)
            for name, value in saved.items():
                setattr(settings, name, value)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePlatform]:
    # The fake listens on the loopback, which publishing refuses to call unless told otherwise.
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")
    platform = FakePlatform().start()
    yield platform
    platform.stop()


def connect_webhook(user: User, fake: FakePlatform, n: int = 1) -> SocialAccount:
    return connect_account(
        owner(user),
        platform=Platform.WEBHOOK,
        external_id=f"hook-{user.username}-{n}",
        handle=f"{user.username}'s hook {n}",
        access_token=fake.secret,
        base_url=fake.url,
    )


def make_due(post: Post, *, seconds_ago: float = 1) -> None:
    PostTarget.objects.filter(post=post).update(scheduled_at=timezone.now() - timedelta(seconds=seconds_ago))


def due_post(user: User, accounts: list[SocialAccount], text: str = "Hello from Tidings") -> Post:
    post = create_scheduled_post(user, accounts, text=text)
    make_due(post)
    return post


def wait_for(condition: Callable[[], bool], *, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def target_status(post: Post) -> list[str]:
    return sorted(PostTarget.objects.filter(post=post).values_list("status", flat=True))


ENDED = {
    TargetStatus.PUBLISHED,
    TargetStatus.FAILED,
    TargetStatus.SKIPPED,
    TargetStatus.CANCELLED,
    TargetStatus.UNCONFIRMED,
}


def settled(post: Post) -> bool:
    return all(status in ENDED for status in target_status(post))
