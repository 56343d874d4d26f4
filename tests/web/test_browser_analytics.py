"""The analytics page in a real browser, with data: the chart drawn from the numbers the page carries, the best
times with their heat map, a move to one account's page and the CSV download; at desktop and phone width, checked
with axe-core and for sideways scroll."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.analytics.conftest import published
from tests.conftest import create_account, make_user
from tests.support.browser import check_page, log_in, needs_browser, shoot
from tests.web.test_browser_dashboard import until
from tidings.analytics.fetchers.webhook import WEBHOOK
from tidings.analytics.models import TargetMetrics
from tidings.platforms.models import Platform
from tidings.posts.models import Post
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]
expect = playwright.expect


def a_history() -> None:
    carol = make_user("carol", Tier.BUSINESS, time_zone="Europe/Lisbon")
    mastodon, hook = create_account(carol), create_account(carol, Platform.WEBHOOK)
    now = timezone.now()
    for n in range(12):
        target = published(mastodon, str(n), at=now - timedelta(days=n + 1, hours=n % 3))
        Post.objects.filter(pk=target.post_id).update(text=f"Post number {n} with a long sentence to wrap on a phone")
        TargetMetrics.objects.create(target=target, fetched_at=now, likes=n * 2, reposts=n, replies=1, views=100 * n)
    sent = published(hook, "hook", at=now - timedelta(hours=2))
    TargetMetrics.objects.create(target=sent, fetched_at=now, unavailable_reason=WEBHOOK)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_analytics_page_with_data(request: pytest.FixtureRequest, live_server: object, width: str) -> None:
    page = request.getfixturevalue("page" if width == "desktop" else "phone")
    base = str(live_server)
    a_history()
    log_in(page, base, "carol")
    if width == "phone":
        page.get_by_role("button", name="Open the menu").click()
    page.get_by_role("link", name="Analytics").click()
    page.wait_for_url(f"{base}/analytics/")
    until(page, "window.Chart && !!window.Chart.getChart(document.getElementById('analytics-chart'))")
    datasets = page.evaluate(
        "window.Chart.getChart(document.getElementById('analytics-chart')).data.datasets.map(d => d.label)"
    )
    assert datasets == ["Posts", "Likes", "Reposts", "Replies", "Views"]
    assert (
        page.evaluate("window.Chart.getChart(document.getElementById('analytics-chart')).isDatasetVisible(4)") is False
    )
    expect(page.get_by_test_id("total-posts")).to_have_text("13")
    expect(page.get_by_test_id("top-post").first).to_contain_text("Post number 11")
    expect(page.get_by_test_id("top-engagement").first).to_have_text("34")
    expect(page.get_by_test_id("analytics-unavailable")).to_contain_text("A webhook hands the post to your own system")
    expect(page.get_by_test_id("best-times-list").locator("li")).to_have_count(5)
    expect(page.get_by_test_id("heat-map")).to_be_visible()
    check_page(page)
    shoot(page, f"analytics-{width}")

    with page.expect_download() as download:
        page.get_by_test_id("analytics-csv").click()
    assert download.value.suggested_filename.startswith("tidings-analytics-")

    page.get_by_test_id("analytics-accounts").click()
    page.locator(".dropdown-menu.show").get_by_role("link", name="@carol1").first.click()
    expect(page.get_by_test_id("analytics-title")).to_contain_text("@carol1")
    check_page(page)
