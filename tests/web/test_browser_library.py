"""Snippets, hashtags and link tagging in a real browser: a snippet and a hashtag group made on the library page and
inserted at the cursor in the composer (by mouse and by keyboard), an account set to tag its links and the
composer's preview showing them tagged; the same pages at phone width."""

import pytest

from tests.conftest import create_account, make_user
from tests.support.browser import check_page, log_in, needs_browser, shoot
from tidings.library.models import Snippet
from tidings.platforms.models import Platform
from tidings.posts.models import Post
from tidings.tagging.models import AccountTagging
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]


def test_a_snippet_and_hashtags_go_in_at_the_cursor(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    make_user("nina", Tier.PRO)
    log_in(page, base, "nina")
    page.goto(f"{base}/library/")
    check_page(page)
    page.fill("#id_snippet-name", "Sign-off")
    page.fill("#id_snippet-text", "See you at the bakery!")
    with page.expect_navigation(url=f"{base}/library/#snippets"):
        page.get_by_role("button", name="Add snippet").click()
    page.fill("#id_group-name", "Bread")
    page.fill("#id_group-hashtags", "#bread sourdough")
    with page.expect_navigation(url=f"{base}/library/#hashtags"):
        page.get_by_role("button", name="Add group").click()
    expect(page.get_by_test_id("hashtag-group")).to_contain_text("#bread #sourdough")
    assert Snippet.objects.get().text == "See you at the bakery!"
    shoot(page, "library")

    account = create_account(Snippet.objects.get().author, Platform.MASTODON)  # type: ignore[arg-type]
    page.goto(f"{base}/compose/")
    text = page.locator("#id_text")
    text.fill("Fresh loaves. Come early")
    text.evaluate("field => field.setSelectionRange(13, 13)")  # the cursor after "Fresh loaves."
    page.get_by_test_id("insert-toggle").click()
    page.get_by_test_id("insert-menu").get_by_role("button", name="Sign-off").click()
    expect(text).to_have_value("Fresh loaves. See you at the bakery! Come early")
    expect(text).to_be_focused()

    # By keyboard: Enter opens the menu, the arrows move through it, Enter inserts.
    text.press("End")
    page.get_by_test_id("insert-toggle").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_test_id("insert-hashtags")).to_be_focused()
    page.keyboard.press("Enter")
    expect(text).to_have_value("Fresh loaves. See you at the bakery! Come early #bread #sourdough")
    preview = page.get_by_test_id("preview-text").first
    expect(preview).to_contain_text("Come early #bread #sourdough")
    check_page(page)

    # Into an account's own text: the field written in last takes it.
    page.click(f"#tab-{account.pk}-button")
    own = page.locator(f"#override-{account.pk}")
    own.fill("Mastodon only:")
    page.get_by_test_id("insert-toggle").click()
    page.get_by_test_id("insert-menu").get_by_role("button", name="Bread").click()
    expect(own).to_have_value("Mastodon only: #bread #sourdough")
    expect(text).to_have_value("Fresh loaves. See you at the bakery! Come early #bread #sourdough")


def test_an_account_tags_its_links_and_the_preview_shows_them(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    nina = make_user("nina", Tier.PRO)
    account = create_account(nina, Platform.MASTODON)
    log_in(page, base, "nina")
    page.goto(f"{base}/connections/")
    page.get_by_test_id(f"account-{account.pk}").get_by_test_id("link-tagging").click()
    page.wait_for_url(f"{base}/connections/accounts/{account.pk}/tagging/")
    check_page(page)
    page.check("#id_enabled")
    page.fill("#id_campaign", "spring menu")
    with page.expect_navigation(url=f"{base}/connections/"):
        page.get_by_test_id("save-tagging").click()
    expect(page.locator(".toast").first).to_contain_text(f"Links in posts to {account} are tagged.")
    assert AccountTagging.objects.get(account=account).campaign == "spring menu"

    page.goto(f"{base}/compose/")
    page.fill("#id_text", "Our menu: https://example.com/menu")
    utm = "utm_source=mastodon&utm_medium=social&utm_campaign=spring+menu"
    preview = page.get_by_test_id("preview-text").first
    expect(preview).to_contain_text(f"Our menu: https://example.com/menu?{utm}")
    expect(page.get_by_test_id("tagged-accounts")).to_contain_text(f"Tagged by default: {account}")

    # This post turns it off: the preview shows the link as written, and the post keeps it so.
    page.locator("[data-testid=link-tagging] summary").click()
    page.get_by_test_id("utm-mode-off").check()
    expect(preview).to_have_text("Our menu: https://example.com/menu")
    check_page(page)
    shoot(page, "composer-link-tagging")
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    post = Post.objects.get()
    assert (post.text, post.tagging.mode) == ("Our menu: https://example.com/menu", "off")


def test_the_library_tagging_and_insert_menu_fit_a_phone(phone: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    nina = make_user("nina", Tier.PRO)
    account = create_account(nina, Platform.MASTODON)
    log_in(phone, base, "nina")
    phone.goto(f"{base}/library/")
    phone.fill("#id_snippet-name", "A rather long name for a snippet that goes on and on")
    phone.fill(
        "#id_snippet-text", "https://example.com/a-very-long-address-that-would-push-the-page-sideways-on-a-phone"
    )
    with phone.expect_navigation(url=f"{base}/library/#snippets"):
        phone.get_by_role("button", name="Add snippet").click()
    check_page(phone)
    phone.goto(f"{base}/library/snippets/{Snippet.objects.get().pk}/")
    check_page(phone)
    phone.goto(f"{base}/connections/accounts/{account.pk}/tagging/")
    check_page(phone)
    phone.goto(f"{base}/compose/")
    phone.get_by_test_id("insert-toggle").click()
    expect(phone.get_by_test_id("insert-menu")).to_be_visible()
    check_page(phone)
    phone.keyboard.press("Escape")
    phone.locator("[data-testid=link-tagging] summary").click()
    check_page(phone)
    shoot(phone, "composer-link-tagging-phone")
