"""The slot queue: shuffle deals its times out again and "move up" swaps a post with the one before it, every post
still on a slot, every daily limit kept, every credit still held once."""

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from tests.conftest import create_account, make_user
from tests.planning.conftest import draft, give_slots
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict, NotFound
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.planning.queue import move_up, queued_posts, shuffle_queue
from tidings.planning.services import add_to_queue
from tidings.platforms.models import Platform, SocialAccount
from tidings.posts.models import Post, PostTarget
from tidings.posts.services import reschedule_post
from tidings.tiers.plans import Tier
from tidings.workspaces.roles import Role, RoleTooLow

START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday, 08:00 UTC
MON_9, MON_12, MON_15 = (START.replace(hour=h) for h in (9, 12, 15))
TUE_9 = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(START, tick=False):
        yield


@pytest.fixture
def free(db: None) -> User:
    return make_user("fay", Tier.FREE, time_zone="UTC")


def queue_in(user: User, accounts: list[SocialAccount], n: int) -> list[Post]:
    return [add_to_queue(owner(user), draft(user, accounts, f"Post {i}").pk) for i in range(n)]


def times(user: User) -> dict[str, datetime | None]:
    return {p.text: p.scheduled_at for p in Post.objects.filter(workspace=workspace_of(user))}


def test_move_up_swaps_with_the_post_before(free: User) -> None:
    give_slots(free, "09:00", "12:00")
    account = create_account(free)
    first, second, third = queue_in(free, [account], 3)
    assert [p.scheduled_at for p in (first, second, third)] == [MON_9, MON_12, TUE_9]
    move_up(owner(free), third.pk)
    assert times(free) == {"Post 0": MON_9, "Post 1": TUE_9, "Post 2": MON_12}
    assert [p.text for p in queued_posts(workspace_of(free))] == ["Post 0", "Post 2", "Post 1"]
    assert set(PostTarget.objects.values_list("post__text", "scheduled_at")) == set(times(free).items())


def test_move_up_refuses_the_first_a_stranger_and_a_viewer(free: User) -> None:
    give_slots(free, "09:00", "12:00")
    first, second = queue_in(free, [create_account(free)], 2)
    before = times(free)
    with pytest.raises(Conflict, match="first in the queue"):
        move_up(owner(free), first.pk)
    other = make_user("gus", Tier.PRO)
    with pytest.raises(NotFound):
        move_up(owner(other), second.pk)
    viewer = join(make_user("hal", Tier.FREE), workspace_of(free), Role.VIEWER)
    with pytest.raises(RoleTooLow):
        move_up(viewer, second.pk)
    assert times(free) == before


def test_a_post_moved_off_its_slot_by_hand_leaves_the_queue(free: User) -> None:
    give_slots(free, "09:00", "12:00")
    first, second = queue_in(free, [create_account(free)], 2)
    reschedule_post(owner(free), second.pk, at=START.replace(hour=10))
    assert [p.pk for p in queued_posts(workspace_of(free))] == [first.pk]


@pytest.mark.parametrize("seed", range(6))
def test_shuffle_keeps_every_post_on_a_slot_within_the_daily_limit(free: User, seed: int) -> None:
    """Free: two posts per platform a day. Mastodon has three posts over two days and Bluesky one: no deal may put
    three Mastodon posts on Monday."""
    give_slots(free, "09:00", "12:00", "15:00")
    mastodon, bluesky = create_account(free), create_account(free, Platform.BLUESKY)
    queue_in(free, [mastodon], 2)  # Monday 09:00, 12:00
    add_to_queue(owner(free), draft(free, [bluesky], "Bluesky").pk)  # Monday 09:00 (Bluesky is free then)
    add_to_queue(owner(free), draft(free, [mastodon], "Late").pk)  # Tuesday 09:00
    before = times(free)
    held = set(CreditReservation.objects.filter(status=ReservationStatus.PENDING).values_list("target", "amount"))
    try:
        moved = shuffle_queue(owner(free), rng=random.Random(seed))
    except Conflict:
        moved = 0
    after = times(free)
    assert sorted(after.values()) == sorted(before.values())  # type: ignore[type-var]
    assert moved == sum(after[text] != before[text] for text in before)
    slots = {MON_9, MON_12, MON_15, TUE_9, TUE_9.replace(hour=12), TUE_9.replace(hour=15)}
    assert set(after.values()) <= slots
    per_day = Counter(
        (t.platform, t.scheduled_at.date()) for t in PostTarget.objects.all() if t.scheduled_at is not None
    )
    assert max(per_day.values()) <= 2
    mastodon_times = [after[t] for t in ("Post 0", "Post 1", "Late")]
    assert len(set(mastodon_times)) == 3  # one account never twice at one instant
    pending = set(CreditReservation.objects.filter(status=ReservationStatus.PENDING).values_list("target", "amount"))
    assert pending == held


def test_shuffle_needs_two_posts(free: User) -> None:
    give_slots(free, "09:00")
    queue_in(free, [create_account(free)], 1)
    with pytest.raises(Conflict, match="at least two posts"):
        shuffle_queue(owner(free))
    assert times(free) == {"Post 0": MON_9}


def test_shuffle_is_refused_to_a_contributor(free: User) -> None:
    give_slots(free, "09:00")
    queue_in(free, [create_account(free)], 2)
    before = times(free)
    contributor = join(make_user("ivy", Tier.FREE), workspace_of(free), Role.CONTRIBUTOR)
    with pytest.raises(RoleTooLow):
        shuffle_queue(contributor)
    assert times(free) == before


def test_shuffle_moves_posts_among_their_slots(db: None) -> None:
    pro = make_user("pat", Tier.PRO, time_zone="UTC")
    give_slots(pro, "09:00", "12:00", "15:00")
    queue_in(pro, [create_account(pro)], 3)
    before = times(pro)
    moved = shuffle_queue(owner(pro), rng=random.Random(1))
    after = times(pro)
    assert sorted(after.values()) == [MON_9, MON_12, MON_15]  # type: ignore[type-var]
    assert moved == sum(after[text] != before[text] for text in before)
    assert moved >= 2
