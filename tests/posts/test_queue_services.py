"""The services behind the queue's actions: rescheduling what ended, back to drafts only where it changes
something, duplicates with their files, and actions on many posts that report per post."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.queue import png, post_in, todays_limit_used
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.posts.bulk import Outcome, delete_posts, reschedule_posts, unschedule_posts
from tidings.posts.duplicate import duplicate_post
from tidings.posts.media import attach_media
from tidings.posts.models import MediaAsset, Post, PostTarget, TargetStatus
from tidings.posts.retry import retry_target
from tidings.posts.services import cancel_post, create_post, reschedule_post, schedule_post, unschedule_post
from tidings.tiers.plans import Tier
from tidings.tiers.services import TierLimitReached

pytestmark = pytest.mark.django_db
LISBON = ZoneInfo("Europe/Lisbon")


def pending(user: User) -> int:
    return CreditReservation.objects.filter(workspace=workspace_of(user), status=ReservationStatus.PENDING).count()


def tomorrow_at(user: User, hour: int = 10) -> datetime:
    local = timezone.now().astimezone(workspace_of(user).zone) + timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.mark.parametrize("status", [TargetStatus.FAILED, TargetStatus.SKIPPED])
def test_a_failed_or_skipped_post_is_rescheduled_in_a_new_round_with_a_credit(bob: User, status: str) -> None:
    post = post_in(bob, create_account(bob), status, text="Ended")
    assert pending(bob) == 0
    at = tomorrow_at(bob)

    moved = reschedule_post(owner(bob), post.pk, at=at)

    target = PostTarget.objects.get(post=post)
    assert (target.status, target.scheduled_at, target.dispatch_round, target.error) == ("scheduled", at, 1, "")
    assert (target.sending_since, target.locked_until) == (None, None)
    assert (moved.scheduled_at, moved.draft_reason) == (at, "")
    assert pending(bob) == 1


def test_a_cancelled_post_is_rescheduled(bob: User) -> None:
    post = create_scheduled_post(bob, [create_account(bob)], text="Cancelled")
    cancel_post(owner(bob), post.pk)
    reschedule_post(owner(bob), post.pk, at=tomorrow_at(bob))
    assert PostTarget.objects.get(post=post).status == TargetStatus.SCHEDULED
    assert pending(bob) == 1


def test_a_post_skipped_by_todays_limit_is_refused_a_retry_now_but_moves_to_tomorrow(alice: User) -> None:
    account = create_account(alice)
    skipped = post_in(alice, account, "skipped", text="Third today", days=1)
    todays_limit_used(alice, account)
    target = skipped.targets.get()

    with pytest.raises(TierLimitReached, match="are at the daily limit: 2 of 2 used on the Free plan"):
        retry_target(owner(alice), target.pk)
    assert PostTarget.objects.get(pk=target.pk).status == TargetStatus.SKIPPED
    assert pending(alice) == 0

    reschedule_post(owner(alice), skipped.pk, at=tomorrow_at(alice))

    assert PostTarget.objects.get(pk=target.pk).status == TargetStatus.SCHEDULED
    assert pending(alice) == 1


def test_rescheduling_an_ended_post_onto_a_full_day_is_refused_and_changes_nothing(alice: User) -> None:
    account = create_account(alice)
    at = tomorrow_at(alice)
    for minutes in (0, 5):
        post = create_post(owner(alice), text="Tomorrow", account_ids=[account.pk])
        schedule_post(owner(alice), post.pk, at=at + timedelta(minutes=minutes))
    failed = post_in(alice, account, "failed", text="Failed", days=3)
    before = PostTarget.objects.get(post=failed)

    with pytest.raises(TierLimitReached, match="The next day with room is"):
        reschedule_post(owner(alice), failed.pk, at=at + timedelta(hours=2))

    after = PostTarget.objects.get(post=failed)
    assert (after.status, after.scheduled_at, after.dispatch_round, after.error) == (
        TargetStatus.FAILED,
        before.scheduled_at,
        0,
        before.error,
    )
    assert pending(alice) == 2


def test_rescheduling_an_ended_post_needs_a_place_in_the_queue(alice: User) -> None:
    account = create_account(alice)
    failed = post_in(alice, account, "failed", text="Failed", days=1)
    for day in range(2, 7):
        create_scheduled_post(alice, [account], days=day)

    with pytest.raises(TierLimitReached, match="Your queue of scheduled posts is full: 5 of 5"):
        reschedule_post(owner(alice), failed.pk, at=tomorrow_at(alice, 15))

    assert PostTarget.objects.get(post=failed).status == TargetStatus.FAILED
    assert pending(alice) == 5


def test_rescheduling_a_published_post_is_refused(bob: User) -> None:
    post = post_in(bob, create_account(bob), "published", text="Out")
    with pytest.raises(Conflict, match="nothing to reschedule"):
        reschedule_post(owner(bob), post.pk, at=tomorrow_at(bob))


def test_a_half_published_post_reschedules_only_its_failed_half(bob: User) -> None:
    mastodon, bluesky = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    post = create_scheduled_post(bob, [mastodon, bluesky])
    published = bring_to(post.targets.get(platform=Platform.MASTODON), "published")
    bring_to(post.targets.get(platform=Platform.BLUESKY), "failed")

    reschedule_post(owner(bob), post.pk, at=tomorrow_at(bob))

    statuses = dict(post.targets.values_list("platform", "status"))
    assert statuses == {Platform.MASTODON: "published", Platform.BLUESKY: "scheduled"}
    assert PostTarget.objects.get(pk=published.pk).published_at == published.published_at


@pytest.mark.parametrize("status", ["published", "publishing", "queued", "unconfirmed"])
def test_to_drafts_is_refused_where_nothing_can_go_back(bob: User, status: str) -> None:
    post = post_in(bob, create_account(bob), status, text="Out")
    before = pending(bob)
    with pytest.raises(Conflict, match="Nothing in this post can go back to a draft"):
        unschedule_post(owner(bob), post.pk)
    assert PostTarget.objects.get(post=post).status == status
    assert pending(bob) == before


def test_to_drafts_on_a_draft_says_it_is_one(bob: User) -> None:
    post = create_post(owner(bob), text="Draft", account_ids=[create_account(bob).pk])
    with pytest.raises(Conflict, match=r"^This post is a draft already\.$"):
        unschedule_post(owner(bob), post.pk)


@pytest.mark.parametrize("status", ["scheduled", "failed", "skipped"])
def test_to_drafts_moves_what_can_go_back(bob: User, status: str) -> None:
    post = post_in(bob, create_account(bob), status, text="Back")
    assert unschedule_post(owner(bob), post.pk) == 1
    assert PostTarget.objects.get(post=post).status == TargetStatus.DRAFT
    assert pending(bob) == 0


def test_a_duplicate_is_a_draft_with_its_own_copies_of_the_files_and_their_descriptions(bob: User) -> None:
    mastodon, bluesky = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    original = create_scheduled_post(bob, [mastodon, bluesky], text="With pictures")
    Post.objects.filter(pk=original.pk).update(link="https://example.org/a")
    PostTarget.objects.filter(post=original, platform=Platform.BLUESKY).update(text_override="Bluesky's own")
    attach_media(owner(bob), original.pk, uploads=[png("#ff0000", "a.png")], alt_text="A red square")
    attach_media(owner(bob), original.pk, uploads=[png("#00ff00", "b.png")], alt_text="A green square")
    bring_to(original.targets.get(platform=Platform.MASTODON), "published")
    before = pending(bob)

    copy = duplicate_post(owner(bob), original.pk)

    post = copy.post
    assert copy.left_out == []
    assert (post.text, post.link, post.scheduled_at) == ("With pictures", "https://example.org/a", None)
    targets = {t.platform: (t.status, t.text_override) for t in post.targets.all()}
    assert targets == {Platform.MASTODON: ("draft", ""), Platform.BLUESKY: ("draft", "Bluesky's own")}
    copies, originals = list(post.media.order_by("position")), list(original.media.order_by("position"))
    assert [(m.alt_text, m.position, m.kind, m.mime_type) for m in copies] == [
        ("A red square", 0, "image", "image/png"),
        ("A green square", 1, "image", "image/png"),
    ]
    for mine, theirs in zip(copies, originals, strict=True):
        assert mine.pk != theirs.pk
        assert mine.file.name != theirs.file.name
        assert mine.file.read() == theirs.file.read()
        assert (mine.size_bytes, mine.width, mine.height, mine.workspace_id) == (
            theirs.size_bytes,
            64,
            48,
            workspace_of(bob).pk,
        )
    assert pending(bob) == before
    # Deleting the copy leaves the original's files in place.
    copies[0].file.delete(save=False)
    assert originals[0].file.storage.exists(originals[0].file.name)


def test_a_duplicate_leaves_out_an_account_no_longer_connected(bob: User) -> None:
    kept, gone = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    original = create_post(owner(bob), text="Two accounts", account_ids=[kept.pk, gone.pk])
    SocialAccount.objects.filter(pk=gone.pk).update(status=AccountStatus.DISCONNECTED)

    copy = duplicate_post(owner(bob), original.pk)

    assert copy.left_out == [str(SocialAccount.objects.get(pk=gone.pk))]
    assert list(copy.post.targets.values_list("account_id", flat=True)) == [kept.pk]


def test_another_users_post_cannot_be_duplicated(alice: User, bob: User) -> None:
    post = create_post(owner(bob), text="Bob's", account_ids=[create_account(bob).pk])
    with pytest.raises(NotFound):
        duplicate_post(owner(alice), post.pk)
    assert Post.objects.count() == 1
    assert MediaAsset.objects.count() == 0


def test_bulk_reschedule_to_one_time_moves_the_soonest_until_the_day_is_full_and_says_why_for_the_rest(
    alice: User,
) -> None:
    account = create_account(alice)
    posts = [create_scheduled_post(alice, [account], text=f"Post {n}", days=n + 2) for n in range(3)]
    draft = create_post(owner(alice), text="A draft", account_ids=[account.pk])
    published = post_in(alice, account, "published", text="Out", days=1)
    at = tomorrow_at(alice)
    ids = [published.pk, draft.pk, *[p.pk for p in reversed(posts)], 999_999]

    outcomes = reschedule_posts(owner(alice), ids, at=at)

    by_post = {o.post_id: o for o in outcomes}
    assert by_post[posts[0].pk] == Outcome(posts[0].pk, True, at=at)
    assert by_post[posts[1].pk] == Outcome(posts[1].pk, True, at=at)
    assert not by_post[posts[2].pk].done
    assert by_post[posts[2].pk].reason.startswith("Posts to Mastodon on ")
    assert "are at the daily limit: 2 of 2 used on the Free plan" in by_post[posts[2].pk].reason
    assert not by_post[draft.pk].done
    assert "at the daily limit" in by_post[draft.pk].reason
    assert by_post[published.pk] == Outcome(
        published.pk, False, "Nothing in this post can be rescheduled: it is published or being published."
    )
    assert by_post[999_999] == Outcome(999_999, False, "No such post.")
    assert [p.targets.get().scheduled_at for p in posts[:2]] == [at, at]
    assert PostTarget.objects.get(post=draft).status == TargetStatus.DRAFT
    assert Post.objects.get(pk=draft.pk).draft_reason == by_post[draft.pk].reason
    assert pending(alice) == 3


def test_bulk_shift_keeps_each_posts_time_of_day_across_a_clock_change(db: None) -> None:
    erin = make_user("erin", Tier.PRO, time_zone="Europe/Lisbon")
    account = create_account(erin)
    post = create_post(owner(erin), text="Across the clock change", account_ids=[account.pk])
    # The first morning of next spring from which two days later the clocks have gone forward.
    day = datetime(timezone.now().year + 1, 3, 1, 9, 30, tzinfo=LISBON)
    while (day + timedelta(days=2)).utcoffset() == day.utcoffset():
        day += timedelta(days=1)
    schedule_post(owner(erin), post.pk, at=day)
    draft = create_post(owner(erin), text="No time", account_ids=[account.pk])

    outcomes = reschedule_posts(owner(erin), [post.pk, draft.pk], shift_days=2)

    moved = post.targets.get().scheduled_at
    assert moved is not None
    assert moved.astimezone(LISBON).replace(tzinfo=None) == day.replace(tzinfo=None) + timedelta(days=2)
    assert moved - day == timedelta(days=2, hours=-1)
    assert outcomes == [
        Outcome(post.pk, True, at=moved),
        Outcome(draft.pk, False, "A draft has no time to move from; give it a time instead."),
    ]


def test_bulk_asks_for_one_way_to_move_and_at_least_one_post(bob: User) -> None:
    with pytest.raises(InvalidInput, match="either a new time or a number of days"):
        reschedule_posts(owner(bob), [1], at=tomorrow_at(bob), shift_days=1)
    with pytest.raises(InvalidInput, match="at least one day"):
        reschedule_posts(owner(bob), [1], shift_days=0)
    with pytest.raises(InvalidInput, match="Select at least one post"):
        unschedule_posts(owner(bob), [])
    with pytest.raises(InvalidInput, match="at most 200"):
        delete_posts(owner(bob), range(1, 202))


def test_bulk_to_drafts_and_delete_apply_where_they_fit(bob: User, alice: User) -> None:
    account = create_account(bob)
    waiting = create_scheduled_post(bob, [account], text="Waiting")
    published = post_in(bob, account, "published", text="Out")
    unconfirmed = post_in(bob, account, "unconfirmed", text="In doubt")
    theirs = create_post(owner(alice), text="Alice's", account_ids=[create_account(alice).pk])

    to_drafts = unschedule_posts(owner(bob), [waiting.pk, published.pk, theirs.pk])

    assert to_drafts == [
        Outcome(theirs.pk, False, "No such post."),
        Outcome(waiting.pk, True),
        Outcome(
            published.pk, False, "Nothing in this post can go back to a draft: it is published or being published."
        ),
    ]
    deleted = delete_posts(owner(bob), [waiting.pk, published.pk, unconfirmed.pk, theirs.pk])
    by_post = {o.post_id: o for o in deleted}
    assert {pk: o.done for pk, o in by_post.items()} == {
        theirs.pk: False,
        waiting.pk: True,
        published.pk: True,
        unconfirmed.pk: False,
    }
    assert by_post[unconfirmed.pk].reason.startswith("This post may have gone out and its outcome is not known yet.")
    assert set(Post.objects.values_list("pk", flat=True)) == {unconfirmed.pk, theirs.pk}
    assert pending(bob) == 1
