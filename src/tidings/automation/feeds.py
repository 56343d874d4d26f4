"""A rule that watches a feed: each run fetches it, records the items it has not seen, and turns each into a post,
written by the AI from the item or as the item's title and link, then scheduled or proposed as the rule says.

An item is recorded once per rule (a unique key), and its post is created in the transaction that links it to the
item only while it has none, so a replayed step or two runs at once never post one item twice.
"""

import logging
from dataclasses import asdict
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tidings.automation import services
from tidings.automation.feed_fetch import FeedEntry, FeedError, fetch_feed
from tidings.automation.models import AutomationRule, FeedItem, FeedMode, RunOutcome
from tidings.core.errors import InvalidInput
from tidings.generation.brief import Brief
from tidings.generation.drafts import build_draft
from tidings.generation.services import generate_posts
from tidings.planning.errors import NoFreeSlot
from tidings.planning.finder import next_free_slot
from tidings.planning.models import PostingSlot
from tidings.platforms.models import AccountStatus
from tidings.posts.models import Post
from tidings.posts.services import remember_refusal
from tidings.workspaces.actors import Actor

logger = logging.getLogger(__name__)

# The first fetch of a feed posts only its newest items: the archive before the rule watched it is recorded, skipped.
FIRST_FETCH_ITEMS = 3
# A run posts at most this many items, oldest first; the rest wait for the next run.
ITEMS_PER_RUN = 5


def refresh_feed(rule_id: int, *, manual: bool = False) -> list[int] | None:
    """Fetch the rule's feed and record its new items; the ids of the items waiting to become posts, oldest first,
    or None when the rule watches no feed. A feed that fails records why on the rule and raises FeedError."""
    rule = services.check_rule_may_run(rule_id, manual=manual)
    if not rule.feed_url:
        return None
    try:
        fetched = fetch_feed(rule.feed_url, etag=rule.feed_etag, last_modified=rule.feed_last_modified)
    except FeedError as error:
        AutomationRule.objects.filter(pk=rule.pk).update(last_feed_error=error.message[:500])
        logger.info("feed.failed rule=%s cause=%s", rule.pk, error.details.get("cause"))
        raise
    if fetched.entries is not None:
        _record_entries(rule, fetched.entries)
    AutomationRule.objects.filter(pk=rule.pk).update(
        feed_etag=fetched.etag,
        feed_last_modified=fetched.last_modified,
        feed_fetched_at=timezone.now(),
        last_feed_error="",
    )
    # The feed works again: the failure it caused is over (the next one notifies afresh).
    AutomationRule.objects.filter(pk=rule.pk, failure_cause=FeedError.code).update(
        failure_cause="", failing_since=None, last_outcome=RunOutcome.NONE, last_error=""
    )
    waiting = rule.feed_items.filter(post__isnull=True, skipped=False)
    waiting = waiting.order_by(F("published").asc(nulls_last=True), "-id")  # oldest first
    ids = list(waiting.values_list("pk", flat=True)[:ITEMS_PER_RUN])
    logger.info("feed.fetched rule=%s changed=%s waiting=%s", rule.pk, fetched.entries is not None, len(ids))
    return ids


def _record_entries(rule: AutomationRule, entries: list[FeedEntry]) -> None:
    unique = list({entry.key: entry for entry in reversed(entries)}.values())[::-1]  # a key listed twice: the first
    # Newest first, whatever order the feed lists them in; entries without a date keep their order, after the rest.
    entries = sorted(unique, key=lambda e: (e.published is None, -e.published.timestamp() if e.published else 0))
    first = rule.feed_fetched_at is None
    FeedItem.objects.bulk_create(
        [
            FeedItem(
                rule=rule,
                key=entry.key,
                title=entry.title,
                link=entry.link,
                summary=entry.summary,
                published=entry.published,
                skipped=first and position >= FIRST_FETCH_ITEMS,
            )
            for position, entry in enumerate(entries)
        ],
        ignore_conflicts=True,  # seen before, or recorded by another run just now
    )


def post_feed_item(rule_id: int, item_id: int, *, manual: bool = False) -> Post | None:
    """The item's post: written (counting as a generation in AI mode), created and scheduled or proposed, once.
    None when the item was skipped. Refusals to write raise (the item waits for the next run); refusals to
    schedule keep the post a draft with the reason, as a rule's other posts."""
    rule = services.check_rule_may_run(rule_id, manual=manual)
    item = FeedItem.objects.select_related("post").get(pk=item_id, rule=rule)
    if item.post is not None or item.skipped:
        return item.post
    platforms = services.connected_platforms(rule)
    if not platforms:
        raise InvalidInput("None of the rule's accounts is connected any more.", field="account_ids")
    if rule.feed_mode == FeedMode.VERBATIM:
        text = "\n\n".join(part for part in (item.title, item.link) if part)
        drafts = [build_draft(platform, text).as_dict() for platform in platforms]
    else:
        written = generate_posts(Actor.system(rule.workspace), brief=item_brief(rule, item), platforms=platforms)
        drafts = [asdict(draft) for draft in written]
    with transaction.atomic():
        post = services.create_rule_post(rule, drafts, link=item.link, run_at=None)
        # Only while the item has no post: a second run that wrote it too rolls back here and keeps the first.
        linked = FeedItem.objects.filter(pk=item.pk, post__isnull=True).update(post=post)
        if not linked:
            transaction.set_rollback(True)
    if not linked:
        return FeedItem.objects.get(pk=item.pk).post
    logger.info("feed.item_posted rule=%s item=%s post=%s", rule.pk, item.pk, post.pk)
    try:
        at = when_to_post(rule)
    except NoFreeSlot as refusal:
        remember_refusal(Actor.system(rule.workspace), post.pk, refusal)
        services.record_rule_failure(rule.pk, refusal, run_at=timezone.now(), post=post)
        post.refresh_from_db()
        return post
    return services.schedule_rule_draft(rule, post, run_at=timezone.now(), at=at)


def when_to_post(rule: AutomationRule) -> datetime | None:
    """When an item's post goes out: the next free posting slot of the rule's accounts where the workspace keeps a
    posting schedule (refused with the reason when none is free), else a moment after it is written (None)."""
    if not PostingSlot.objects.filter(workspace=rule.workspace).exists():
        return None
    accounts = list(rule.accounts.filter(status=AccountStatus.ACTIVE))
    return next_free_slot(rule.workspace, accounts)


def item_brief(rule: AutomationRule, item: FeedItem) -> Brief:
    """The rule's brief (tone, audience, hashtags, ...) about this item: its title and summary are the facts."""
    standing = rule.brief.get("topic", "").strip()
    about = f"Share this item from a feed. Title: {item.title}. Summary: {item.summary}".strip()
    topic = f"{standing}\n\n{about}" if standing else about
    fields = {key: value for key, value in rule.brief.items() if key not in ("topic", "link", "hashtags")}
    return Brief(topic=topic[:1000], link=item.link, hashtags=tuple(rule.brief.get("hashtags", ())), **fields)
