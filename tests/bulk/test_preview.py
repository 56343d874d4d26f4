"""The preview catches every kind of problem a row can have, counting the plan's limits across the whole file, and
changes nothing."""

from datetime import time
from zoneinfo import ZoneInfo

import pytest

from tests.bulk.conftest import csv_file, in_lisbon
from tests.conftest import create_account, create_scheduled_post
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.bulk.services import preview_import
from tidings.credits.models import CreditReservation
from tidings.credits.services import adjust_credits
from tidings.planning.services import add_slot
from tidings.platforms.models import Platform
from tidings.posts.models import Post
from tidings.workspaces.roles import RoleTooLow

pytestmark = pytest.mark.django_db


def reasons(user: User, *rows: dict[str, str]) -> list[str]:
    return [v.reason for v in preview_import(owner(user), data=csv_file(*rows))]


def test_each_kind_of_problem_is_named_on_its_row(alice: User, bob: User) -> None:
    in_lisbon(alice)
    mine = create_account(alice)
    create_account(alice, Platform.LINKEDIN, n=2)
    theirs = create_account(bob)
    got = reasons(
        alice,
        {"text": "Fine", "accounts": "@alice1", "scheduled_at": "2027-03-02 09:00"},
        {"text": "Nobody", "accounts": "@nobody", "scheduled_at": "2027-03-03 09:00"},
        {"text": "Bob's", "accounts": str(theirs.pk), "scheduled_at": "2027-03-03 09:00"},
        {"text": "When?", "accounts": "@alice1", "scheduled_at": "tomorrow"},
        {"text": "Gap", "accounts": "@alice1", "scheduled_at": "2027-03-28 01:30"},
        {"text": "Past", "accounts": "@alice1", "scheduled_at": "2027-02-01 09:00"},
        {"text": "x" * 3001, "accounts": "@alice2", "scheduled_at": "2027-03-04 09:00"},
        {"text": "Local", "accounts": "@alice1", "media_urls": "http://127.0.0.1/a.png"},
        {"text": "Link", "accounts": "@alice1", "link": "javascript:alert(1)"},
        {"text": "Slot", "accounts": "@alice1", "scheduled_at": "next slot"},
        {"text": "A draft", "accounts": str(mine.pk)},
    )
    assert got == [
        "",
        "No connected account @nobody in this workspace.",
        f"No connected account {theirs.pk} in this workspace.",
        "'tomorrow' is not a time; write YYYY-MM-DD HH:MM in Europe/Lisbon, “next slot”, or leave it empty for a "
        "draft.",
        "2027-03-28 01:30 does not exist in Europe/Lisbon: the clocks skip it for daylight saving time. Pick a time "
        "outside the skipped hour.",
        "The scheduled time is in the past; pick a time from now on.",
        "LinkedIn @alice2: The post is 3001 characters long; LinkedIn allows 3000. Shorten it.",
        "The media address http://127.0.0.1/a.png is refused: 127.0.0.1 is on this machine or a private network, "
        "which this server does not call.",
        "The link javascript:alert(1) is not a web address (http:// or https://).",
        "Mastodon @alice1 has no posting slots yet. Set a posting schedule to add posts to the queue.",
        "",
    ]
    assert not Post.objects.exists()
    assert not CreditReservation.objects.exists()


def test_an_hour_that_happens_twice_is_refused(alice: User) -> None:
    in_lisbon(alice)
    create_account(alice)
    assert reasons(alice, {"text": "Twice", "accounts": "@alice1", "scheduled_at": "2027-10-31 01:30"}) == [
        "2027-10-31 01:30 happens twice in Europe/Lisbon as the clocks go back. Pick a time outside that hour."
    ]


def test_a_free_day_counts_existing_posts_and_the_rows_above(alice: User) -> None:
    """Free allows two posts a day per platform: one already planned for 2 March, one row more fits, the third
    does not, and the next day is open again."""
    in_lisbon(alice)
    account = create_account(alice)
    create_scheduled_post(alice, [account], days=1, minutes=-60)  # 2 March 09:00 UTC, 09:00 in Lisbon
    before = CreditReservation.objects.count()
    got = reasons(
        alice,
        {"text": "Second", "accounts": "@alice1", "scheduled_at": "2027-03-02 12:00"},
        {"text": "Third", "accounts": "@alice1", "scheduled_at": "2027-03-02 18:00"},
        {"text": "Next day", "accounts": "@alice1", "scheduled_at": "2027-03-03 12:00"},
    )
    assert got == [
        "",
        "Posts to Mastodon on Tuesday 02 March 2027 are at the daily limit: 1 of 2 used on the Free plan. The next "
        "day with room is Wednesday 03 March 2027. The rows above in this file add 1.",
        "",
    ]
    assert Post.objects.count() == 1
    assert CreditReservation.objects.count() == before


def test_the_queue_and_the_credits_are_counted_for_the_whole_file(alice: User) -> None:
    in_lisbon(alice)
    create_account(alice)
    rows = [{"text": f"Day {d}", "accounts": "@alice1", "scheduled_at": f"2027-03-{d:02d} 12:00"} for d in range(2, 8)]
    got = reasons(alice, *rows)
    assert got[:5] == ["", "", "", "", ""]
    assert got[5] == (
        "Your queue of scheduled posts is full: 0 of 5 used on the Free plan. The rows above in this file add 5."
    )
    adjust_credits(workspace_of(alice), amount=-8, reason="Test: two credits left")
    got = reasons(alice, *rows[:3])
    assert got == ["", "", "Not enough credits: 0 left after the rows above, 1 needed."]


def test_a_handle_on_two_platforms_must_name_its_platform(carol: User) -> None:
    create_account(carol, Platform.MASTODON)
    create_account(carol, Platform.BLUESKY)
    got = reasons(
        carol,
        {"text": "Which?", "accounts": "@carol1"},
        {"text": "This one", "accounts": "bluesky:@carol1|mastodon:@carol1"},
    )
    assert got == ["@carol1 is the handle of several accounts; write it as platform:handle (mastodon:@carol1).", ""]


def test_a_viewer_may_not_import(alice: User, bob: User) -> None:
    viewer = join(bob, workspace_of(alice), "viewer")
    with pytest.raises(RoleTooLow):
        preview_import(viewer, data=csv_file({"text": "x", "accounts": "@alice1"}))


def test_next_slot_rows_take_the_schedules_slots_in_turn(bob: User) -> None:
    """Each "next slot" row takes the next slot free on its accounts, after those the rows above took."""
    in_lisbon(bob)
    create_account(bob)
    for weekday in range(7):
        add_slot(owner(bob), account_id=None, weekday=weekday, at=time(9, 0))
    rows = [{"text": f"Row {n}", "accounts": "@bob1", "scheduled_at": "next slot"} for n in range(3)]
    verdicts = preview_import(owner(bob), data=csv_file(*rows))
    assert [v.reason for v in verdicts] == ["", "", ""]
    times = [v.at for v in verdicts]
    assert times == sorted(times)
    assert len(set(times)) == 3
    assert all(t is not None and t.astimezone(ZoneInfo("Europe/Lisbon")).hour == 9 for t in times)
