"""The next free slot: the earliest slot every chosen account shares, free on each of them, on a day with room under
each platform's daily limit; across a clock change, in the workspace's zone; with a clear refusal when there is none."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.conftest import create_account, make_user
from tests.planning.conftest import draft, give_slots
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.planning.errors import NoFreeSlot
from tidings.planning.finder import next_free_slot
from tidings.planning.services import add_to_queue
from tidings.platforms.models import Platform
from tidings.posts.services import schedule_post
from tidings.tiers.plans import Tier
from tidings.workspaces.models import Workspace

# Saturday 7 March 2026, 07:00 in New York: the clocks go forward early tomorrow.
START = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(START, tick=False):
        yield


def in_zone(user: User, zone: str) -> Workspace:
    Workspace.objects.filter(personal_owner=user).update(time_zone=zone)
    return workspace_of(user)


@pytest.fixture
def nina(db: None) -> User:
    """On Free (two posts per platform a day), in New York."""
    user = make_user("nina", Tier.FREE)
    in_zone(user, "America/New_York")
    return user


def test_a_slot_in_the_skipped_hour_goes_out_when_the_clock_resumes(nina: User) -> None:
    account = create_account(nina)
    give_slots(nina, "02:30", days=range(6, 7))  # Sundays only
    assert next_free_slot(workspace_of(nina), [account]) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_a_slot_in_the_repeated_hour_takes_the_first(db: None) -> None:
    user = make_user("omar", Tier.PRO)
    workspace = in_zone(user, "America/New_York")
    account = create_account(user)
    give_slots(user, "01:30", days=range(6, 7))
    found = next_free_slot(workspace, [account], after=datetime(2026, 10, 31, 12, 0, tzinfo=UTC))
    assert found == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "after", "slot", "weekday", "expected"),
    [
        ("Europe/London", datetime(2026, 3, 28, tzinfo=UTC), "01:30", 6, datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 10, 24, tzinfo=UTC), "01:30", 6, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("Europe/Berlin", datetime(2026, 3, 28, tzinfo=UTC), "02:30", 6, datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        ("Europe/Berlin", datetime(2026, 10, 24, tzinfo=UTC), "02:30", 6, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("Australia/Sydney", datetime(2026, 10, 3, tzinfo=UTC), "02:30", 6, datetime(2026, 10, 3, 16, 0, tzinfo=UTC)),
        ("Australia/Sydney", datetime(2026, 4, 4, tzinfo=UTC), "02:30", 6, datetime(2026, 4, 4, 15, 30, tzinfo=UTC)),
    ],
)
def test_both_2026_changes_in_each_zone(
    db: None, zone: str, after: datetime, slot: str, weekday: int, expected: datetime
) -> None:
    user = make_user("pia", Tier.PRO)
    workspace = in_zone(user, zone)
    account = create_account(user)
    give_slots(user, slot, days=range(weekday, weekday + 1))
    assert next_free_slot(workspace, [account], after=after) == expected


def test_two_slots_that_meet_in_the_gap_are_one_slot(nina: User) -> None:
    """02:30 and 03:00 on the spring-forward Sunday are both 03:00: the second post waits a week."""
    account = create_account(nina)
    give_slots(nina, "02:30", "03:00", days=range(6, 7))
    first = add_to_queue(owner(nina), draft(nina, [account]).pk)
    assert first.scheduled_at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert next_free_slot(workspace_of(nina), [account]) == datetime(2026, 3, 15, 6, 30, tzinfo=UTC)


def test_a_day_at_its_limit_is_skipped(nina: User) -> None:
    """Free allows two posts per platform a day: the third goes to the next day's first slot."""
    account = create_account(nina)
    give_slots(nina, "09:00", "12:00", "15:00")
    times = [add_to_queue(owner(nina), draft(nina, [account], f"Post {i}").pk).scheduled_at for i in range(3)]
    assert times == [
        datetime(2026, 3, 7, 14, 0, tzinfo=UTC),  # Saturday 09:00 EST
        datetime(2026, 3, 7, 17, 0, tzinfo=UTC),  # Saturday 12:00
        datetime(2026, 3, 8, 13, 0, tzinfo=UTC),  # Sunday 09:00 EDT, not Saturday 15:00
    ]


