"""A rule that watches a feed, against a real loopback HTTP server: items become posts once, conditional GETs,
the first fetch's archive skipped, and every way a feed can fail recorded without a post."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from tests.conftest import create_account
from tests.generation.fake_openai import FakeOpenAI, Reply
from tests.support.feed_server import Document, FeedServer, Item, atom, rss
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.automation.feed_fetch import MAX_BYTES, FeedError
from tidings.automation.feeds import FIRST_FETCH_ITEMS, ITEMS_PER_RUN, post_feed_item, refresh_feed
from tidings.automation.models import AutomationRule, FeedItem, FeedMode, Review, RunOutcome
from tidings.automation.services import record_rule_failure, save_rule
from tidings.core.errors import InvalidInput
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.generation.models import GenerationLog
from tidings.notifications.models import Notification, NotificationType
from tidings.planning.finder import next_free_slot
from tidings.planning.services import add_slot
from tidings.platforms.models import Platform
from tidings.posts.models import Post, TargetStatus

pytestmark = pytest.mark.django_db
HOURLY = "0 * * * *"


def items(*numbers: int) -> list[Item]:
    """Items numbered newest first, as feeds list them: item n was published n hours after the first."""
    start = datetime(2026, 11, 30, tzinfo=UTC)
    return [
        Item(f"Post {n}", f"https://shop.example/{n}", summary=f"All about {n}.", published=start + timedelta(hours=n))
        for n in numbers
    ]


def feed_rule(user: User, url: str, *, mode: str = FeedMode.VERBATIM, review: str = Review.NONE) -> AutomationRule:
    account = create_account(user, Platform.MASTODON)
    return save_rule(
        owner(user),
        name="Blog",
        schedule=HOURLY,
        brief={"topic": "", "tone": "friendly"},
        account_ids=[account.pk],
        enabled=True,
        review=review,
        feed_url=url,
        feed_mode=mode,
    )


def run(rule: AutomationRule) -> list[Post]:
    """One run as the workflow makes it: fetch, then each waiting item in turn; a refusal is recorded as the
    workflow's steps record it."""
    try:
        waiting = refresh_feed(rule.pk)
    except FeedError as refusal:
        record_rule_failure(rule.pk, refusal)
        return []
    assert waiting is not None
    return [post for item_id in waiting if (post := post_feed_item(rule.pk, item_id))]


def test_rss_items_become_posts_once_across_runs_with_conditional_gets(bob: User, feed_server: FeedServer) -> None:
    url = feed_server.put("/blog.rss", Document(rss(items(5, 4, 3, 2, 1))))
    rule = feed_rule(bob, url)

    first = run(rule)

    # The first fetch posts only the newest few, oldest of them first; the archive is recorded, skipped.
    assert [post.text for post in first] == [f"Post {n}\n\nhttps://shop.example/{n}" for n in (3, 4, 5)]
    assert FIRST_FETCH_ITEMS == 3
    assert sorted(FeedItem.objects.filter(rule=rule, skipped=True).values_list("title", flat=True)) == [
        "Post 1",
        "Post 2",
    ]
    for post in first:
        target = post.targets.get()
        assert (post.link, target.status) == (post.text.split("\n\n")[1], TargetStatus.SCHEDULED)
        assert CreditReservation.objects.get(target=target).status == ReservationStatus.PENDING
    rule.refresh_from_db()
    assert (rule.feed_etag, rule.feed_last_modified) == ('"v1"', "Tue, 01 Dec 2026 08:00:00 GMT")
    assert rule.feed_fetched_at is not None
    assert (rule.last_outcome, rule.last_feed_error) == (RunOutcome.SCHEDULED, "")

    assert run(rule) == []  # unchanged: the server answers 304
    again = feed_server.headers_of("/blog.rss")[-1]
    assert (again["if-none-match"], again["if-modified-since"]) == ('"v1"', "Tue, 01 Dec 2026 08:00:00 GMT")
    assert "if-none-match" not in feed_server.headers_of("/blog.rss")[0]

    feed_server.put("/blog.rss", Document(rss(items(6, 5, 4, 3, 2, 1)), etag='"v2"'))
    third = run(rule)
    assert [post.text for post in third] == ["Post 6\n\nhttps://shop.example/6"]
    assert Post.objects.filter(automation_rule=rule).count() == 4
    assert FeedItem.objects.filter(rule=rule).count() == 6
    # A replayed step finds the item's post and writes no other.
    item = FeedItem.objects.get(rule=rule, title="Post 6")
    assert post_feed_item(rule.pk, item.pk) == third[0]
    assert Post.objects.filter(automation_rule=rule).count() == 4


