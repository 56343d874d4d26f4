"""Where a platform gives this app nothing, the stored counts are all NULL with the reason, never zeros, and no
sample is written (there is nothing to chart)."""

import pytest
import respx

from tests.analytics import recorded
from tests.analytics.conftest import connected, published
from tidings.accounts.models import User
from tidings.analytics.models import MetricsSample, TargetMetrics
from tidings.analytics.services import sync_metrics
from tidings.platforms.models import Platform

pytestmark = pytest.mark.django_db
NAMES = ("likes", "reposts", "replies", "quotes", "views", "clicks")


def assert_unavailable(metrics: TargetMetrics) -> None:
    assert [getattr(metrics, name) for name in NAMES] == [None] * len(NAMES)
    assert metrics.fetched_at is not None
    assert not MetricsSample.objects.filter(target_id=metrics.target_id).exists()


@respx.mock
def test_x_answering_403_for_the_servers_access_level_is_unavailable_not_an_error(alice: User) -> None:
    target = published(connected(alice, Platform.X), "1460323737035677698")
    respx.get("https://api.x.com/2/tweets/1460323737035677698").respond(403, json=recorded.X_CLIENT_FORBIDDEN)

    metrics = sync_metrics(target.pk)

    assert_unavailable(metrics)
    assert "access level does not include reading posts" in metrics.unavailable_reason
    assert metrics.last_error == ""
    # The operator may change the level: it is asked again, at the regular time.
    assert metrics.next_fetch_at is not None


@respx.mock
def test_an_x_post_gone_is_a_refusal_that_keeps_the_counts_known(alice: User) -> None:
    target = published(connected(alice, Platform.X), "1460323737035677698")
    route = respx.get("https://api.x.com/2/tweets/1460323737035677698")
    route.respond(json=recorded.X_TWEET)
    sync_metrics(target.pk)
    route.respond(json=recorded.X_NOT_FOUND)

    metrics = sync_metrics(target.pk)

    assert (metrics.likes, metrics.views) == (9, 314)
    assert "Could not find tweet" in metrics.last_error
    assert MetricsSample.objects.filter(target=target).count() == 1


@respx.mock
def test_a_linkedin_members_posts_need_a_product_this_app_lacks(alice: User) -> None:
    target = published(connected(alice, Platform.LINKEDIN), "urn:li:share:7136969471583014912")

    metrics = sync_metrics(target.pk)

    assert_unavailable(metrics)
    assert "member post analytics" in metrics.unavailable_reason
    assert respx.calls.call_count == 0


def test_a_webhook_has_nothing_to_count_and_is_not_read_again(alice: User) -> None:
    target = published(connected(alice, Platform.WEBHOOK, base_url="https://hooks.example/in"), "delivery-1")

    metrics = sync_metrics(target.pk)

    assert_unavailable(metrics)
    assert metrics.unavailable_reason.startswith("A webhook")
    assert metrics.next_fetch_at is None


@respx.mock
def test_threads_without_the_insights_scope_is_not_asked(alice: User) -> None:
    account = connected(alice, Platform.THREADS, scopes="threads_basic,threads_content_publish")
    target = published(account, recorded.THREADS_ID)

    metrics = sync_metrics(target.pk)

    assert_unavailable(metrics)
    assert "threads_manage_insights" in metrics.unavailable_reason
    assert respx.calls.call_count == 0


@respx.mock
def test_threads_refusing_the_insights_permission_is_unavailable(alice: User) -> None:
    target = published(connected(alice, Platform.THREADS), recorded.THREADS_ID)
    respx.get(f"https://graph.threads.net/v1.0/{recorded.THREADS_ID}/insights").respond(
        400, json=recorded.GRAPH_PERMISSION_ERROR
    )

    metrics = sync_metrics(target.pk)

    assert_unavailable(metrics)
    assert "threads_manage_insights" in metrics.unavailable_reason
    assert metrics.last_error == ""


@respx.mock
def test_tiktok_without_video_list_or_a_public_video_id_is_unavailable(alice: User, bob: User) -> None:
    no_scope = published(connected(alice, Platform.TIKTOK, scopes="user.info.basic,video.publish"), recorded.TIKTOK_ID)
    private = published(connected(bob, Platform.TIKTOK), "v_pub_file~v2-1.7080213458555737986")

    assert "video.list" in sync_metrics(no_scope.pk).unavailable_reason
    assert "no public video id" in sync_metrics(private.pk).unavailable_reason
    assert respx.calls.call_count == 0


@respx.mock
def test_counts_known_before_a_platform_stops_giving_them_are_kept(alice: User) -> None:
    target = published(connected(alice, Platform.X), "1460323737035677698")
    route = respx.get("https://api.x.com/2/tweets/1460323737035677698")
    route.respond(json=recorded.X_TWEET)
    sync_metrics(target.pk)
    route.respond(403, json=recorded.X_CLIENT_FORBIDDEN)

    metrics = sync_metrics(target.pk)

    assert (metrics.likes, metrics.views) == (9, 314)
    assert "access level" in metrics.unavailable_reason
    assert MetricsSample.objects.filter(target=target).count() == 1
