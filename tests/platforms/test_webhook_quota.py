"""The webhook connector against the benchmarks' fake platform (its own process, real loopback HTTP): a post past
the account's quota comes back 429 with Retry-After, which the connector turns into a wait, and a repeat of the
same idempotency key is the same post, never a second one."""

from collections.abc import Iterator

import pytest

from tests.support.async_platform import AsyncPlatform
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import Content, RateLimited
from tidings.platforms.connectors.webhook import WebhookConnector
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[AsyncPlatform]:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")  # the fake listens on the loopback
    with AsyncPlatform(secret="a signing secret of some length", quota="2/3600") as fake:
        yield fake


def hook(user: User, fake: AsyncPlatform, name: str) -> SocialAccount:
    return connect_account(
        owner(user),
        platform=Platform.WEBHOOK,
        external_id=name,
        handle=name,
        access_token=fake.secret,
        base_url=fake.url_for(name),
    )


def test_a_post_past_the_accounts_quota_waits_the_retry_after(bob: User, platform: AsyncPlatform) -> None:
    connector = WebhookConnector()
    mine, theirs = hook(bob, platform, "mine"), hook(bob, platform, "theirs")
    content = Content(text="Hello")

    first = connector.publish(mine, content, idempotency_key="key-1")
    again = connector.publish(mine, content, idempotency_key="key-1")
    connector.publish(mine, content, idempotency_key="key-2")
    with pytest.raises(RateLimited) as waited:
        connector.publish(mine, content, idempotency_key="key-3")
    connector.publish(theirs, content, idempotency_key="key-4")

    assert again.external_id == first.external_id
    assert 3500 <= waited.value.retry_after <= 3600
    stats = platform.stats()
    assert stats["posts_per_account"] == {"/hook/mine": 2, "/hook/theirs": 1}
    assert (stats["unique_posts"], stats["repeated_keys"], stats["throttled"], stats["attempts"]) == (3, 1, 1, 5)
