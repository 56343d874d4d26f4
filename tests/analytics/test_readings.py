"""Each platform's reader against its documented answer: the exact request, and the counts stored (None where the
platform gives none, never 0), through `sync_metrics` on the real database."""

import copy
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from tests.analytics import recorded
from tests.analytics.conftest import connected, days_ago, published
from tidings.accounts.models import User
from tidings.analytics.models import MetricsSample, TargetMetrics
from tidings.analytics.services import sync_metrics
from tidings.platforms.connectors.meta import GRAPH
from tidings.platforms.models import Platform

pytestmark = pytest.mark.django_db


def counts(metrics: TargetMetrics) -> dict[str, int | None]:
    names = ("likes", "reposts", "replies", "quotes", "views", "clicks")
    return {name: getattr(metrics, name) for name in names}


def given(**values: int) -> dict[str, int | None]:
    """The six counts, None (not given by the platform) except those named."""
    return {name: values.get(name) for name in ("likes", "reposts", "replies", "quotes", "views", "clicks")}


def query(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(request.url)).query)


@respx.mock
def test_bluesky_counts_come_from_get_posts_through_the_accounts_pds(alice: User) -> None:
    account = connected(
        alice, Platform.BLUESKY, external_id="did:plc:ewvi7nxzyoun6zhxrhs64oiz", base_url="https://pds.example"
    )
    target = published(account, recorded.BLUESKY_URI)
    route = respx.get("https://pds.example/xrpc/app.bsky.feed.getPosts").respond(json=recorded.BLUESKY_GET_POSTS)

    metrics = sync_metrics(target.pk)

    assert query(route.calls.last.request) == {"uris": [recorded.BLUESKY_URI]}
    assert route.calls.last.request.headers["Authorization"] == "Bearer token-1"
    assert counts(metrics) == given(likes=12, reposts=3, replies=2, quotes=1)
    assert metrics.unavailable_reason == "Bluesky does not count views or clicks."
    sample = MetricsSample.objects.get(target=target)
    assert (sample.likes, sample.views, sample.fetched_at) == (12, None, metrics.fetched_at)


@respx.mock
def test_mastodon_counts_come_from_the_status(alice: User) -> None:
    account = connected(alice, Platform.MASTODON, base_url="https://mastodon.example")
    target = published(account, "103270115826048975")
    route = respx.get("https://mastodon.example/api/v1/statuses/103270115826048975").respond(
        json=recorded.MASTODON_STATUS
    )

    metrics = sync_metrics(target.pk)

    assert route.calls.last.request.headers["Authorization"] == "Bearer token-1"
    assert counts(metrics) == given(likes=11, reposts=6, replies=5)


@respx.mock
def test_x_counts_come_from_public_metrics(alice: User) -> None:
    target = published(connected(alice, Platform.X), "1460323737035677698")
    route = respx.get("https://api.x.com/2/tweets/1460323737035677698").respond(json=recorded.X_TWEET)

    metrics = sync_metrics(target.pk)

    assert query(route.calls.last.request) == {"tweet.fields": ["public_metrics"]}
    assert counts(metrics) == given(likes=9, reposts=2, replies=1, quotes=0, views=314)
    assert metrics.last_error == ""


@respx.mock
def test_threads_counts_come_from_media_insights(alice: User) -> None:
    target = published(connected(alice, Platform.THREADS), recorded.THREADS_ID)
    route = respx.get(f"https://graph.threads.net/v1.0/{recorded.THREADS_ID}/insights").respond(
        json=recorded.THREADS_INSIGHTS
    )

    metrics = sync_metrics(target.pk)

    assert query(route.calls.last.request) == {
        "metric": ["views,likes,replies,reposts,quotes"],
        "access_token": ["token-1"],
    }
    assert counts(metrics) == given(likes=14, reposts=2, replies=3, quotes=1, views=120)


