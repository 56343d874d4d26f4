"""A read that fails keeps what was known and says why; when it is tried again depends on the error's class,
the same classes publishing uses (transient, rate limited, sign-in refused, refused)."""

from datetime import timedelta

import httpx
import pytest
import respx
import time_machine
from django.utils import timezone

from tests.analytics import recorded
from tests.analytics.conftest import connected, published
from tidings.accounts.models import User
from tidings.analytics.models import MetricsSample
from tidings.analytics.services import sync_metrics
from tidings.platforms.connectors.meta import GRAPH
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.posts.models import PostTarget

pytestmark = pytest.mark.django_db
STATUS = "https://mastodon.example/api/v1/statuses/103270115826048975"


@pytest.fixture
def target(alice: User) -> PostTarget:
    return published(connected(alice, Platform.MASTODON, base_url="https://mastodon.example"), "103270115826048975")


@respx.mock
def test_a_rate_limit_waits_as_long_as_the_platform_asks(target: PostTarget) -> None:
    now = timezone.now()
    reset = (now + timedelta(minutes=40)).isoformat()
    respx.get(STATUS).respond(429, json={"error": "Too many requests"}, headers={"X-RateLimit-Reset": reset})

    with time_machine.travel(now, tick=False):
        metrics = sync_metrics(target.pk)

    assert metrics.next_fetch_at is not None
    assert timedelta(minutes=39) <= metrics.next_fetch_at - now <= timedelta(minutes=40)
    assert metrics.last_error == "Mastodon: Too many requests"
    assert metrics.fetched_at is None
    assert metrics.likes is None


@respx.mock
def test_a_server_down_is_tried_again_in_a_quarter_hour_keeping_the_counts(target: PostTarget) -> None:
    route = respx.get(STATUS)
    route.respond(json=recorded.MASTODON_STATUS)
    first = sync_metrics(target.pk)
    route.mock(side_effect=httpx.ConnectError("refused"))
    later = timezone.now() + timedelta(hours=5)

    with time_machine.travel(later, tick=False):
        metrics = sync_metrics(target.pk)

    assert metrics.likes == 11
    assert metrics.fetched_at == first.fetched_at
    assert metrics.next_fetch_at == later + timedelta(minutes=15)
    assert "Could not reach" in metrics.last_error
    assert MetricsSample.objects.filter(target=target).count() == 1


@respx.mock
def test_a_refused_sign_in_is_told_and_read_again_at_the_regular_time_without_touching_the_account(
    target: PostTarget,
) -> None:
    respx.get(STATUS).respond(401, json={"error": "The access token was revoked"})
    now = timezone.now()

    with time_machine.travel(now, tick=False):
        metrics = sync_metrics(target.pk)

    assert "Reconnect the account to see its counts" in metrics.last_error
    assert metrics.next_fetch_at == now + timedelta(hours=1)
    assert SocialAccount.objects.get(pk=target.account_id).status == AccountStatus.ACTIVE


@respx.mock
def test_an_expired_graph_token_is_a_sign_in_error_not_a_missing_permission(alice: User) -> None:
    target = published(connected(alice, Platform.INSTAGRAM), recorded.INSTAGRAM_ID)
    respx.get(f"{GRAPH}/{recorded.INSTAGRAM_ID}").respond(json=recorded.INSTAGRAM_MEDIA)
    respx.get(f"{GRAPH}/{recorded.INSTAGRAM_ID}/insights").respond(400, json=recorded.GRAPH_EXPIRED_TOKEN)

    metrics = sync_metrics(target.pk)

    assert metrics.fetched_at is None
    assert metrics.likes is None
    assert "Session has expired" in metrics.last_error


@respx.mock
def test_an_account_needing_reconnection_is_not_read(target: PostTarget) -> None:
    SocialAccount.objects.filter(pk=target.account_id).update(status=AccountStatus.RECONNECT_NEEDED)
    route = respx.get(STATUS)

    metrics = sync_metrics(target.pk)

    assert not route.called
    assert metrics.last_error == "The account needs reconnecting to read its counts."
    assert metrics.next_fetch_at is not None
    SocialAccount.objects.filter(pk=target.account_id).update(status=AccountStatus.DISCONNECTED)
    assert sync_metrics(target.pk).next_fetch_at is None
