"""The account journeys in a real browser: sign up and the first-run checklist (the time zone from the browser),
connecting a webhook and sending it a test, resetting a forgotten password from the emailed link, changing the
email, downloading the data, disconnecting with the list of posts it affects, and deleting the account; at desktop
and phone width, each page checked with axe-core and for sideways scroll."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.browser import PASSWORD, check_page, log_in, needs_browser, shoot
from tests.support.fake_platform import FakePlatform
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.posts.models import TargetStatus
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch, settings: object) -> Iterator[FakePlatform]:
    """A webhook receiver on the loopback, which the server may call in this test (and over plain http)."""
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")
    settings.TIDINGS_ALLOW_HTTP_WEBHOOKS = True  # type: ignore[attr-defined]
    receiver = FakePlatform(secret="a signing secret of some length").start()
    yield receiver
    receiver.stop()


@pytest.fixture
def in_kolkata(browser: "playwright.Browser") -> Iterator["playwright.Page"]:
    """A desktop browser whose clock is in India, where Chromium reports the zone by its old name, Asia/Calcutta."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="Asia/Kolkata", locale="en-IN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_sign_up_then_the_checklist_then_a_webhook_that_answers_a_test(
    in_kolkata: "playwright.Page",
    live_server: object,
    settings: object,
    hook: FakePlatform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = in_kolkata
    monkeypatch.delenv("TIDINGS_AI_PROVIDER", raising=False)
    settings.TIDINGS_SIGNUP = "open"  # type: ignore[attr-defined]
    base = str(live_server)
    page.goto(f"{base}/")
    check_page(page)
    page.click("[data-testid=cta-signup]")
    page.wait_for_url(f"{base}/signup/")
    check_page(page)
    page.fill("#id_username", "priya")
    page.fill("#id_email", "priya@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/getting-started/")
    priya = User.objects.get(username="priya")
    assert (workspace_of(priya).time_zone, priya.time_zone_confirmed_at) == ("Asia/Kolkata", None)

    step = page.locator("[data-testid=onboarding-step-time_zone]")
    assert step.get_attribute("data-done") == "false"
    assert page.inner_text("[data-testid=onboarding-progress]") == "0 of 4 done"
    shoot(page, "onboarding")
    check_page(page)
    with page.expect_navigation(url=f"{base}/getting-started/"):
        page.click("[data-testid=confirm-time-zone]")
    assert "Time zone set to Asia/Kolkata." in page.inner_text("#toasts")
    assert step.get_attribute("data-done") == "true"
    priya.refresh_from_db()
    assert (workspace_of(priya).time_zone, priya.time_zone_confirmed_at is not None) == ("Asia/Kolkata", True)

    page.click("[data-testid=onboarding-step-connect] a")
    page.wait_for_url(f"{base}/connections/")
    check_page(page)
    page.click("[data-testid=platform-webhook] a")
    page.wait_for_url(f"{base}/connections/webhook/credentials/")
    check_page(page)
    page.fill("#id_name", "Priya's site")
    page.fill("#id_url", hook.url)
    page.fill("#id_secret", hook.secret)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/connections/")
    account = SocialAccount.objects.get(workspace=workspace_of(priya), platform=Platform.WEBHOOK)
    card = page.locator(f"[data-testid=account-{account.pk}]")
    assert card.locator("[data-testid=account-state]").inner_text() == "Active"

    card.locator("[data-testid=send-test]").click()
    result = card.locator("[data-testid=test-result]")
    result.wait_for()
    assert result.get_attribute("data-ok") == "true"
    assert "The webhook answered 200 in" in result.inner_text()
    [received] = hook.posts.values()
    assert (received.signature_ok, received.body["test"]) == (True, True)
    shoot(page, "connections-webhook-test")
    check_page(page)

    page.goto(f"{base}/getting-started/")
    assert page.locator("[data-testid=onboarding-step-connect]").get_attribute("data-done") == "true"
    with page.expect_navigation(url=f"{base}/getting-started/"):
        page.click("[data-testid=onboarding-dismiss]")
    priya.refresh_from_db()
    assert priya.onboarding_dismissed_at is not None


def test_a_forgotten_password_is_reset_from_the_emailed_link(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    make_user("rosa", Tier.FREE, email="rosa@example.com")
    page.goto(f"{base}/login/")
    check_page(page)
    page.click("[data-testid=forgot-password]")
    page.wait_for_url(f"{base}/password-reset/")
    # Our layout, not the admin's.
    assert page.locator("a.navbar-brand", has_text="Tidings").count() == 1
    assert page.locator("#site-name").count() == 0
    check_page(page)
    shoot(page, "password-reset")
    page.fill("#id_email", "rosa@example.com")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/password-reset/sent/")
    assert "a link to choose a new password is on its way" in page.inner_text("[data-testid=reset-sent]")
    check_page(page)

    assert mail.outbox[-1].subject == "Tidings: choose a new password"
    link = re.search(r"http://\S+/password-reset/\S+/", mail.outbox[-1].body)
    assert link is not None
    page.goto(link.group(0))
    page.locator("[data-testid=reset-form]").wait_for()
    check_page(page)
    new = "a brand new horse battery"
    page.fill("#id_new_password1", new)
    page.fill("#id_new_password2", new)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/password-reset/done/")
    check_page(page)
    page.click("text=Log in")
    page.fill("#id_username", "rosa")
    page.fill("#id_password", new)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/")

    # The link worked once.
    page.goto(link.group(0))
    assert "This link does not work" in page.inner_text("h1")
    check_page(page)


def test_settings_change_the_zone_and_the_email_export_and_delete(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    vera = make_user("vera", Tier.PRO, email="vera@example.com", time_zone="UTC")
    account = create_account(vera, Platform.MASTODON)
    create_scheduled_post(vera, [account], text="Going out on Friday", days=2)
    log_in(page, base, "vera")

    page.goto(f"{base}/settings/")
    check_page(page)
    # The searchable list: type a city, pick it.
    page.click(".ts-wrapper .ts-control")
    page.keyboard.type("Tokyo")
    page.locator(".ts-dropdown .option", has_text="Asia/Tokyo").click()
    page.fill("#id_first_name", "Vera")
    with page.expect_navigation(url=f"{base}/settings/"):
        page.click("[data-testid=profile-form] button[type=submit]")
    vera.refresh_from_db()
    assert (workspace_of(vera).time_zone, vera.first_name) == ("Asia/Tokyo", "Vera")
    # The browser is in Lisbon: the page offers it.
    page.locator("[data-zone-suggest]").wait_for()
    page.click("[data-use-browser-zone]")
    with page.expect_navigation(url=f"{base}/settings/"):
        page.click("[data-testid=profile-form] button[type=submit]")
    vera.refresh_from_db()
    assert workspace_of(vera).time_zone == "Europe/Lisbon"
    shoot(page, "settings")

    page.goto(f"{base}/settings/sign-in/")
    check_page(page)
    page.fill("#id_new_email", "vera@new.example")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation(url=f"{base}/settings/sign-in/"):
        page.click("[data-testid=email-form] button[type=submit]")
    assert "We sent a link to vera@new.example." in page.inner_text("#toasts")
    link = re.search(r"http://\S+/settings/email/confirm/\S+/", mail.outbox[-1].body)
    assert link is not None
    page.goto(link.group(0))
    page.wait_for_url(f"{base}/settings/sign-in/")
    assert page.inner_text("[data-testid=current-email]") == "vera@new.example"

    page.goto(f"{base}/settings/data/")
    check_page(page)
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    exported = json.loads(Path(download.value.path()).read_text())
    assert [p["text"] for p in exported["posts"]] == ["Going out on Friday"]
    assert exported["profile"]["email"] == "vera@new.example"

    page.goto(f"{base}/settings/delete/")
    assert "1 scheduled post does not go out." in page.inner_text("[data-testid=closing]")
    check_page(page)
    shoot(page, "settings-delete")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=delete-account]")
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for()
    assert "Delete your account for good?" in dialog.inner_text()
    dialog.locator("[data-confirm-go]").click()
    page.wait_for_url(f"{base}/")
    assert "Your account and everything in it were deleted." in page.inner_text("#toasts")
    assert not User.objects.filter(username="vera").exists()


def test_disconnect_asks_first_and_lists_the_posts_it_affects(phone: "playwright.Page", live_server: object) -> None:
    page = phone
    base = str(live_server)
    walt = make_user("walt", Tier.PRO)
    account = create_account(walt, Platform.MASTODON)
    for day in (1, 2):
        create_scheduled_post(walt, [account], text=f"Scheduled for day {day}", days=day)
    log_in(page, base, "walt")
    page.goto(f"{base}/connections/")
    check_page(page)
    shoot(page, "connections-phone")
    page.click(f"[data-testid=account-{account.pk}] [data-testid=disconnect]")
    dialog = page.locator(f"#disconnect-{account.pk}")
    dialog.locator("[data-testid=disconnect-affects]").wait_for()
    assert "2 scheduled posts go to this account." in dialog.inner_text()
    assert dialog.locator("[data-testid=affected-post]").all_inner_texts()[0].startswith("Scheduled for day 1")
    check_page(page)
    shoot(page, "disconnect-dialog-phone")
    # Changing one's mind keeps it.
    dialog.locator("text=Keep it").click()
    dialog.wait_for(state="hidden")
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE

    page.click(f"[data-testid=account-{account.pk}] [data-testid=disconnect]")
    with page.expect_navigation(url=f"{base}/connections/"):
        dialog.locator("[data-testid=confirm-disconnect]").click()
    assert "Its 2 scheduled posts stay in the queue until their time" in page.inner_text("#toasts")
    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED
    assert sorted(account.targets.values_list("status", flat=True)) == [TargetStatus.SCHEDULED] * 2
    check_page(page)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_account_pages_fit_a_phone_in_both_themes(
    phone: "playwright.Page", live_server: object, theme: str
) -> None:
    page = phone
    base = str(live_server)
    page.goto(f"{base}/login/")
    page.evaluate(f"localStorage.setItem('tidings-theme', '{theme}')")
    for url in ("/", "/login/", "/signup/", "/password-reset/"):
        page.goto(base + url)
        check_page(page)
    make_user("yuki", Tier.FREE, email="yuki@example.com")
    log_in(page, base, "yuki")
    for url in ("/getting-started/", "/settings/", "/settings/sign-in/", "/settings/notifications/"):
        page.goto(base + url)
        check_page(page)
    for url in ("/settings/data/", "/settings/delete/", "/connections/", "/api/v1/tokens/ui/", "/generate/provider/"):
        page.goto(base + url)
        check_page(page)
    shoot(page, f"settings-phone-{theme}")
