"""Every page of the web app, in a real browser, at desktop and phone width and in both themes: axe-core finds no
serious or critical accessibility problem, nothing sticks out past the right edge, and the keyboard reaches the
navigation. The journeys of each area test what the pages do; this walks them all with one user who has a bit of
everything, so a page nobody's journey visits is checked too."""

import pytest

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.browser import check_page, log_in, needs_browser, shoot
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.automation.services import save_rule
from tidings.library.services import create_hashtag_group, create_snippet
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.platforms.models import Platform
from tidings.posts.models import Post, TargetStatus
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier
from tidings.workspaces.roles import Action

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]

SIGNED_OUT = ["/", "/login/", "/signup/", "/password-reset/"]


def a_user_with_everything() -> tuple[User, dict[str, Post]]:
    """A Pro user with two accounts, a draft, scheduled, published and failed posts, a rule and a notification."""
    user = make_user("walt", Tier.PRO, time_zone="America/New_York", email="walt@example.com")
    mastodon, bluesky = create_account(user, Platform.MASTODON), create_account(user, Platform.BLUESKY)
    draft = create_post(owner(user), text="A draft to finish later.", account_ids=[mastodon.pk])
    scheduled = create_scheduled_post(user, [mastodon, bluesky], text="Going out tomorrow.", days=1)
    published = create_scheduled_post(user, [mastodon], text="This one went out.", days=2)
    bring_to(published.targets.get(), TargetStatus.PUBLISHED)
    failed = create_scheduled_post(user, [bluesky], text="This one failed.", days=3)
    bring_to(failed.targets.get(), TargetStatus.FAILED, reason="Bluesky answered 400: the text is too long.")
    save_rule(
        owner(user), name="Weekly tips", schedule="0 9 * * 1", brief={"topic": "Coffee tips"}, account_ids=[mastodon.pk]
    )
    notify(
        workspace_of(user),
        audience=Action.SCHEDULE,
        type=NotificationType.POST_FAILED,
        title="A post failed",
        message="Bluesky answered 400: the text is too long.",
    )
    create_snippet(owner(user), name="Sign-off", text="Brewed with care, see you soon.")
    create_hashtag_group(owner(user), name="Coffee", hashtags=["#coffee", "#espresso"])
    return user, {"draft": draft, "scheduled": scheduled, "published": published, "failed": failed}


def signed_in_pages(posts: dict[str, Post]) -> list[str]:
    return [
        "/dashboard/",
        "/compose/",
        f"/posts/{posts['draft'].pk}/edit/",
        f"/posts/{posts['published'].pk}/edit/",
        "/queue/",
        "/calendar/",
        "/generate/",
        "/generate/provider/",
        "/automation/",
        "/automation/new/",
        "/connections/",
        "/analytics/",
        f"/connections/accounts/{posts['draft'].targets.get().account_id}/tagging/",
        "/library/",
        "/plan/",
        "/settings/",
        "/notifications/",
        "/api/v1/tokens/ui/",
    ]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_page_is_accessible_and_fits(request: pytest.FixtureRequest, live_server: object, width: str) -> None:
    page = request.getfixturevalue("page" if width == "desktop" else "phone")
    base = str(live_server)
    for url in SIGNED_OUT:
        page.goto(base + url)
        check_page(page)
    user, posts = a_user_with_everything()
    User.objects.filter(pk=user.pk).update(is_staff=True)
    log_in(page, base, "walt")
    for url in [*signed_in_pages(posts), "/ops/"]:
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
        check_page(page)
    shoot(page, f"every-page-last-{width}")


def test_every_page_in_the_dark_theme(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    _, posts = a_user_with_everything()
    log_in(page, base, "walt")
    page.click("[data-theme-toggle] >> visible=true")
    assert page.evaluate("document.documentElement.dataset.bsTheme") == "dark"
    for url in signed_in_pages(posts):
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
        # The choice holds from page to page.
        assert page.evaluate("document.documentElement.dataset.bsTheme") == "dark"
        check_page(page)
    page.goto(base + "/dashboard/")
    shoot(page, "dashboard-dark")


def test_the_keyboard_reaches_the_content_and_the_menu(phone: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    a_user_with_everything()
    log_in(phone, base, "walt")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    phone.keyboard.press("Enter")
    assert phone.evaluate("location.hash") == "#main"
    # On a phone the sections sit behind the menu button, which opens from the keyboard.
    phone.focus("button.navbar-toggler")
    phone.keyboard.press("Enter")
    queue = phone.locator("#sidebar-menu a", has_text="Queue")
    queue.wait_for(state="visible")
    queue.focus()
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"{base}/queue/")
    assert phone.locator("#sidebar-menu .nav-item.active").inner_text().strip() == "Queue"
