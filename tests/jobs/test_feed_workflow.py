"""`automation/rule.execute` for a rule that watches a feed, through DBOS: each new item a post, once."""

import pytest
from dbos import DBOS

from tests.conftest import create_account
from tests.support.feed_server import Document, FeedServer, Item, rss
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.automation.models import AutomationRule, FeedItem
from tidings.automation.services import save_rule
from tidings.jobs.events import send
from tidings.jobs.models import JobLog
from tidings.platforms.models import Platform
from tidings.posts.models import Post

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


def run(rule: AutomationRule) -> JobLog:
    workflow_id = send("automation/rule.execute", {"rule_id": rule.pk})
    DBOS.retrieve_workflow(workflow_id).get_result()
    return JobLog.objects.get(workflow_id=workflow_id)


def test_a_feed_rule_s_run_posts_each_new_item_once(bob: User, feed_server: FeedServer) -> None:
    url = feed_server.put("/blog.rss", Document(rss([Item("Hello", "https://shop.example/hello")])))
    account = create_account(bob, Platform.BLUESKY)
    rule = save_rule(
        owner(bob),
        name="Blog",
        schedule="0 * * * *",
        brief={},
        account_ids=[account.pk],
        enabled=True,
        feed_url=url,
        feed_mode="verbatim",
    )

    first = run(rule)
    second = run(rule)

    post = Post.objects.get(automation_rule=rule)
    assert post.text == "Hello\n\nhttps://shop.example/hello"
    assert (first.status, first.data["post_ids"], first.data["items"]) == ("completed", [post.pk], 1)
    assert (second.status, second.data["post_ids"], second.data["items"]) == ("completed", [], 0)
    assert FeedItem.objects.get(rule=rule).post == post


def test_a_feed_that_is_not_there_fails_the_run_with_the_reason(bob: User, feed_server: FeedServer) -> None:
    account = create_account(bob, Platform.BLUESKY)
    rule = save_rule(
        owner(bob),
        name="Blog",
        schedule="0 * * * *",
        brief={},
        account_ids=[account.pk],
        enabled=True,
        feed_url=f"{feed_server.url}/missing",
    )

    log = run(rule)

    assert (log.status, log.error) == ("failed", "The feed's server answered 404, not the feed.")
    assert log.data["refused"]["code"] == "feed_failed"
    assert not Post.objects.exists()


def test_without_an_ai_provider_the_items_wait_and_the_run_says_why(bob: User, feed_server: FeedServer) -> None:
    url = feed_server.put("/blog.rss", Document(rss([Item("Hello", "https://shop.example/hello")])))
    account = create_account(bob, Platform.BLUESKY)
    rule = save_rule(
        owner(bob), name="Blog", schedule="0 * * * *", brief={}, account_ids=[account.pk], enabled=True, feed_url=url
    )

    log = run(rule)

    assert (log.status, log.data["items"], log.data["post_ids"]) == ("failed", 1, [])
    assert log.error.startswith("No AI provider is set up")
    item = FeedItem.objects.get(rule=rule)
    assert (item.post, item.skipped) == (None, False)  # it becomes a post once a provider is set up
