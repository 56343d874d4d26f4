"""The queue in a real browser, at desktop and phone width: bulk actions, a failed and a skipped post moved to
tomorrow, back to drafts, a duplicate with its files, 200 posts a page at a time, and filters in the address."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.browser import DESKTOP, PHONE, check_page, log_in, needs_browser, shoot
from tests.support.queue import png, post_in, todays_limit_used
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.platforms.models import Platform
from tidings.posts.media import attach_media
from tidings.posts.models import MediaAsset, Post, PostTarget, TargetStatus
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]


def checked_at_both_widths(page: "playwright.Page", name: str) -> None:
    """The page as it is, checked and photographed at desktop and phone width."""
    check_page(page)
    shoot(page, name)
    page.set_viewport_size(PHONE)
    check_page(page)
    shoot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def card(page: "playwright.Page", post: Post) -> "playwright.Locator":
    return page.locator(f"#post-{post.pk}")


def status_of(page: "playwright.Page", post: Post) -> list[str]:
    return card(page, post).locator("[data-testid=target-status]").all_inner_texts()


def pending(user: User) -> int:
    return CreditReservation.objects.filter(workspace=workspace_of(user), status=ReservationStatus.PENDING).count()


def tomorrow_field(user: User, hour: int = 10) -> str:
    at = (timezone.now().astimezone(workspace_of(user).zone) + timedelta(days=1)).replace(hour=hour, minute=0)
    return at.strftime("%Y-%m-%dT%H:%M")


def test_bulk_reschedule_to_drafts_and_delete(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    alice = make_user("alice", Tier.FREE, time_zone="Europe/Lisbon")
    account = create_account(alice)
    posts = [create_scheduled_post(alice, [account], text=f"Tip {n}", days=n + 2) for n in range(3)]
    draft = create_post(owner(alice), text="An idea", account_ids=[account.pk])
    log_in(page, base, "alice")
    page.goto(f"{base}/queue/")
    bar = page.locator("[data-queue-bulk]")
    expect(bar.get_by_role("button", name="To drafts")).to_be_disabled()
    checked_at_both_widths(page, "queue")

    page.get_by_label("Select all on this page").check()
    assert bar.locator("[data-queue-count]").inner_text() == "4 selected"
    bar.locator(".dropdown-toggle").click()
    page.fill("#bulk-when", tomorrow_field(alice))
    check_page(page)
    with page.expect_navigation(url=f"{base}/queue/"):
        bar.get_by_role("button", name="Reschedule selected").click()

    assert page.inner_text("#toasts") == "2 of 4 posts rescheduled; 2 could not be: see why below."
    lines = page.locator("[data-testid=bulk-line]")
    assert lines.count() == 4
    report = page.inner_text("[data-testid=bulk-report]")
    assert "“Tip 0”: Rescheduled for" in report
    assert "“Tip 1”: Rescheduled for" in report
    assert "“Tip 2”: Posts to Mastodon on" in report
    assert "“An idea”: Posts to Mastodon on" in report
    assert "are at the daily limit" in report
    checked_at_both_widths(page, "queue-bulk-report")
    tomorrow = [p.targets.get().scheduled_at for p in posts]
    assert tomorrow[0] == tomorrow[1] != tomorrow[2]
    assert PostTarget.objects.get(post=draft).status == TargetStatus.DRAFT

    card(page, posts[0]).get_by_role("checkbox").check()
    card(page, posts[1]).get_by_role("checkbox").check()
    assert bar.locator("[data-queue-count]").inner_text() == "2 selected"
    with page.expect_navigation(url=f"{base}/queue/"):
        bar.get_by_role("button", name="To drafts").click()
    assert page.inner_text("#toasts") == "2 of 2 posts moved to drafts."
    assert status_of(page, posts[0]) == ["Draft"]
    assert pending(alice) == 1

    for post in (posts[0], draft):
        card(page, post).get_by_role("checkbox").check()
    bar.get_by_role("button", name="Delete").click()
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    assert dialog.locator("[data-confirm-title]").inner_text() == "Delete 2 posts?"
    check_page(page)
    shoot(page, "queue-bulk-delete")
    dialog.get_by_role("button", name="Keep it").click()
    dialog.wait_for(state="hidden")
    assert Post.objects.filter(workspace=workspace_of(alice)).count() == 4

    bar.get_by_role("button", name="Delete").click()
    with page.expect_navigation(url=f"{base}/queue/"):
        dialog.get_by_role("button", name="Delete").click()
    assert page.inner_text("#toasts") == "2 of 2 posts deleted."
    assert set(Post.objects.filter(workspace=workspace_of(alice)).values_list("text", flat=True)) == {"Tip 1", "Tip 2"}


def test_a_failed_and_a_skipped_post_move_to_tomorrow(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    alice = make_user("alice", Tier.FREE, time_zone="Europe/Lisbon")
    account = create_account(alice)
    skipped = post_in(alice, account, "skipped", text="Skipped by the day's limit", days=1)
    failed = post_in(alice, account, "failed", text="Refused by the platform", days=2)
    todays_limit_used(alice, account)
    log_in(page, base, "alice")
    page.goto(f"{base}/queue/?show=problems")
    checked_at_both_widths(page, "queue-problems")

    # Retry means now, and today is full: refused, with the reason.
    with page.expect_navigation(url=f"{base}/queue/?show=problems"):
        card(page, skipped).get_by_role("button", name="Retry").click()
    assert "are at the daily limit: 2 of 2 used on the Free plan" in page.inner_text("#toasts")
    assert status_of(page, skipped) == ["Skipped"]
    page.locator("#toasts").get_by_role("button", name="Close").click()

    for post in (skipped, failed):
        box = card(page, post)
        box.locator(".dropdown-toggle", has_text="Reschedule").click()
        field = box.get_by_label(f"New time ({workspace_of(alice).time_zone})")
        tomorrow = (timezone.now().astimezone(workspace_of(alice).zone) + timedelta(days=1)).date().isoformat()
        assert field.input_value().startswith(tomorrow)
        check_page(page)
        with page.expect_navigation(url=f"{base}/queue/?show=problems"):
            box.locator(".queue-picker button[type=submit]").click()
        assert page.inner_text("#toasts") == "Rescheduled."

    page.goto(f"{base}/queue/?show=scheduled")
    assert status_of(page, skipped) == ["Scheduled"]
    assert status_of(page, failed) == ["Scheduled"]
    checked_at_both_widths(page, "queue-rescheduled")
    for post in (skipped, failed):
        target = post.targets.get()
        assert (target.status, target.dispatch_round, target.error) == (TargetStatus.SCHEDULED, 1, "")
        assert target.scheduled_at is not None
        assert target.scheduled_at.astimezone(workspace_of(alice).zone).date() == timezone.now().astimezone(
            workspace_of(alice).zone
        ).date() + (timedelta(days=1))
    assert pending(alice) == 2


def test_to_drafts_is_offered_where_it_does_something(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    bob = make_user("bob", Tier.PRO, time_zone="Europe/Lisbon")
    account = create_account(bob)
    waiting = create_scheduled_post(bob, [account], text="Waiting")
    published = post_in(bob, account, "published", text="Already out")
    log_in(page, base, "bob")
    page.goto(f"{base}/queue/")

    card(page, published).get_by_role("button", name="More for this post").click()
    menu = card(page, published).locator(".dropdown-menu.show")
    assert menu.get_by_role("button").all_inner_texts() == ["Duplicate", "Delete"]
    check_page(page)
    page.keyboard.press("Escape")

    card(page, waiting).get_by_role("button", name="More for this post").click()
    with page.expect_navigation(url=f"{base}/queue/"):
        card(page, waiting).get_by_role("button", name="To drafts").click()
    assert page.inner_text("#toasts") == "Moved back to drafts; its credits are back."
    assert status_of(page, waiting) == ["Draft"]
    assert card(page, waiting).locator(".dropdown-toggle").inner_text() == "Schedule"
    assert pending(bob) == 0
    checked_at_both_widths(page, "queue-to-drafts")


def test_duplicate_keeps_the_files_and_their_descriptions(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    bob = make_user("bob", Tier.PRO, time_zone="Europe/Lisbon")
    original = post_in(bob, create_account(bob, Platform.BLUESKY), "scheduled", text="Two pictures")
    attach_media(owner(bob), original.pk, uploads=[png("#d63939"), png("#2fb344")], alt_text="A red and a green square")
    log_in(page, base, "bob")
    page.goto(f"{base}/queue/")
    assert card(page, original).locator("[data-testid=thumb] img").count() == 2

    card(page, original).get_by_role("button", name="More for this post").click()
    card(page, original).get_by_role("button", name="Duplicate").click()
    copy = Post.objects.exclude(pk=original.pk).get()
    page.wait_for_url(f"{base}/queue/?show=drafts#post-{copy.pk}")

    assert page.inner_text("#toasts") == "Duplicated as a new draft, with its 2 files."
    thumbs = card(page, copy).locator("[data-testid=thumb] img")
    assert thumbs.count() == 2
    assert [thumbs.nth(i).get_attribute("alt") for i in range(2)] == ["A red and a green square"] * 2
    # Each picture loads from its own stored copy.
    assert all(
        page.evaluate("(img) => img.complete && img.naturalWidth === 64", thumbs.nth(i).element_handle())
        for i in range(2)
    )
    originals = set(MediaAsset.objects.filter(post=original).values_list("file", flat=True))
    assert originals.isdisjoint(MediaAsset.objects.filter(post=copy).values_list("file", flat=True))
    assert status_of(page, copy) == ["Draft"]
    checked_at_both_widths(page, "queue-duplicate")


def test_two_hundred_posts_page_by_page_soonest_first(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    carol = make_user("carol", Tier.BUSINESS, time_zone="Europe/Lisbon")
    account = create_account(carol)
    for n in range(200):
        create_scheduled_post(carol, [account], text=f"Post {n}", days=n // 40, minutes=60 + n)
    log_in(page, base, "carol")
    page.goto(f"{base}/queue/")
    texts = page.locator("[data-testid=post-text]")
    assert texts.first.inner_text() == "Post 0"
    assert texts.count() == 20
    assert page.inner_text("[data-testid=page-summary]") == "1 to 20 of 200 posts"

    page.get_by_role("link", name="Page 2").click()
    page.wait_for_url(f"{base}/queue/?page=2")
    page.locator("[data-testid=post-text]", has_text="Post 20").wait_for()
    assert texts.first.inner_text() == "Post 20"
    assert page.inner_text("[data-testid=page-summary]") == "21 to 40 of 200 posts"
    checked_at_both_widths(page, "queue-page-2")
    page.get_by_role("link", name="Page 10").click()
    page.wait_for_url(f"{base}/queue/?page=10")
    page.locator("[data-testid=post-text]", has_text="Post 199").wait_for()

    page.go_back()
    page.wait_for_url(f"{base}/queue/?page=2")
    page.locator("[data-testid=post-text]", has_text="Post 20").wait_for()
    page.go_back()
    page.wait_for_url(f"{base}/queue/")
    page.locator("[data-testid=post-text]", has_text="Post 0").first.wait_for()
    assert texts.first.inner_text() == "Post 0"


def test_filters_and_search_live_in_the_address(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    bob = make_user("bob", Tier.PRO, time_zone="Europe/Lisbon")
    mastodon, bluesky = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    spring = create_scheduled_post(bob, [mastodon], text="Spring sale starts Monday", days=1)
    summer = create_scheduled_post(bob, [bluesky], text="Summer hours", days=2)
    idea = create_post(owner(bob), text="Spring idea for later", account_ids=[bluesky.pk])
    log_in(page, base, "bob")
    page.goto(f"{base}/queue/")

    page.fill("#queue-search", "spring")
    page.wait_for_url(f"{base}/queue/?q=spring")
    page.locator(f"#post-{summer.pk}").wait_for(state="detached")
    assert page.locator("[data-testid=post-row]").count() == 2
    assert page.input_value("#queue-search") == "spring"
    checked_at_both_widths(page, "queue-search")

    page.select_option("#queue-platform", "bluesky")
    page.wait_for_url(f"{base}/queue/?platform=bluesky&q=spring")
    page.locator(f"#post-{spring.pk}").wait_for(state="detached")
    assert page.locator("[data-testid=post-row]").count() == 1
    card(page, idea).wait_for()

    page.get_by_test_id("tab-scheduled").click()
    page.wait_for_url(f"{base}/queue/?show=scheduled&platform=bluesky&q=spring")
    page.get_by_text("No posts match").wait_for()
    checked_at_both_widths(page, "queue-no-match")

    # Shared or reloaded, the address opens the same view.
    page.reload()
    assert page.input_value("#queue-search") == "spring"
    assert page.input_value("#queue-platform") == "bluesky"
    assert page.get_by_test_id("tab-scheduled").get_attribute("aria-current") == "page"

    page.go_back()
    page.wait_for_url(f"{base}/queue/?platform=bluesky&q=spring")
    card(page, idea).wait_for()
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url(f"{base}/queue/")
    assert page.locator("[data-testid=post-row]").count() == 3
