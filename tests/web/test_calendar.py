"""The calendar's feed and its drag to a new time, through Django's test client: wall-clock times in the user's
zone, only the user's own posts, one query, and every refusal of the forms with nothing changed."""

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.credits import hold_credits
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.platforms.models import Platform
from tidings.posts.lifecycle import TRANSITIONS, sources_of
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import cancel_post, create_post, schedule_post, unschedule_post
from tidings.tiers.plans import Tier
from tidings.web.calendar import DRAGGABLE
from tidings.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
S = TargetStatus


def local_day(days: int, zone: ZoneInfo = TOKYO) -> date:
    return (datetime.now(zone) + timedelta(days=days)).date()


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = TOKYO) -> datetime:
    """UTC for a wall-clock time in `zone`."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


def scheduled(user: User, accounts: list, when: datetime, text: str = "Hello") -> Post:
    post = create_post(owner(user), text=text, account_ids=[a.pk for a in accounts])
    return schedule_post(owner(user), post.pk, at=when)


def feed(client: Client, first: date, last: date) -> list[dict]:
    """What FullCalendar on "UTC" asks for: the days' wall-clock bounds, marked Z."""
    response = client.get(f"/calendar/events/?start={first}T00:00:00Z&end={last}T00:00:00Z&timeZone=UTC")
    assert response.status_code == 200
    return response.json()


def drop(client: Client, target: PostTarget, local: str) -> tuple[int, dict]:
    response = client.post(f"/calendar/targets/{target.pk}/move/", {"at": local})
    return response.status_code, response.json()


@pytest.fixture
def tom(db: None) -> User:
    """On Pro, in Tokyo: nine hours ahead of UTC, so a wall-clock day and a UTC day differ."""
    return make_user("tom", Tier.PRO, time_zone="Asia/Tokyo")


def test_the_feed_gives_each_target_at_its_wall_clock_time_in_the_users_zone(client: Client, tom: User) -> None:
    bluesky, mastodon = create_account(tom, Platform.BLUESKY), create_account(tom, Platform.MASTODON)
    day = local_day(3)
    both = scheduled(tom, [mastodon, bluesky], at(day, 9, 30), text="Spring   release\nis out")
    late = scheduled(tom, [bluesky], at(day, 23, 45), text="x" * 130)
    # 00:30 the next morning in Tokyo is still `day` in UTC: it belongs to the next day's square.
    scheduled(tom, [mastodon], at(day + timedelta(days=1), 0, 30), text="Tomorrow")
    sent = scheduled(tom, [mastodon], at(day, 12), text="Went out")
    bring_to(sent.targets.get(), S.PUBLISHED)
    cancelled = scheduled(tom, [mastodon], at(day, 13), text="Cancelled")
    cancel_post(owner(tom), cancelled.pk)
    client.force_login(tom)

    entries = feed(client, day, day + timedelta(days=1))

    b, m = both.targets.get(account=bluesky), both.targets.get(account=mastodon)
    published = sent.targets.get()
    expected = [
        {
            "id": str(b.pk),
            "title": "@tom1 · Spring release is out",
            "start": f"{day}T09:30:00",
            "url": f"/posts/{both.pk}/edit/",
            "startEditable": True,
            "classNames": ["entry", "entry-bluesky", "entry-scheduled"],
            "extendedProps": {
                "post": both.pk,
                "account": "@tom1",
                "platform": "bluesky",
                "platformName": "Bluesky",
                "icon": "brand-bluesky",
                "status": "scheduled",
                "statusLabel": "Scheduled",
                "text": "Spring release is out",
            },
            "groupId": f"{both.pk}-waiting",
        },
        {
            "id": str(m.pk),
            "title": "@tom1 · Spring release is out",
            "start": f"{day}T09:30:00",
            "url": f"/posts/{both.pk}/edit/",
            "startEditable": True,
            "classNames": ["entry", "entry-mastodon", "entry-scheduled"],
            "extendedProps": {
                "post": both.pk,
                "account": "@tom1",
                "platform": "mastodon",
                "platformName": "Mastodon",
                "icon": "brand-mastodon",
                "status": "scheduled",
                "statusLabel": "Scheduled",
                "text": "Spring release is out",
            },
            "groupId": f"{both.pk}-waiting",
        },
        {
            "id": str(published.pk),
            "title": "@tom1 · Went out",
            "start": f"{day}T12:00:00",
            "url": f"/queue/?post={sent.pk}#post-{sent.pk}",
            "startEditable": False,
            "classNames": ["entry", "entry-mastodon", "entry-published"],
            "extendedProps": {
                "post": sent.pk,
                "account": "@tom1",
                "platform": "mastodon",
                "platformName": "Mastodon",
                "icon": "brand-mastodon",
                "status": "published",
                "statusLabel": "Published",
                "text": "Went out",
            },
        },
    ]
    assert entries[:3] == expected
    assert len(entries) == 5
    # A cancelled post can be scheduled again, from the composer or by a drag.
    off = cancelled.targets.get()
    assert (entries[3]["id"], entries[3]["groupId"], entries[3]["startEditable"]) == (
        str(off.pk),
        f"{cancelled.pk}-ready",
        True,
    )
    assert (entries[3]["url"], entries[3]["classNames"][2]) == (f"/posts/{cancelled.pk}/edit/", "entry-cancelled")
    assert entries[4]["id"] == str(late.targets.get().pk)
    assert entries[4]["start"] == f"{day}T23:45:00"
    assert entries[4]["extendedProps"]["text"] == "x" * 119 + "…"