def test_a_post_published_today_counts_against_the_day(nina: User) -> None:
    """Posts scheduled by hand count too: two on Saturday already, so the queue starts on Sunday."""
    account = create_account(nina)
    give_slots(nina, "15:00")
    for hours in (1, 2):
        schedule_post(owner(nina), draft(nina, [account]).pk, at=START + timedelta(hours=hours))
    assert next_free_slot(workspace_of(nina), [account]) == datetime(2026, 3, 8, 19, 0, tzinfo=UTC)


def test_a_slot_one_account_holds_is_not_free_for_a_post_to_both(nina: User) -> None:
    mastodon, bluesky = create_account(nina), create_account(nina, Platform.BLUESKY)
    give_slots(nina, "09:00", "12:00")
    add_to_queue(owner(nina), draft(nina, [mastodon]).pk)  # Saturday 09:00 on Mastodon only
    assert next_free_slot(workspace_of(nina), [bluesky]) == datetime(2026, 3, 7, 14, 0, tzinfo=UTC)
    assert next_free_slot(workspace_of(nina), [mastodon, bluesky]) == datetime(2026, 3, 7, 17, 0, tzinfo=UTC)


def test_an_account_with_its_own_slots_shares_only_those(nina: User) -> None:
    mastodon, bluesky = create_account(nina), create_account(nina, Platform.BLUESKY)
    give_slots(nina, "09:00", "12:00")  # the workspace's
    give_slots(nina, "12:00", "18:00", account=bluesky)
    workspace = workspace_of(nina)
    assert next_free_slot(workspace, [mastodon]) == datetime(2026, 3, 7, 14, 0, tzinfo=UTC)
    assert next_free_slot(workspace, [bluesky]) == datetime(2026, 3, 7, 17, 0, tzinfo=UTC)
    assert next_free_slot(workspace, [mastodon, bluesky]) == datetime(2026, 3, 7, 17, 0, tzinfo=UTC)


def test_a_slot_already_past_today_is_not_offered(nina: User) -> None:
    account = create_account(nina)
    give_slots(nina, "06:00")  # 11:00 UTC, an hour ago
    assert next_free_slot(workspace_of(nina), [account]) == datetime(2026, 3, 8, 10, 0, tzinfo=UTC)


def test_no_schedule_is_refused_with_the_way_to_set_one(nina: User) -> None:
    account = create_account(nina)
    with pytest.raises(NoFreeSlot) as refused:
        next_free_slot(workspace_of(nina), [account])
    assert refused.value.message == (
        f"{account} has no posting slots yet. Set a posting schedule to add posts to the queue."
    )
    assert refused.value.details == {"settings_url": "/settings/schedule/"}


def test_accounts_without_a_common_time_are_refused(nina: User) -> None:
    mastodon, bluesky = create_account(nina), create_account(nina, Platform.BLUESKY)
    give_slots(nina, "09:00", account=mastodon)
    give_slots(nina, "10:00", account=bluesky)
    with pytest.raises(NoFreeSlot, match="share no slot time"):
        next_free_slot(workspace_of(nina), [mastodon, bluesky])


def test_a_full_horizon_is_refused(nina: User, settings: object) -> None:
    setattr(settings, "TIDINGS_MAX_SCHEDULE_DAYS", 1)  # noqa: B010
    account = create_account(nina)
    give_slots(nina, "09:00", days=range(2, 3))  # Wednesdays: none within a day
    with pytest.raises(NoFreeSlot, match="Every slot in the next 1 days"):
        next_free_slot(workspace_of(nina), [account])