def test_an_atom_feed_is_written_up_by_the_ai_from_each_item(
    bob: User, feed_server: FeedServer, ai_model: FakeOpenAI
) -> None:
    ai_model.default = lambda request: Reply(text="New on the blog: how we pack orders. https://shop.example/7")
    entry = Item("How we pack orders", "https://shop.example/7", guid="urn:post:7", summary="<p>Boxes &amp; tape</p>")
    rule = feed_rule(bob, feed_server.put("/feed.atom", Document(atom([entry]), "application/atom+xml")), mode="ai")

    [post] = run(rule)

    assert post.text == "New on the blog: how we pack orders. https://shop.example/7"
    assert post.link == "https://shop.example/7"
    prompt = ai_model.requests[0].prompt
    assert "Title: How we pack orders. Summary: Boxes & tape" in prompt
    assert "friendly" in prompt
    assert FeedItem.objects.get(rule=rule).key == "urn:post:7"
    assert GenerationLog.objects.filter(workspace=workspace_of(bob), outcome="ok").count() == 1


def test_a_review_first_rule_proposes_each_item_s_post(bob: User, feed_server: FeedServer) -> None:
    rule = feed_rule(bob, feed_server.put("/f", Document(rss(items(1)))), review=Review.REVIEW_FIRST)

    [post] = run(rule)

    assert post.targets.get().status == TargetStatus.AWAITING_APPROVAL
    rule.refresh_from_db()
    assert (rule.last_outcome, rule.last_post_id) == (RunOutcome.REVIEW, post.pk)


def test_a_run_posts_at_most_a_few_items_and_the_rest_wait(bob: User, feed_server: FeedServer) -> None:
    rule = feed_rule(bob, feed_server.put("/f", Document(rss(items(1)))))
    run(rule)
    feed_server.put("/f", Document(rss(items(*range(9, 0, -1))), etag='"v2"'))

    assert [p.text.split("\n")[0] for p in run(rule)] == [f"Post {n}" for n in range(2, 2 + ITEMS_PER_RUN)]
    assert [p.text.split("\n")[0] for p in run(rule)] == ["Post 7", "Post 8", "Post 9"]  # 304, the rest waited


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (Document(b"x" * (MAX_BYTES + 1)), "The feed is larger than 2 MB, which is not read."),
        (Document(b"<html><body>Hi</body></html>", "text/html"), "The address serves text/html, not an RSS or Atom"),
        (Document(b"just some words", "text/plain"), "The address does not serve an RSS or Atom feed."),
        (Document(b"", status=500), "The feed's server answered 500, not the feed."),
    ],
)
def test_a_feed_that_fails_records_why_notifies_once_and_posts_nothing(
    bob: User, feed_server: FeedServer, document: Document, message: str
) -> None:
    rule = feed_rule(bob, feed_server.put("/bad", document))

    assert run(rule) == []
    assert run(rule) == []

    rule.refresh_from_db()
    assert rule.last_feed_error.startswith(message)
    assert (rule.last_outcome, rule.failure_cause, rule.feed_fetched_at) == (RunOutcome.FAILED, "feed_failed", None)
    assert not FeedItem.objects.exists()
    assert not Post.objects.exists()
    assert Notification.objects.filter(user=bob, type=NotificationType.RULE_FAILED).count() == 1


def test_a_missing_feed_and_a_redirect_loop_are_explained(bob: User, feed_server: FeedServer) -> None:
    rule = feed_rule(bob, f"{feed_server.url}/gone")
    with pytest.raises(FeedError, match="answered 404"):
        refresh_feed(rule.pk)
    loop = feed_server.put("/loop", Document(b"", status=302, location="/loop"))
    AutomationRule.objects.filter(pk=rule.pk).update(feed_url=loop)
    with pytest.raises(FeedError, match="redirects more than 3 times"):
        refresh_feed(rule.pk)
    assert len(feed_server.headers_of("/loop")) == 4


def test_a_moved_feed_is_followed(bob: User, feed_server: FeedServer) -> None:
    feed_server.put("/new", Document(rss(items(1))))
    rule = feed_rule(bob, feed_server.put("/old", Document(b"", status=301, location="/new")))

    assert [post.text for post in run(rule)] == ["Post 1\n\nhttps://shop.example/1"]