def test_the_feed_never_shows_another_users_posts(client: Client, tom: User, bob: User) -> None:
    day = local_day(2)
    mine = scheduled(tom, [create_account(tom)], at(day, 10), text="Mine")
    scheduled(bob, [create_account(bob)], at(day, 10), text="Bob's")
    client.force_login(tom)
    assert [e["extendedProps"]["text"] for e in feed(client, day, day + timedelta(days=1))] == ["Mine"]

    client.force_login(bob)
    assert [e["extendedProps"]["text"] for e in feed(client, day, day + timedelta(days=1))] == ["Bob's"]
    status, answer = drop(client, mine.targets.get(), f"{day + timedelta(days=1)}T10:00")
    assert (status, answer["error"]["message"]) == (404, "No such post.")
    assert mine.targets.get().scheduled_at == at(day, 10)


def test_the_feed_reads_a_busy_month_in_one_query(client: Client, carol: User) -> None:
    accounts = [create_account(carol, Platform.BLUESKY), create_account(carol, Platform.MASTODON)]
    first = local_day(1, workspace_of(carol).zone)
    client.force_login(carol)

    def queries() -> int:
        client.get("/calendar/")  # the session is read before counting
        with CaptureQueriesContext(connection) as run:
            feed(client, first, first + timedelta(days=42))
        return len(run)

    scheduled(carol, accounts, at(first, 9, zone=workspace_of(carol).zone))
    few = queries()
    for n in range(1, 30):
        scheduled(carol, accounts, at(first + timedelta(days=n), 9, zone=workspace_of(carol).zone))
    assert len(feed(client, first, first + timedelta(days=42))) == 60
    assert queries() == few


