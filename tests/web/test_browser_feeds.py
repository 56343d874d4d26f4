"""A rule that watches a feed, in a real browser at phone width: made in the rule form, run with "Run now" through
the real workflow (DBOS in this process), and its items shown on the rule's page with the post each became."""

import re

import pytest

from tests.conftest import create_account, make_user
from tests.jobs.conftest import worker  # noqa: F401 - a fixture
from tests.support.browser import log_in, needs_browser, shoot
from tests.support.feed_server import Document, FeedServer, Item, rss
from tests.web.test_browser_automation import check
from tidings.automation.models import AutomationRule, FeedMode
from tidings.platforms.models import Platform
from tidings.posts.models import Post, TargetStatus
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser, pytest.mark.usefixtures("worker")]
expect = playwright.expect


def test_a_feed_rule_made_in_the_form_posts_its_items(
    phone: "playwright.Page", live_server: object, feed_server: FeedServer
) -> None:
    base = str(live_server)
    lena = make_user("lena", Tier.PRO, time_zone="Europe/Lisbon")
    account = create_account(lena, Platform.MASTODON)
    url = feed_server.put(
        "/blog.rss",
        Document(
            rss(
                [
                    Item("We open a second shop", "https://shop.example/second"),
                    Item("Hello", "https://shop.example/hello"),
                ]
            )
        ),
    )
    phone.goto(f"{base}/login/", timeout=60_000)  # the first page waits for DBOS to start in this process
    log_in(phone, base, "lena")

    phone.goto(f"{base}/automation/new/")
    phone.fill("#id_name", "Blog to Mastodon")
    phone.fill("#id_feed_url", "ftp://shop.example/feed")
    phone.locator("label:has(input[name=feed_mode][value=verbatim])").click()
    phone.locator(f"label:has(input[name=accounts][value='{account.pk}'])").click()
    phone.get_by_role("button", name="Create rule").click()
    expect(phone.locator("#id_feed_url-error")).to_have_text("Give the feed as a full http:// or https:// address.")
    assert not AutomationRule.objects.exists()
    check(phone)

    phone.fill("#id_feed_url", url)
    phone.get_by_role("button", name="Create rule").click()
    phone.wait_for_url(f"{base}/automation/")
    rule = AutomationRule.objects.get()
    assert (rule.feed_url, rule.feed_mode) == (url, FeedMode.VERBATIM)

    phone.get_by_test_id("rule").get_by_role("button", name="Run now").click()
    phone.wait_for_url(re.compile(r"/automation/\d+/\?run="))
    items = phone.get_by_test_id("feed-item")
    expect(items).to_have_count(2, timeout=30_000)
    expect(items.first.get_by_role("link", name="Open the post")).to_be_visible()
    expect(phone.get_by_test_id("feed-fetched")).to_contain_text("Last checked")
    check(phone)
    shoot(phone, "automation-feed-phone")

    posts = Post.objects.filter(automation_rule=rule).order_by("pk")
    assert [post.text for post in posts] == [
        "Hello\n\nhttps://shop.example/hello",
        "We open a second shop\n\nhttps://shop.example/second",
    ]
    assert all(post.targets.get().status == TargetStatus.SCHEDULED for post in posts)
    items.first.get_by_role("link", name="Open the post").click()
    phone.wait_for_url(re.compile(r"/posts/\d+/edit/"))