def test_a_feed_on_this_machine_is_refused_when_local_servers_are_not_allowed(
    bob: User, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = feed_server.put("/blog.rss", Document(rss(items(1))))
    rule = feed_rule(bob, url)  # saved while allowed
    monkeypatch.delenv("TIDINGS_ALLOW_LOCAL_SERVERS")

    with pytest.raises(FeedError, match=r"The feed's address is refused: 127\.0\.0\.1 is on this machine"):
        refresh_feed(rule.pk)
    assert feed_server.requests == []
    with pytest.raises(InvalidInput) as refusal:
        save_rule(
            owner(bob),
            name="Local",
            schedule=HOURLY,
            brief={},
            account_ids=[rule.accounts.get().pk],
            feed_url=url,
        )
    assert refusal.value.details == {"field": "feed_url"}
    assert AutomationRule.objects.count() == 1
    assert not FeedItem.objects.exists()


@pytest.mark.parametrize(
    ("url", "schedule", "field"),
    [("ftp://shop.example/feed", HOURLY, "feed_url"), ("https://shop.example/feed", "*/5 * * * *", "schedule")],
)
def test_a_feed_rule_s_address_and_cadence_are_checked(bob: User, url: str, schedule: str, field: str) -> None:
    account = create_account(bob)
    with pytest.raises(InvalidInput) as refusal:
        save_rule(owner(bob), name="x", schedule=schedule, brief={}, account_ids=[account.pk], feed_url=url)
    assert refusal.value.details == {"field": field}
    assert not AutomationRule.objects.exists()


def test_a_rule_without_a_feed_still_needs_a_topic(bob: User) -> None:
    account = create_account(bob)
    with pytest.raises(InvalidInput) as refusal:
        save_rule(owner(bob), name="x", schedule=HOURLY, brief={}, account_ids=[account.pk])
    assert refusal.value.details == {"field": "topic"}


def test_another_feed_starts_afresh(bob: User, feed_server: FeedServer) -> None:
    rule = feed_rule(bob, feed_server.put("/a", Document(rss(items(1)))))
    run(rule)
    moved = save_rule(
        owner(bob),
        name="Blog",
        schedule=HOURLY,
        brief={},
        account_ids=[rule.accounts.get().pk],
        enabled=True,
        feed_url=feed_server.put("/b", Document(rss(items(4, 3, 2)), etag='"b1"')),
        rule_id=rule.pk,
    )
    assert (moved.feed_etag, moved.feed_fetched_at, moved.feed_mode) == ("", None, FeedMode.VERBATIM)
    assert [post.text.split("\n")[0] for post in run(moved)] == ["Post 2", "Post 3", "Post 4"]


def test_a_feed_that_works_again_ends_the_failure_and_the_next_one_notifies_afresh(
    bob: User, feed_server: FeedServer
) -> None:
    rule = feed_rule(bob, f"{feed_server.url}/blog.rss")
    run(rule)  # 404
    feed_server.put("/blog.rss", Document(rss(items(1))))
    assert len(run(rule)) == 1
    rule.refresh_from_db()
    assert (rule.failure_cause, rule.failing_since, rule.last_feed_error) == ("", None, "")
    assert rule.last_outcome == RunOutcome.SCHEDULED
    del feed_server.documents["/blog.rss"]
    run(rule)
    assert Notification.objects.filter(user=bob, type=NotificationType.RULE_FAILED).count() == 2


def test_with_a_posting_schedule_each_item_takes_the_next_free_slot(bob: User, feed_server: FeedServer) -> None:
    url = feed_server.put("/news.rss", Document(rss(items(2, 1))))
    rule = feed_rule(bob, url)
    for weekday in range(7):
        add_slot(owner(bob), account_id=None, weekday=weekday, at=time(9, 0))
        add_slot(owner(bob), account_id=None, weekday=weekday, at=time(17, 0))
    expected = []
    after = timezone.now()
    for _ in range(2):
        after = next_free_slot(workspace_of(bob), list(rule.accounts.all()), after=after)
        expected.append(after)

    posts = run(rule)

    assert [post.scheduled_at for post in posts] == expected
    assert {post.targets.get().status for post in posts} == {TargetStatus.SCHEDULED}


def test_when_every_slot_is_taken_the_items_post_stays_a_draft_with_the_reason(
    bob: User, feed_server: FeedServer
) -> None:
    url = feed_server.put("/news.rss", Document(rss(items(1))))
    rule = feed_rule(bob, url)
    other = create_account(bob, Platform.BLUESKY)
    add_slot(owner(bob), account_id=other.pk, weekday=0, at=time(9, 0))  # the schedule covers another account only

    (post,) = run(rule)

    assert post.targets.get().status == TargetStatus.DRAFT
    assert "has no posting slots yet" in post.draft_reason
    rule.refresh_from_db()
    assert (rule.last_outcome, rule.last_error) == (RunOutcome.DRAFT, post.draft_reason)