@pytest.mark.parametrize(
    "query",
    [
        "",
        "start=2026-01-01",
        "start=soon&end=later",
        "start=2026-02-01&end=2026-01-01",
        "start=2026-01-01&end=2026-04-01",
    ],
)
def test_the_feed_refuses_a_range_it_cannot_read(client: Client, tom: User, query: str) -> None:
    client.force_login(tom)
    response = client.get(f"/calendar/events/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Give start and end as dates at most 62 days apart."


def test_dragging_an_entry_to_another_day_reschedules_its_post_at_that_wall_clock_time(
    client: Client, tom: User
) -> None:
    accounts = [create_account(tom, Platform.BLUESKY), create_account(tom, Platform.MASTODON)]
    day = local_day(2)
    post = scheduled(tom, accounts, at(day, 9, 30))
    held = set(CreditReservation.objects.filter(target__post=post).values_list("pk", "status"))
    client.force_login(tom)

    later = day + timedelta(days=3)
    status, answer = drop(client, post.targets.first(), f"{later}T09:30")

    assert status == 200
    year = "" if later.year == datetime.now(TOKYO).year else f" {later.year}"
    assert answer == {"message": f"Moved to {later:%a} {later.day} {later:%b}{year}, 09:30."}
    assert {t.scheduled_at for t in post.targets.all()} == {at(later, 9, 30)}
    assert set(post.targets.values_list("status", flat=True)) == {S.SCHEDULED}
    assert set(CreditReservation.objects.filter(target__post=post).values_list("pk", "status")) == held


def test_a_draft_with_a_time_is_scheduled_where_it_is_dropped(client: Client, tom: User) -> None:
    day = local_day(2)
    post = scheduled(tom, [create_account(tom)], at(day, 9))
    unschedule_post(owner(tom), post.pk)
    target = post.targets.get()
    client.force_login(tom)
    assert feed(client, day, day + timedelta(days=1))[0]["startEditable"] is True

    status, answer = drop(client, target, f"{day}T18:00")

    assert status == 200
    assert answer["message"].startswith("Scheduled for ")
    target.refresh_from_db()
    assert (target.status, target.scheduled_at) == (S.SCHEDULED, at(day, 18))


@pytest.mark.parametrize("ended", [S.FAILED, S.SKIPPED])
def test_an_entry_that_did_not_go_out_is_scheduled_again_where_it_is_dropped(
    client: Client, tom: User, ended: str
) -> None:
    post = create_scheduled_post(tom, [create_account(tom)])
    target = bring_to(post.targets.get(), ended)
    client.force_login(tom)
    day = local_day(4)

    status, answer = drop(client, target, f"{day}T08:15")

    assert status == 200
    assert answer["message"].startswith("Scheduled for ")
    target.refresh_from_db()
    assert (target.status, target.scheduled_at, target.dispatch_round) == (S.SCHEDULED, at(day, 8, 15), 1)
    assert CreditReservation.objects.filter(target=target, status=ReservationStatus.PENDING).count() == 1


def refused(client: Client, target: PostTarget, local: str) -> tuple[int, str]:
    """Drop, and check the refusal changed nothing: the time, the state, the credits."""
    before = PostTarget.objects.values_list("status", "scheduled_at").get(pk=target.pk)

    def available() -> int:  # read fresh: the balance as it is now
        return available_credits(Workspace.objects.get(pk=target.post.workspace_id))

    credits = available()
    pending = CreditReservation.objects.filter(status=ReservationStatus.PENDING).count()
    status, answer = drop(client, target, local)
    assert PostTarget.objects.values_list("status", "scheduled_at").get(pk=target.pk) == before
    assert available() == credits
    assert CreditReservation.objects.filter(status=ReservationStatus.PENDING).count() == pending
    return status, answer["error"]["message"]


def test_a_drop_in_the_past_is_refused(client: Client, tom: User) -> None:
    post = scheduled(tom, [create_account(tom)], at(local_day(2), 9))
    client.force_login(tom)
    yesterday = local_day(-1)
    assert refused(client, post.targets.get(), f"{yesterday}T09:00") == (
        400,
        "The scheduled time is in the past; pick a time from now on.",
    )


def test_a_drop_in_the_hour_daylight_saving_skips_is_refused(client: Client) -> None:
    lisbon = make_user("lena", Tier.PRO, time_zone="Europe/Lisbon")
    post = create_scheduled_post(lisbon, [create_account(lisbon)], days=1)
    client.force_login(lisbon)
    # Europe's clocks go forward at 01:00 UTC on the last Sunday of March: 01:30 does not happen in Lisbon.
    year = timezone.now().year + (1 if timezone.now().month > 3 else 0)
    sunday = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    assert refused(client, post.targets.get(), f"{sunday}T01:30") == (
        400,
        f"{sunday} 01:30 does not exist in Europe/Lisbon: the clocks skip it for daylight saving time. "
        "Pick a time outside the skipped hour.",
    )


def test_a_drop_onto_a_full_day_is_refused_with_the_next_day_that_has_room(client: Client, alice: User) -> None:
    account = create_account(alice, Platform.MASTODON)
    zone = workspace_of(alice).zone
    full = local_day(3, zone)
    for hour in (9, 12):
        scheduled(alice, [account], at(full, hour, zone=zone))
    moving = scheduled(alice, [account], at(full + timedelta(days=1), 9, zone=zone))
    client.force_login(alice)
    status, message = refused(client, moving.targets.get(), f"{full}T15:00")
    assert status == 403
    assert message == (
        f"Posts to Mastodon on {full:%A %d %B %Y} are at the daily limit: 2 of 2 used on the Free plan. "
        f"The next day with room is {full + timedelta(days=1):%A %d %B %Y}."
    )


def test_a_draft_dropped_without_credits_to_pay_for_it_stays_a_draft(client: Client, alice: User) -> None:
    post = scheduled(
        alice, [create_account(alice)], at(local_day(2, workspace_of(alice).zone), 9, zone=workspace_of(alice).zone)
    )
    unschedule_post(owner(alice), post.pk)
    hold_credits(alice, available_credits(workspace_of(alice)))
    client.force_login(alice)
    status, message = refused(client, post.targets.get(), f"{local_day(3, workspace_of(alice).zone)}T09:00")
    assert status == 402
    assert message.startswith("Not enough credits: 0 available, 1 needed.")


def test_an_entry_that_went_out_keeps_its_time(client: Client, tom: User) -> None:
    post = create_scheduled_post(tom, [create_account(tom)])
    target = bring_to(post.targets.get(), S.PUBLISHED)
    client.force_login(tom)
    assert refused(client, target, f"{local_day(3)}T09:00") == (409, "A post that is published keeps its time.")


def test_a_drop_without_a_time_is_refused(client: Client, tom: User) -> None:
    post = create_scheduled_post(tom, [create_account(tom)])
    client.force_login(tom)
    assert refused(client, post.targets.get(), "tomorrow") == (400, "Give the new time as a date and time.")


def test_only_states_that_can_reach_scheduled_are_draggable() -> None:
    reaching = {S.SCHEDULED, S.DRAFT, S.FAILED, S.SKIPPED, S.CANCELLED, S.AWAITING_APPROVAL}
    assert {S.SCHEDULED} | sources_of(S.SCHEDULED) == reaching
    # A post waiting for approval reaches "scheduled" by being approved, not by a drop: it keeps its place.
    draggable = set(DRAGGABLE)
    assert draggable == {S.SCHEDULED, S.DRAFT, S.FAILED, S.SKIPPED, S.CANCELLED}
    for state in DRAGGABLE - {S.SCHEDULED}:
        assert S.SCHEDULED in TRANSITIONS[state]


def test_the_page_opens_the_view_and_day_asked_for(client: Client, tom: User) -> None:
    client.force_login(tom)

    def config(query: str) -> dict:
        page = client.get(f"/calendar/{query}").content.decode()
        raw = page.split('<script id="calendar-config" type="application/json">')[1].split("</script>")[0]
        return json.loads(raw)

    assert config("?view=week&date=2027-02-03") == {
        "events": "/calendar/events/",
        "move": "/calendar/targets/{id}/move/",
        "compose": "/compose/",
        "zone": "Asia/Tokyo",
        "view": "week",
        "date": "2027-02-03",
        "sprite": "/static/vendor/tabler-icons/sprite.svg",
    }
    assert (config("?view=year&date=soon")["view"], config("?view=year&date=soon")["date"]) == ("", "")
