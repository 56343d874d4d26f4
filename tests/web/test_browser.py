"""The web app in a real browser: Debian's Chromium driven by Playwright, against a live server.

Screenshots of the main pages land in `$TIDINGS_DATA_DIR/screenshots/`.
"""

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.generation.fake_openai import FakeOpenAI, Reply
from tests.support.browser import PASSWORD, log_in, needs_browser, shoot
from tests.support.workspaces import workspace_of
from tests.web.test_security_headers import dbos_client_closed  # noqa: F401 - a fixture
from tidings.accounts.models import User
from tidings.platforms.models import Platform
from tidings.posts.models import Post, TargetStatus
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]


def test_sign_up_to_a_scheduled_post(page: "playwright.Page", live_server: object, settings: object) -> None:
    settings.TIDINGS_SIGNUP = "verify"  # type: ignore[attr-defined]
    base = str(live_server)
    page.goto(f"{base}/signup/")
    page.fill("#id_username", "dana")
    page.fill("#id_email", "dana@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    # The browser's zone (Europe/Lisbon here) goes with the form, unasked.
    assert page.input_value("input[name=time_zone]") == "Europe/Lisbon"
    shoot(page, "signup")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/signup/confirm/")
    assert "dana@example.com" in page.inner_text("[data-testid=confirm-email]")
    shoot(page, "confirm-email")
    link = re.search(r"http://\S+/signup/confirm/\S+/", mail.outbox[-1].body)
    assert link is not None
    page.goto(link.group(0))
    page.wait_for_url(f"{base}/dashboard/")
    assert "Email confirmed." in page.inner_text("#toasts")
    assert page.inner_text("[data-testid=credits-available]") == "10"
    shoot(page, "dashboard")

    dana = User.objects.get(username="dana")
    account = create_account(dana, Platform.BLUESKY)
    page.goto(f"{base}/compose/")
    page.fill("#id_text", "Our first post, written in the browser.")
    page.check(f"input[name=accounts][value='{account.pk}']")
    page.locator("[data-testid=preview]", has_text="39 / 300").wait_for()
    local = (timezone.now() + timedelta(days=1)).astimezone(workspace_of(dana).zone)
    page.fill("#id_when", local.strftime("%Y-%m-%dT%H:%M"))
    shoot(page, "compose")
    page.click("button[value=schedule]")
    page.wait_for_url(f"{base}/queue/")
    assert page.inner_text("[data-testid=target-status]") == "Scheduled"
    shoot(page, "queue")

    target = Post.objects.get(workspace=workspace_of(dana)).targets.get()
    assert target.status == TargetStatus.SCHEDULED
    assert target.scheduled_at == local.replace(second=0, microsecond=0)
    page.goto(f"{base}/calendar/?view=month&date={local.date().isoformat()}")
    page.locator(f"td[data-date='{local.date()}'] [data-testid=entry]", has_text="Our first post").wait_for()
    shoot(page, "calendar")


def test_a_tier_refusal_keeps_the_draft_and_rings_the_bell(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    alice = make_user("alice", Tier.FREE)
    account = create_account(alice, Platform.MASTODON)
    for day in range(5):
        create_scheduled_post(alice, [account], days=day)
    log_in(page, base, "alice")
    assert page.locator("[data-testid=unread-count]").count() == 0

    page.goto(f"{base}/compose/")
    page.fill("#id_text", "One post too many")
    assert page.is_checked(f"input[name=accounts][value='{account.pk}']")  # the lone account is chosen
    page.fill("#id_when", (datetime.now(workspace_of(alice).zone) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    page.click("button[value=schedule]")
    draft = Post.objects.get(workspace=workspace_of(alice), text="One post too many")
    page.wait_for_url(f"{base}/posts/{draft.pk}/edit/")

    refusal = page.inner_text("[data-testid=refusal]")
    assert "Your queue of scheduled posts is full: 5 of 5 used on the Free plan." in refusal
    assert "kept as a draft" in refusal
    assert page.input_value("#id_text") == "One post too many"
    assert draft.targets.get().status == TargetStatus.DRAFT
    shoot(page, "refusal")

    assert page.inner_text("[data-testid=unread-count]") == "1"
    page.click(".bell:visible > a")
    page.locator("[data-testid=menu-notification]", has_text="Plan limit reached").wait_for()
    page.click("text=See all notifications")
    page.wait_for_url(f"{base}/notifications/")
    assert "Plan limit reached" in page.inner_text("[data-testid=notification]")
    shoot(page, "notifications")
    page.click("[data-testid=mark-all-read]")
    page.locator("[data-testid=unread-count]").first.wait_for(state="detached")
    assert page.locator("[data-testid=unread-mark]").count() == 0
    page.goto(f"{base}/plan/")
    assert "Free" in page.inner_text("h1")
    shoot(page, "plan")


@pytest.mark.usefixtures("dbos_client_closed")
def test_the_pages_run_under_the_content_security_policy(
    page: "playwright.Page", live_server: object, ai_model: FakeOpenAI
) -> None:
    """Each page arrives with a policy that runs no inline script, the browser reports no violation of it, and the
    behaviour that lives in our static scripts (a draft's "Use this", writing live) still works."""
    base = str(live_server)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(f"{page.url}: {m.text}") if "Security Policy" in m.text else None)
    policies: dict[str, str] = {}
    page.on(
        "response",
        lambda r: (
            policies.update({r.url: r.headers.get("content-security-policy", "")})
            if r.request.resource_type == "document"
            else None
        ),
    )
    sam = make_user("sam", Tier.BUSINESS)
    User.objects.filter(pk=sam.pk).update(is_staff=True, is_superuser=True)
    account = create_account(sam, Platform.BLUESKY)
    for url in ("/", "/signup/"):
        page.goto(base + url)
    log_in(page, base, "sam")

    page.goto(f"{base}/compose/")
    page.click("[data-testid=ai-toggle]")
    page.fill("#ai-topic", "Coffee")
    assert page.is_checked(f"input[name=accounts][value='{account.pk}']")
    page.click("[data-testid=ai-write]")
    page.click("[data-testid=draft] button[data-use-draft]")
    assert page.input_value("#id_text") == Reply().text
    page.wait_for_selector("[data-testid=preview]")

    page.goto(f"{base}/generate/")
    page.fill("#id_topic", "Coffee")
    page.check("input[name=platforms][value=bluesky]")
    page.click("#stream-button")
    page.locator("#stream-output", has_text=Reply().text).wait_for()
    shoot(page, "generate-live")

    pages = ["/dashboard/", "/queue/", "/calendar/", "/automation/", "/connections/", "/plan/", "/settings/"]
    pages += ["/notifications/", "/api/v1/tokens/ui/", "/ops/", "/admin/", "/admin/posts/post/", "/api/v1/docs"]
    pages += [f"/admin/accounts/user/{sam.pk}/change/", "/admin/posts/post/add/"]
    for url in pages:
        page.goto(base + url)
        page.wait_for_load_state("load")
    assert violations == []
    assert {base + url for url in ["/", "/signup/", "/login/", "/compose/", "/generate/", *pages]} <= set(policies)
    for url, policy in policies.items():
        assert "frame-ancestors 'none'" in policy, url
        assert "'unsafe-inline'" not in next(d for d in policy.split(";") if d.strip().startswith("script-src")), url