@respx.mock
def test_instagram_counts_come_from_the_media_and_its_insights(alice: User) -> None:
    target = published(connected(alice, Platform.INSTAGRAM), recorded.INSTAGRAM_ID)
    media = respx.get(f"{GRAPH}/{recorded.INSTAGRAM_ID}").respond(json=recorded.INSTAGRAM_MEDIA)
    insights = respx.get(f"{GRAPH}/{recorded.INSTAGRAM_ID}/insights").respond(json=recorded.INSTAGRAM_INSIGHTS)

    metrics = sync_metrics(target.pk)

    assert query(media.calls.last.request)["fields"] == ["like_count,comments_count"]
    assert query(insights.calls.last.request)["metric"] == ["views,shares"]
    assert counts(metrics) == given(likes=42, reposts=5, replies=7, views=1030)


@respx.mock
def test_instagram_without_the_insights_permission_keeps_likes_and_comments_and_says_why(alice: User) -> None:
    target = published(connected(alice, Platform.INSTAGRAM), recorded.INSTAGRAM_ID)
    respx.get(f"{GRAPH}/{recorded.INSTAGRAM_ID}").respond(json=recorded.INSTAGRAM_MEDIA)
    respx.get(f"{GRAPH}/{recorded.INSTAGRAM_ID}/insights").respond(400, json=recorded.GRAPH_PERMISSION_ERROR)

    metrics = sync_metrics(target.pk)

    assert counts(metrics) == given(likes=42, replies=7)
    assert "instagram_manage_insights" in metrics.unavailable_reason
    assert metrics.last_error == ""


@respx.mock
def test_instagram_with_scopes_known_to_lack_insights_does_not_ask_for_them(alice: User) -> None:
    account = connected(alice, Platform.INSTAGRAM, scopes="instagram_basic,instagram_content_publish")
    target = published(account, recorded.INSTAGRAM_ID)
    respx.get(f"{GRAPH}/{recorded.INSTAGRAM_ID}").respond(json=recorded.INSTAGRAM_MEDIA)
    insights = respx.get(f"{GRAPH}/{recorded.INSTAGRAM_ID}/insights")

    metrics = sync_metrics(target.pk)

    assert not insights.called
    assert (metrics.likes, metrics.views) == (42, None)


@respx.mock
def test_facebook_counts_come_from_the_posts_summaries_and_its_views_insight(alice: User) -> None:
    target = published(connected(alice, Platform.FACEBOOK), recorded.FACEBOOK_POST_ID)
    post = respx.get(f"{GRAPH}/{recorded.FACEBOOK_POST_ID}").respond(json=recorded.FACEBOOK_POST)
    insights = respx.get(f"{GRAPH}/{recorded.FACEBOOK_POST_ID}/insights").respond(json=recorded.FACEBOOK_INSIGHTS)

    metrics = sync_metrics(target.pk)

    assert query(post.calls.last.request)["fields"] == [
        "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
    ]
    assert query(insights.calls.last.request)["metric"] == ["post_total_media_view_unique"]
    assert counts(metrics) == given(likes=15, reposts=2, replies=4, views=321)


@respx.mock
def test_a_facebook_post_nobody_shared_has_no_shares_field_and_zero_shares(alice: User) -> None:
    target = published(connected(alice, Platform.FACEBOOK), recorded.FACEBOOK_POST_ID)
    unshared = {key: value for key, value in recorded.FACEBOOK_POST.items() if key != "shares"}
    respx.get(f"{GRAPH}/{recorded.FACEBOOK_POST_ID}").respond(json=unshared)
    respx.get(f"{GRAPH}/{recorded.FACEBOOK_POST_ID}/insights").respond(400, json=recorded.GRAPH_PERMISSION_ERROR)

    metrics = sync_metrics(target.pk)

    assert (metrics.likes, metrics.reposts, metrics.replies, metrics.views) == (15, 0, 4, None)
    assert "read_insights" in metrics.unavailable_reason


