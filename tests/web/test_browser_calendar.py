"""The calendar in a real browser whose own zone (Los Angeles) is not the user's (Tokyo): entries sit at the
user's wall-clock times, a drag reschedules through the same checks as the forms (a refusal puts the entry back
and says why), a click on a free time opens the composer there, and it works at phone width and in the dark."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import create_account, make_user
from tests.support.browser import DESKTOP, PHONE, check_page, log_in, needs_browser, open_page, shoot
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.models import Platform
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]
TOKYO = ZoneInfo("Asia/Tokyo")
DEVICE_ZONE = "America/Los_Angeles"


@pytest.fixture
def away(browser: "playwright.Browser") -> Iterator["playwright.Page"]:
    """A desktop browser on Los Angeles time."""
    yield from open_page(browser, DESKTOP, timezone_id=DEVICE_ZONE)


@pytest.fixture
def away_phone(browser: "playwright.Browser") -> Iterator["playwright.Page"]:
    yield from open_page(browser, PHONE, timezone_id=DEVICE_ZONE)


def today() -> date:
    return datetime.now(TOKYO).date()


def tokyo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO).astimezone(UTC)


def post_at(user: User, account: object, when: datetime, text: str) -> Post:
    post = create_post(owner(user), text=text, account_ids=[account.pk])  # type: ignore[attr-defined]
    return schedule_post(owner(user), post.pk, at=when)


def open_month(page: "playwright.Page", base: str) -> None:
    # Yesterday's month shows yesterday and the next four days, whatever day of the month it is.
    page.goto(f"{base}/calendar/?view=month&date={today() - timedelta(days=1)}")
    page.locator(".fc-dayGridMonth-view").wait_for()
    page.wait_for_function("document.getElementById('calendar').getAttribute('aria-busy') === 'false'")


def cell(page: "playwright.Page", day: date) -> "playwright.Locator":
    return page.locator(f"td.fc-daygrid-day[data-date='{day}']")


def drag(page: "playwright.Page", entry: "playwright.Locator", onto: "playwright.Locator") -> None:
    """Press, move in small steps as a hand does (FullCalendar starts a drag past a few pixels), release."""
    start, end = entry.bounding_box(), onto.bounding_box()
    assert start is not None
    assert end is not None
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 6, y + 6, steps=3)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] - 8, steps=12)
    page.mouse.up()


def toast(page: "playwright.Page", text: str) -> "playwright.Locator":
    found = page.locator("#toasts .toast", has_text=text)
    found.wait_for()
    return found


def test_dragging_an_entry_reschedules_it_and_a_refused_drop_puts_it_back(
    away: "playwright.Page", live_server: object
) -> None:
    base = str(live_server)
    yuki = make_user("yuki", Tier.FREE, time_zone="Asia/Tokyo")
    account = create_account(yuki, Platform.MASTODON)
    first, full, free = (today() + timedelta(days=n) for n in (1, 2, 3))
    moving = post_at(yuki, account, tokyo(first, 10, 30), "Launch day thread").targets.get()
    # Free allows two posts a platform a day: this day is full.
    post_at(yuki, account, tokyo(full, 9), "Morning note")
    post_at(yuki, account, tokyo(full, 12), "Noon note")
    log_in(away, base, "yuki")
    open_month(away, base)

    entry = cell(away, first).locator("[data-testid=entry]", has_text="Launch day thread")
    assert "10:30" in entry.inner_text()
    assert away.locator("[data-testid=calendar-zone]").inner_text().strip().startswith("Times in Asia/Tokyo")
    assert away.locator(".fc-day-today").get_attribute("data-date") == str(today())
    shoot(away, "calendar-month")
    check_page(away)

    drag(away, entry, cell(away, full))
    refusal = toast(away, "are at the daily limit")
    assert f"The next day with room is {free:%A %d %B %Y}." in refusal.inner_text()
    cell(away, first).locator("[data-testid=entry]", has_text="Launch day thread").wait_for()
    assert cell(away, full).locator("[data-testid=entry]").count() == 2
    shoot(away, "calendar-refused")
    refusal.locator(".btn-close").click()

    drag(
        away,
        cell(away, first).locator("[data-testid=entry]", has_text="Launch day thread"),
        cell(away, today() - timedelta(days=1)),
    )
    toast(away, "The scheduled time is in the past; pick a time from now on.")
    cell(away, first).locator("[data-testid=entry]", has_text="Launch day thread").wait_for()
    assert PostTarget.objects.values_list("status", "scheduled_at").get(pk=moving.pk) == (
        TargetStatus.SCHEDULED,
        tokyo(first, 10, 30),
    )

    drag(away, cell(away, first).locator("[data-testid=entry]", has_text="Launch day thread"), cell(away, free))
    toast(away, "Moved to ")
    cell(away, free).locator("[data-testid=entry]", has_text="Launch day thread").wait_for()
    assert cell(away, first).locator("[data-testid=entry]").count() == 0
    moving.refresh_from_db()
    # 10:30 in Tokyo that day, whatever the browser's own clock says.
    assert (moving.status, moving.scheduled_at) == (TargetStatus.SCHEDULED, tokyo(free, 10, 30))
    shoot(away, "calendar-moved")


def test_month_week_and_agenda_and_a_click_on_a_free_time_opens_the_composer_there(
    away: "playwright.Page", live_server: object
) -> None:
    base = str(live_server)
    tom = make_user("tom", Tier.PRO, time_zone="Asia/Tokyo")
    account = create_account(tom, Platform.BLUESKY)
    soon = today() + timedelta(days=1)
    post_at(tom, account, tokyo(soon, 9, 15), "Week view entry")
    log_in(away, base, "tom")
    away.goto(f"{base}/calendar/?view=month&date={soon}")
    away.locator(".fc-dayGridMonth-view").wait_for()

    away.click("[data-calendar-view=week]")
    away.locator(".fc-timeGridWeek-view").wait_for()
    expect(away.locator("[data-calendar-view=week]")).to_have_attribute("aria-pressed", "true")
    week_entry = away.locator(f".fc-timegrid-col[data-date='{soon}'] [data-testid=entry]")
    assert "09:15" in week_entry.inner_text()
    assert "view=week" in away.url
    shoot(away, "calendar-week")
    check_page(away)

    away.click("[data-calendar-view=agenda]")
    away.locator(".fc-listWeek-view").wait_for()
    row = away.locator(".fc-list-event", has_text="Week view entry")
    assert "09:15" in row.inner_text()
    assert "Scheduled" in row.inner_text()
    shoot(away, "calendar-agenda")
    check_page(away)

    away.evaluate("localStorage.setItem('tidings-theme', 'dark')")
    away.reload()
    away.locator(".fc-listWeek-view").wait_for()
    assert away.get_attribute("html", "data-bs-theme") == "dark"
    shoot(away, "calendar-agenda-dark")
    check_page(away)
    away.evaluate("localStorage.setItem('tidings-theme', 'light')")

    away.click("[data-calendar-view=week]")
    away.locator(".fc-timeGridWeek-view").wait_for()
    column = away.locator(f".fc-timegrid-col[data-date='{soon}']").bounding_box()
    slot = away.locator(".fc-timegrid-slot-lane[data-time='14:00:00']")
    slot.scroll_into_view_if_needed()
    lane = slot.bounding_box()
    assert column is not None
    assert lane is not None
    away.mouse.click(column["x"] + column["width"] / 2, lane["y"] + lane["height"] / 2)
    away.wait_for_url(f"{base}/compose/?at={soon}T14%3A00")
    assert away.input_value("#id_when") == f"{soon}T14:00"

    away.goto(f"{base}/calendar/?view=month&date={soon}")
    later = soon + timedelta(days=1)
    free_day = cell(away, later).bounding_box()
    assert free_day is not None
    away.mouse.click(free_day["x"] + free_day["width"] / 2, free_day["y"] + free_day["height"] - 10)
    away.wait_for_url(f"{base}/compose/?at={later}T09%3A00")
    assert away.input_value("#id_when") == f"{later}T09:00"


def test_on_a_phone_the_calendar_opens_as_an_agenda(away_phone: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    tom = make_user("tom", Tier.PRO, time_zone="Asia/Tokyo")
    post_at(tom, create_account(tom, Platform.LINKEDIN), tokyo(today() + timedelta(days=1), 18), "On the go")
    log_in(away_phone, base, "tom")
    away_phone.goto(f"{base}/calendar/")
    away_phone.locator(".fc-listWeek-view").wait_for()
    if today().weekday() != 6:  # tomorrow is in this week's agenda
        away_phone.locator(".fc-list-event", has_text="On the go").wait_for()
    expect(away_phone.locator("[data-calendar-view=agenda]")).to_have_attribute("aria-pressed", "true")
    shoot(away_phone, "calendar-phone")
    check_page(away_phone)

    away_phone.click("[data-calendar-view=month]")
    away_phone.locator(".fc-dayGridMonth-view").wait_for()
    shoot(away_phone, "calendar-phone-month")
    check_page(away_phone)
    away_phone.click("[data-calendar-view=week]")
    away_phone.locator(".fc-timeGridWeek-view").wait_for()
    check_page(away_phone)
