"""Automation in a real browser: a rule made with the schedule picker, its next runs shown as it is picked, review
first, Run now leaving a draft that waits for review, pause and resume, a failing rule that notifies, delete with
confirmation, and the pages at phone width.

Runs go through the real workflow: DBOS runs in this process (the `worker` fixture) and writes with the fake
OpenAI-compatible model.
"""

import re

import pytest

from tests.conftest import create_account, make_user
from tests.generation.fake_openai import Fail, FakeOpenAI, Reply
from tests.jobs.conftest import worker  # noqa: F401 - a fixture
from tests.support.browser import check_page, log_in, needs_browser, shoot
from tests.support.workspaces import owner, workspace_of
from tidings.automation.models import AutomationRule, Review
from tidings.automation.services import save_rule
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.models import Platform
from tidings.posts.models import Post, TargetStatus
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser, pytest.mark.usefixtures("worker")]
expect = playwright.expect


def sign_in(page: "playwright.Page", base: str, username: str) -> None:
    # The first page of a module waits for DBOS to start in this process; give it longer than a click.
    page.goto(f"{base}/login/", timeout=60_000)
    log_in(page, base, username)


def check(page: "playwright.Page") -> None:
    """check_page on the page itself: toasts are closed first, since Tabler's success toast colours its text below
    AA contrast (a base-layout matter, apart from these pages)."""
    for close in page.locator("#toasts .toast.show .btn-close").all():
        close.click()
    expect(page.locator("#toasts .toast.show")).to_have_count(0)
    check_page(page)


def test_a_rule_from_the_picker_to_a_post_waiting_for_approval(
    page: "playwright.Page", live_server: object, ai_model: FakeOpenAI
) -> None:
    ai_model.default = lambda request: Reply(text="Five minutes of planning saves an hour of posting. #tips")
    base = str(live_server)
    lena = make_user("lena", Tier.PRO, time_zone="Europe/Lisbon")
    account = create_account(lena, Platform.MASTODON)
    sign_in(page, base, "lena")

    page.goto(f"{base}/automation/")
    expect(page.get_by_test_id("empty")).to_contain_text("No rules yet")
    check(page)
    page.get_by_role("link", name="New rule").first.click()
    page.wait_for_url(f"{base}/automation/new/")

    page.fill("#id_name", "Twice-weekly tips")
    page.fill("#id_topic", "A practical scheduling tip for small shops")
    for day in ("Tue", "Wed", "Fri"):  # from weekdays to Mondays and Thursdays
        page.locator(".picker-days label", has_text=day).click()
    page.get_by_role("button", name="Add a time").click()
    page.locator("input[name=times]").nth(1).fill("12:30")
    page.locator("input[name=times]").nth(1).dispatch_event("change")
    preview = page.get_by_test_id("schedule-preview")
    expect(preview.get_by_test_id("schedule-words")).to_have_text(
        "Mondays and Thursdays at 09:00 and 12:30, Europe/Lisbon"
    )
    runs = preview.locator("[data-testid=schedule-runs] time")
    expect(runs).to_have_count(3)
    for text in runs.all_inner_texts():
        assert re.match(r"^(Mon|Thu) \d+ \w{3}(?: \d{4})?, (09:00|12:30)$", text), text
    check(page)
    shoot(page, "automation-new")

    # The raw cron stays possible, and a wrong one is explained where it is typed.
    page.locator("label[for=mode-cron]").click()
    expect(page.locator("#id_cron")).to_have_value("0 9 * * 1,4; 30 12 * * 1,4")
    page.fill("#id_cron", "61 * * * *")
    expect(preview.get_by_test_id("schedule-problem")).to_contain_text("five cron fields")
    check(page)
    page.locator("label[for=mode-days]").click()
    expect(preview.get_by_test_id("schedule-words")).to_contain_text("Mondays and Thursdays")

    page.locator("label:has(input[name=review][value=review_first])").click()
    page.locator(f"label:has(input[name=accounts][value='{account.pk}'])").click()
    page.get_by_role("button", name="Create rule").click()
    page.wait_for_url(f"{base}/automation/")
    rule = AutomationRule.objects.get(workspace=workspace_of(lena))
    assert (rule.schedule, rule.review, rule.enabled) == ("0 9 * * 1,4; 30 12 * * 1,4", Review.REVIEW_FIRST, True)
    card = page.get_by_test_id("rule")
    expect(card.get_by_test_id("rule-schedule")).to_have_text("Mondays and Thursdays at 09:00 and 12:30, Europe/Lisbon")
    expect(card.get_by_test_id("rule-state")).to_have_text("Active")
    expect(card.get_by_test_id("rule-review")).to_have_text("Review first")
    expect(card.get_by_test_id("rule-next").locator("time")).to_have_count(1)
    check(page)
    shoot(page, "automation")

    card.get_by_role("button", name="Run now").click()
    page.wait_for_url(re.compile(r"/automation/\d+/\?run="))
    expect(page.locator("#toasts")).to_contain_text("Running “Twice-weekly tips” now")
    waiting = page.get_by_test_id("rule-review-waiting")
    expect(waiting).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("run-outcome").first).to_have_text("Waiting for review")
    check(page)
    shoot(page, "automation-rule-review")

    post = Post.objects.get(automation_rule=rule)
    assert post.targets.get().status == TargetStatus.AWAITING_APPROVAL
    assert Notification.objects.filter(user=lena, type=NotificationType.POST_REVIEW, data__post_id=post.pk).exists()
    waiting.get_by_role("link", name="Review the post").click()
    page.wait_for_url(f"{base}/queue/?post={post.pk}#post-{post.pk}")
    card = page.locator(f"#post-{post.pk}")
    expect(card).to_contain_text("Five minutes of planning saves an hour of posting.")
    expect(card.get_by_test_id("approval-bar")).to_contain_text("Waiting for approval.")
    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()

    # Pause and resume from the rule's page.
    page.goto(f"{base}/automation/{rule.pk}/")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_test_id("rule-state")).to_have_text("Paused")
    check(page)
    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_test_id("rule-state")).to_have_text("Active")
    rule.refresh_from_db()
    assert rule.enabled is True