@respx.mock
def test_youtube_counts_come_from_statistics_given_as_strings(alice: User) -> None:
    target = published(connected(alice, Platform.YOUTUBE), recorded.YOUTUBE_ID)
    route = respx.get("https://www.googleapis.com/youtube/v3/videos").respond(json=recorded.YOUTUBE_VIDEOS)

    metrics = sync_metrics(target.pk)

    assert query(route.calls.last.request) == {"part": ["statistics"], "id": [recorded.YOUTUBE_ID]}
    assert counts(metrics) == given(likes=87, replies=12, views=1523)


@respx.mock
def test_youtube_hidden_likes_stay_unknown_not_zero(alice: User) -> None:
    target = published(connected(alice, Platform.YOUTUBE), recorded.YOUTUBE_ID)
    hidden: Any = copy.deepcopy(recorded.YOUTUBE_VIDEOS)
    hidden["items"][0]["statistics"] = {"viewCount": "1523", "favoriteCount": "0", "commentCount": "12"}
    respx.get("https://www.googleapis.com/youtube/v3/videos").respond(json=hidden)

    metrics = sync_metrics(target.pk)

    assert (metrics.likes, metrics.views) == (None, 1523)


@respx.mock
def test_pinterest_counts_come_from_pin_analytics_since_the_day_it_was_published(alice: User) -> None:
    when = days_ago(3)
    target = published(connected(alice, Platform.PINTEREST), recorded.PINTEREST_ID, at=when)
    route = respx.get(f"https://api.pinterest.com/v5/pins/{recorded.PINTEREST_ID}/analytics").respond(
        json=recorded.PINTEREST_ANALYTICS
    )

    metrics = sync_metrics(target.pk)

    sent = query(route.calls.last.request)
    assert sent["start_date"] == [when.date().isoformat()]
    assert sent["metric_types"] == ["IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK"]
    assert counts(metrics) == given(reposts=4, views=230, clicks=17)


@respx.mock
def test_tiktok_counts_come_from_video_query(alice: User) -> None:
    account = connected(alice, Platform.TIKTOK, scopes="user.info.basic,video.publish,video.list")
    target = published(account, recorded.TIKTOK_ID)
    route = respx.post("https://open.tiktokapis.com/v2/video/query/").respond(json=recorded.TIKTOK_QUERY)

    metrics = sync_metrics(target.pk)

    request = route.calls.last.request
    assert query(request) == {"fields": ["id,like_count,comment_count,share_count,view_count"]}
    assert request.read() == b'{"filters":{"video_ids":["7080213458555737986"]}}'
    assert counts(metrics) == given(likes=150, reposts=8, replies=12, views=4021)


@respx.mock
def test_a_linkedin_pages_post_counts_come_from_its_share_statistics(alice: User) -> None:
    account = connected(
        alice,
        Platform.LINKEDIN,
        external_id=recorded.LINKEDIN_ORGANIZATION,
        options={"kind": "organization"},
        scopes="openid profile w_member_social w_organization_social rw_organization_admin",
    )
    target = published(account, recorded.LINKEDIN_SHARE)
    route = respx.get("https://api.linkedin.com/rest/organizationalEntityShareStatistics").respond(
        json=recorded.LINKEDIN_SHARE_STATISTICS
    )

    metrics = sync_metrics(target.pk)

    request = route.calls.last.request
    assert request.url.query.decode() == (
        "q=organizationalEntity&organizationalEntity=urn%3Ali%3Aorganization%3A2414183"
        "&shares=List(urn%3Ali%3Ashare%3A7136969471583014912)"
    )
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert request.headers["LinkedIn-Version"]
    assert counts(metrics) == given(likes=21, reposts=3, replies=6, views=410, clicks=19)


@respx.mock
def test_a_linkedin_page_connected_without_the_admin_scope_is_not_asked(alice: User) -> None:
    account = connected(
        alice,
        Platform.LINKEDIN,
        external_id=recorded.LINKEDIN_ORGANIZATION,
        options={"kind": "organization"},
        scopes="openid profile w_member_social w_organization_social",
    )

    metrics = sync_metrics(published(account, recorded.LINKEDIN_SHARE).pk)

    assert counts(metrics) == given()
    assert "rw_organization_admin" in metrics.unavailable_reason
    assert respx.calls.call_count == 0
