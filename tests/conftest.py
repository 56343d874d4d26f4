"""The cast: alice is on Free, bob on Pro, carol on Business (the plans of their personal workspaces). Helpers
create what a test needs, on the real DB."""

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.accounts.services import create_user
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account
from tidings.posts.models import Post
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier

pytest_plugins = ["tests.support.ai", "tests.support.feed_server", "tests.support.unconfirmed"]
REQUIRE_POSTGRES = os.environ.get("TIDINGS_REQUIRE_POSTGRES") == "1"
# Hashing a password the production way costs ~0.3 s; tests create hundreds of users.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` need PostgreSQL. Where it is required (`make test`, CI) a run on another database
    stops with an error; elsewhere (a plain `pytest` on SQLite) those tests are skipped with the reason."""
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    if REQUIRE_POSTGRES:
        pytest.exit("TIDINGS_REQUIRE_POSTGRES=1 but DATABASE_URL is not a PostgreSQL database.", returncode=2)
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (make test-postgres)"))


@pytest.fixture(autouse=True)
def _only_declared_status_writes() -> Iterator[None]:
    """Every status change of a post target goes through `move_targets`: a test fails on any other write."""
    from tests.support import status_guard

    status_guard.install_everywhere()
    status_guard.violations.clear()
    yield
    found, status_guard.violations[:] = list(status_guard.violations), []
    assert not found, "Post target status written outside move_targets:\n" + "\n".join(found)


def make_user(username: str, tier: Tier, **kwargs: Any) -> User:
    return create_user(username, password="correct horse battery staple", tier=tier, **kwargs)


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice", Tier.FREE)


@pytest.fixture
def bob(db: None) -> User:
    return make_user("bob", Tier.PRO)


@pytest.fixture
def carol(db: None) -> User:
    return make_user("carol", Tier.BUSINESS)


@pytest.fixture
def cast(alice: User, bob: User, carol: User) -> dict[Tier, User]:
    return {Tier.FREE: alice, Tier.PRO: bob, Tier.BUSINESS: carol}


def create_account(user: User, platform: Platform = Platform.MASTODON, n: int = 1) -> SocialAccount:
    """An account connected to the person's own workspace."""
    return connect_account(
        owner(user),
        platform=platform,
        external_id=f"{user.username}-{platform}-{n}",
        handle=f"@{user.username}{n}",
        access_token=f"token-{user.username}-{n}",
    )


def create_scheduled_post(
    user: User, accounts: list[SocialAccount], *, minutes: int = 60, days: int = 0, text: str = "Hello"
) -> Post:
    """A post scheduled `days` and `minutes` ahead (a day apart keeps Free's two posts a day from binding)."""
    post = create_post(owner(user), text=text, account_ids=[a.pk for a in accounts])
    return schedule_post(owner(user), post.pk, at=timezone.now() + timedelta(days=days, minutes=minutes))


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


Factory = Callable[..., Any]