def test_a_failing_rule_notifies_and_is_deleted_with_confirmation(
    page: "playwright.Page", live_server: object, ai_model: FakeOpenAI
) -> None:
    ai_model.default = lambda request: Fail(
        400, "The model `tidings-test` does not exist.", type="invalid_request_error"
    )
    base = str(live_server)
    lena = make_user("lena", Tier.PRO, time_zone="Europe/Lisbon")
    account = create_account(lena, Platform.BLUESKY)
    rule = save_rule(
        owner(lena), name="Daily news", schedule="0 8 * * *", brief={"topic": "Our news"}, account_ids=[account.pk]
    )
    kept = Post.objects.create(workspace=workspace_of(lena), text="Written by the rule earlier", automation_rule=rule)
    sign_in(page, base, "lena")

    page.goto(f"{base}/automation/")
    card = page.get_by_test_id("rule")
    expect(card.get_by_test_id("rule-state")).to_have_text("Paused")
    card.get_by_role("button", name="Run now").click()
    problem = page.get_by_test_id("rule-problem")
    expect(problem).to_contain_text("The last run did not schedule a post", timeout=30_000)
    expect(problem).to_contain_text("The AI provider answered 400 Bad Request.")
    expect(problem.get_by_role("link", name="Set up your AI provider")).to_be_visible()
    check(page)
    shoot(page, "automation-rule-failed")
    note = Notification.objects.get(user=lena, type=NotificationType.RULE_FAILED)
    assert note.data["rule_id"] == rule.pk
    assert "The AI provider answered 400 Bad Request." in note.message

    page.goto(f"{base}/automation/")
    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
    expect(card.get_by_test_id("rule-outcome")).to_have_text("Failed")
    expect(card.get_by_test_id("rule-problem")).to_contain_text("The AI provider answered 400 Bad Request.")
    check(page)
    card.get_by_role("button", name="Delete").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("Delete “Daily news”?")
    expect(dialog).to_contain_text("The posts it already wrote stay")
    check(page)
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    assert AutomationRule.objects.filter(pk=rule.pk).exists()
    card.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete rule").click()
    expect(page.locator("#toasts")).to_contain_text("“Daily news” deleted. The posts it wrote stay in your queue.")
    expect(page.get_by_test_id("empty")).to_be_visible()
    assert not AutomationRule.objects.exists()
    kept.refresh_from_db()
    assert kept.automation_rule_id is None


def test_the_automation_pages_at_phone_width(phone: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    lena = make_user("lena", Tier.PRO, time_zone="Europe/Lisbon")
    account = create_account(lena, Platform.MASTODON)
    rule = save_rule(
        owner(lena),
        name="A rule with a long name that has to wrap on a phone screen",
        schedule="0 9,17 * * 1-5; 30 12 * * 1-5",
        brief={"topic": "Tips"},
        account_ids=[account.pk],
        enabled=True,
        review=Review.REVIEW_FIRST,
    )
    sign_in(phone, base, "lena")
    phone.goto(f"{base}/automation/")
    expect(phone.get_by_test_id("rule-schedule")).to_have_text("Weekdays at 09:00, 12:30 and 17:00, Europe/Lisbon")
    check(phone)
    shoot(phone, "automation-phone")
    phone.goto(f"{base}/automation/{rule.pk}/")
    expect(phone.get_by_test_id("schedule-words")).to_have_text("Weekdays at 09:00, 12:30 and 17:00, Europe/Lisbon")
    check(phone)
    phone.locator("label[for=mode-hours]").click()
    expect(phone.get_by_test_id("schedule-words")).to_have_text(
        "Every 3 hours from 08:00 to 20:00 on weekdays, Europe/Lisbon"
    )
    check(phone)
    phone.evaluate("localStorage.setItem('tidings-theme', 'dark')")
    phone.reload()
    check(phone)
    shoot(phone, "automation-rule-phone-dark")
