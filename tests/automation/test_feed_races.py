"""Two runs of one feed rule at once, on PostgreSQL: one transaction is held open at the point that matters while
the other runs into it. An item is recorded once and becomes one post whichever run gets there first."""

import pytest
from django.db import connections

from tests.concurrency.test_lifecycle_races import held_open, in_thread, wait_until_blocked_on_a_lock
from tests.conftest import create_account, make_user
from tests.support.feed_server import Document, FeedServer, Item, rss
from tests.support.workspaces import owner
from tidings.automation.feeds import post_feed_item, refresh_feed
from tidings.automation.models import AutomationRule, FeedItem
from tidings.automation.services import save_rule
from tidings.posts.models import Post
from tidings.tiers.plans import Tier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def feed_rule(feed_server: FeedServer) -> AutomationRule:
    bob = make_user("bob", Tier.PRO)
    url = feed_server.put("/blog.rss", Document(rss([Item("Hello", "https://shop.example/hello")])))
    return save_rule(
        owner(bob),
        name="Blog",
        schedule="0 * * * *",
        brief={},
        account_ids=[create_account(bob).pk],
        enabled=True,
        feed_url=url,
        feed_mode="verbatim",
    )


def test_two_fetches_at_once_record_each_item_once(feed_server: FeedServer) -> None:
    rule = feed_rule(feed_server)

    with held_open(lambda: refresh_feed(rule.pk)) as first:
        thread, second = in_thread(lambda: refresh_feed(rule.pk))
        wait_until_blocked_on_a_lock()  # the second insert waits on the first's unique key
    thread.join(timeout=30)
    connections.close_all()

    assert "error" not in second
    assert FeedItem.objects.filter(rule=rule).count() == 1
    item = FeedItem.objects.get(rule=rule)
    assert first["value"] == second["value"] == [item.pk]


def test_two_runs_posting_one_item_at_once_make_one_post(feed_server: FeedServer) -> None:
    rule = feed_rule(feed_server)
    [item_id] = refresh_feed(rule.pk) or []

    with held_open(lambda: post_feed_item(rule.pk, item_id)) as first:
        thread, second = in_thread(lambda: post_feed_item(rule.pk, item_id))
        wait_until_blocked_on_a_lock()  # the second run waits on the first's locks
    thread.join(timeout=30)
    connections.close_all()

    assert "error" not in second
    post = Post.objects.get(automation_rule=rule)
    assert first["value"] == second["value"] == post
    assert FeedItem.objects.get(pk=item_id).post == post
    assert post.targets.count() == 1
