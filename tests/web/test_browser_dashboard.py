"""The dashboard, the bell and the Plan page in a real browser: what needs attention with working actions, the
charts drawn from the numbers the page carries, marking notifications read in the dropdown and on the page while
the bell's count follows, each notification leading to its page, and the Plan page's labels and way to upgrade;
at desktop and phone width, light and dark, each state checked with axe-core and for sideways scroll."""

import json
import time

import pytest

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.browser import check_page, log_in, needs_browser, shoot
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.accounts.services import dismiss_onboarding
from tidings.notifications.models import Notification, NotificationType
from tidings.notifications.services import notify
from tidings.platforms.models import Platform
from tidings.platforms.services import mark_reconnect_needed
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier
from tidings.workspaces.roles import Action

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]
expect = playwright.expect


def until(page: "playwright.Page", condition: str, *, seconds: float = 10) -> None:
    """Wait until a JavaScript condition holds, asked over the debugging protocol (a predicate that the page
    polls itself would be compiled from a string, which the page's CSP refuses)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(condition):
        assert time.monotonic() < deadline, f"still not true after {seconds} s: {condition}"
        page.wait_for_timeout(50)


def busy_free_user() -> tuple[User, dict[str, int]]:
    """A Free user with a bit of everything that needs attention: an account to reconnect, a failed post, a draft
    kept by a refusal, and four of five queue places taken."""
    fay = make_user("fay", Tier.FREE, time_zone="Europe/Lisbon")
    dismiss_onboarding(fay)
    mastodon = create_account(fay, Platform.MASTODON)
    bluesky = create_account(fay, Platform.BLUESKY)
    failed = bring_to(create_scheduled_post(fay, [mastodon], minutes=1, text="Went wrong").targets.get(), "failed")
    for day in range(1, 5):
        create_scheduled_post(fay, [mastodon], days=day, text=f"Planned for day {day}")
    mark_reconnect_needed(bluesky.pk, reason="Bluesky refused the saved sign-in.")
    kept = create_post(owner(fay), text="Launch day!", account_ids=[mastodon.pk])
    kept.draft_reason = "Your queue of scheduled posts is full: 5 of 5 used on the Free plan."
    kept.save(update_fields=["draft_reason"])
    return fay, {
        "failed": failed.pk,
        "failed_post": failed.post_id,
        "kept": kept.pk,
        "bluesky": bluesky.pk,
        "mastodon": mastodon.pk,
    }


def test_the_dashboard_says_what_needs_attention_and_draws_its_charts(
    page: "playwright.Page", live_server: object
) -> None:
    base = str(live_server)
    _, ids = busy_free_user()
    log_in(page, base, "fay")
    items = page.locator("[data-testid=attention-item]")
    assert [items.nth(n).get_attribute("data-kind") for n in range(items.count())] == [
        "reconnect",
        "failed",
        "draft",
        "queue",
    ]
    actions = page.locator("[data-testid=attention-action]")
    assert [actions.nth(n).get_attribute("href") for n in range(actions.count())] == [
        f"/connections/#account-{ids['bluesky']}",
        f"/queue/?post={ids['failed_post']}#target-{ids['failed']}",
        f"/posts/{ids['kept']}/edit/",
        "/queue/?show=scheduled",
    ]
    assert "Your queue is nearly full: 4 of 5 scheduled posts" in page.inner_text("[data-testid=attention]")

    # The charts are drawn (Chart.js owns each canvas) from the numbers in their json_script blocks.
    until(page, "!!(window.Chart && Chart.getChart('posts-chart') && Chart.getChart('credits-chart'))")
    per_day = json.loads(page.inner_text("#posts-per-day-data"))
    assert (per_day["missed_total"], per_day["scheduled_total"], per_day["published_total"]) == (1, 4, 0)
    drawn = page.evaluate("Chart.getChart('posts-chart').data.datasets.map(d => d.data.reduce((a, b) => a + b, 0))")
    assert drawn == [0, 1, 4]  # published, did not go out, scheduled
    credits = json.loads(page.inner_text("#credit-chart-data"))
    assert credits[0] == {"id": "credits", "used": 0, "reserved": 4, "available": 6}
    assert page.evaluate("Chart.getChart('credits-chart').data.datasets[0].data") == [0, 4, 6]
    assert page.inner_text("[data-testid=credits-available]") == "6"
    assert page.locator("[data-testid=next-up-item]").count() == 4
    check_page(page)
    shoot(page, "dashboard-attention")

    # Dark: the charts are drawn again in the dark theme's colours, and the page still reads.
    light_ticks = page.evaluate("Chart.getChart('posts-chart').options.scales.y.ticks.color")
    page.click("header [data-theme-toggle]")
    until(page, f"Chart.getChart('posts-chart').options.scales.y.ticks.color !== {json.dumps(light_ticks)}")
    page.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")  # the theme's colour transitions
    check_page(page)
    shoot(page, "dashboard-attention-dark")
    page.click("header [data-theme-toggle]")

    # An action leads where it says: the kept draft opens in the composer.
    page.click("[data-testid=attention-item][data-kind=draft] [data-testid=attention-action]")
    page.wait_for_url(f"{base}/posts/{ids['kept']}/edit/")


def test_the_dashboard_on_a_phone(phone: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    busy_free_user()
    log_in(phone, base, "fay")
    until(phone, "!!(window.Chart && Chart.getChart('posts-chart'))")
    assert phone.locator("[data-testid=attention-item]").count() == 4
    check_page(phone)
    shoot(phone, "dashboard-phone")
    phone.click(".bell:visible > a")
    phone.locator("[data-testid=menu-notification]").first.wait_for()
    check_page(phone)
    shoot(phone, "notifications-menu-phone")
    phone.click(".bell:visible [data-testid=menu-notification-link]")
    phone.wait_for_url(f"{base}/queue/**")
    phone.goto(f"{base}/notifications/")
    assert phone.locator("[data-testid=notification]").count() == 1
    check_page(phone)
    shoot(phone, "notifications-phone")


def test_the_bell_marks_read_and_its_count_drops(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    fay, ids = busy_free_user()
    # The failed post notified; a limit refusal and low credits add two more.
    notify(
        workspace_of(fay),
        audience=Action.SCHEDULE,
        type=NotificationType.TIER_LIMIT_REACHED,
        title="Plan limit reached",
        message="Your queue of scheduled posts is full: 5 of 5 used on the Free plan.",
        data={"check": "can_schedule", "limit_name": "queue_size"},
    )
    notify(
        workspace_of(fay),
        audience=Action.SCHEDULE,
        type=NotificationType.LOW_CREDITS,
        title="Credits are running low",
        message="2 of 10 left.",
    )
    log_in(page, base, "fay")
    badge = page.locator(".bell:visible [data-testid=unread-count]")
    assert badge.inner_text() == "3"

    page.click(".bell:visible > a")
    menu = page.locator(".bell:visible [data-testid=notifications-menu]")
    menu.wait_for()
    assert menu.locator("[data-testid=menu-notification]").count() == 3
    check_page(page)
    shoot(page, "notifications-menu")
    menu.locator("[data-testid=menu-mark-read]").first.click()
    expect(page.locator(".bell:visible [data-testid=unread-count]")).to_have_text("2")
    assert menu.locator("[data-testid=menu-mark-read]").count() == 2
    assert page.get_attribute(".bell:visible > a", "aria-expanded") == "true"  # the dropdown stays open

    menu.locator("[data-testid=menu-mark-all]").click()
    page.locator(".bell [data-testid=unread-count]").first.wait_for(state="detached")
    assert menu.locator("[data-testid=menu-mark-read]").count() == 0
    assert Notification.objects.filter(user=fay, read_at__isnull=True).count() == 0

    # Each one leads to what it is about.
    menu.locator("[data-testid=menu-notification-link]", has_text="Plan limit reached").click()
    page.wait_for_url(f"{base}/plan/#limit-queue_size")
    assert page.locator("#limit-queue_size").is_visible()
    page.goto(f"{base}/notifications/")
    page.locator("[data-testid=notification]", has_text="failed").locator("[data-testid=notification-link]").click()
    page.wait_for_url(f"{base}/queue/?post={ids['failed_post']}#target-{ids['failed']}")
    page.locator(f"#target-{ids['failed']}").wait_for()


def test_the_notifications_page_marks_read_in_place(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    fay, ids = busy_free_user()
    notify(
        workspace_of(fay),
        audience=Action.CONNECT,
        type=NotificationType.ACCOUNT_RECONNECT,
        title="Reconnect Bluesky @fay1",
        message="Bluesky refused the saved sign-in.",
        data={"account_id": ids["bluesky"], "platform": "bluesky"},
    )
    log_in(page, base, "fay")
    page.goto(f"{base}/notifications/")
    assert page.locator("[data-testid=unread-mark]").count() == 2
    check_page(page)
    shoot(page, "notifications-page")
    page.locator("[data-testid=notification]", has_text="Reconnect").locator("[data-testid=mark-read]").click()
    expect(page.locator("[data-testid=unread-mark]")).to_have_count(1)
    assert page.inner_text(".bell:visible [data-testid=unread-count]") == "1"
    page.click("[data-testid=mark-all-read]")
    page.locator(".bell [data-testid=unread-count]").first.wait_for(state="detached")
    check_page(page)

    page.locator("[data-testid=notification]", has_text="Reconnect").locator("[data-testid=notification-link]").click()
    page.wait_for_url(f"{base}/connections/#account-{ids['bluesky']}")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_plan_page_names_every_limit_and_the_way_to_upgrade(
    request: pytest.FixtureRequest, live_server: object, settings: object, width: str
) -> None:
    settings.TIDINGS_UPGRADE_URL = "https://billing.example.org/plans"  # type: ignore[attr-defined]
    view: playwright.Page = request.getfixturevalue("page" if width == "desktop" else "phone")
    base = str(live_server)
    busy_free_user()
    log_in(view, base, "fay")
    view.goto(f"{base}/plan/")
    labels = view.locator("[data-testid=usage-label]").all_inner_texts()
    values = view.locator("[data-testid=usage-value]").all_inner_texts()
    assert list(zip(labels, values, strict=True)) == [
        ("Scheduled posts in the queue", "4 of 5"),
        ("AI generations today", "0 of 5"),
        ("Automation rules switched on", "Not in the Free plan"),
        ("Posts to Bluesky today", "0 of 2"),
        ("Posts to Mastodon today", "0 of 2"),
        ("Bluesky accounts connected", "1 of 1"),
        ("Mastodon accounts connected", "1 of 1"),
    ]
    assert view.locator("[data-testid=limit-row]").count() == 9
    assert view.get_attribute("[data-testid=upgrade-button]", "href") == "https://billing.example.org/plans"
    assert "TIDINGS_" not in view.content()
    check_page(view)
    shoot(view, f"plan-{width}")
