"""In a real browser, on a desktop and on a phone-sized screen: a post whose send got no answer is settled by its
user from the queue; accounts over the plan are marked and cannot be chosen."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.browser import CHROMIUM, MISSING, log_in, shoot
from tests.support.states import bring_to
from tests.support.workspaces import workspace_of
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.platforms.models import Platform
from tidings.posts.models import AttemptOutcome, PostTarget, PublishAttempt, TargetStatus
from tidings.tiers.checks import over_plan_reason
from tidings.tiers.plans import Tier
from tidings.workspaces.plan import change_tier

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(MISSING, reason=f"no Chromium at {CHROMIUM} (.ci/run installs it)"),
]
PHONE = {"width": 390, "height": 844}


def unconfirmed_post(username: str, text: str) -> PostTarget:
    """A Free user's post to Mastodon whose one send got no answer, with that call on record."""
    user = make_user(username, Tier.FREE, time_zone="Europe/Lisbon")
    target = create_scheduled_post(user, [create_account(user, Platform.MASTODON)], text=text).targets.get()
    target = bring_to(target, TargetStatus.UNCONFIRMED, reason="Mastodon did not answer; it may have been published.")
    PublishAttempt.objects.create(
        target=target,
        number=1,
        started_at=timezone.now() - timedelta(minutes=3),
        duration_ms=30000,
        outcome=AttemptOutcome.UNKNOWN,
        detail="The request timed out.",
    )
    return target


def credits_available(page: "playwright.Page", base: str) -> str:
    page.goto(f"{base}/dashboard/")
    return page.inner_text("[data-testid=credits-available]")


def test_it_did_not_go_out_then_retry(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    target = unconfirmed_post("erin", "A post in doubt")
    log_in(page, base, "erin")
    assert credits_available(page, base) == "9"

    page.goto(f"{base}/queue/")
    row = page.locator(f"#target-{target.pk}")
    assert row.locator("[data-testid=target-status]").inner_text() == "Sent, outcome unknown"
    assert row.get_by_role("button", name="Retry").count() == 0
    assert row.get_by_role("button", name="Check the platform").is_visible()
    assert row.get_by_role("button", name="It went out").is_visible()
    row.locator("details summary").click()
    attempt = row.locator("[data-testid=attempt]")
    assert attempt.locator("td").all_inner_texts()[1:] == ["1", "No answer", "The request timed out.", "30000 ms"]
    assert str(timezone.now().astimezone(target.post.workspace.zone).year) in attempt.locator("td").first.inner_text()
    shoot(page, "queue-unconfirmed")
    page.set_viewport_size(PHONE)
    shoot(page, "queue-unconfirmed-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_navigation(url=f"{base}/queue/"):
        row.get_by_role("button", name="It did not go out").click()
    assert page.inner_text("#toasts") == "Marked as not published; its credit is back. Retry it when you like."
    row = page.locator(f"#target-{target.pk}")
    assert row.locator("[data-testid=target-status]").inner_text() == "Failed"
    assert row.get_by_role("button", name="It did not go out").count() == 0
    assert row.get_by_role("button", name="Retry").is_visible()
    shoot(page, "queue-marked-not-out")
    assert credits_available(page, base) == "10"

    page.goto(f"{base}/queue/")
    with page.expect_navigation(url=f"{base}/queue/"):
        page.locator(f"#target-{target.pk}").get_by_role("button", name="Retry").click()
    assert page.inner_text("#toasts") == "Queued again; it goes out within seconds."
    assert page.locator(f"#target-{target.pk} [data-testid=target-status]").inner_text() == "Scheduled"
    assert credits_available(page, base) == "9"
    retried = PostTarget.objects.get(pk=target.pk)
    assert (retried.status, retried.dispatch_round) == (TargetStatus.SCHEDULED, 1)
    assert CreditReservation.objects.filter(target=target, status=ReservationStatus.PENDING).count() == 1


def test_it_went_out_with_its_address(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    target = unconfirmed_post("fred", "A post that made it")
    log_in(page, base, "fred")
    page.set_viewport_size(PHONE)

    page.goto(f"{base}/queue/?show=problems")
    row = page.locator(f"#target-{target.pk}")
    row.get_by_label("Its address (optional)").fill("https://mastodon.example/@fred1/1234")
    with page.expect_navigation(url=f"{base}/queue/?show=problems"):
        row.get_by_role("button", name="It went out").click()
    assert page.inner_text("#toasts") == "Marked as published on Mastodon; its credit is spent."

    page.goto(f"{base}/queue/?show=published")
    row = page.locator(f"#target-{target.pk}")
    assert row.locator("[data-testid=target-status]").inner_text() == "Published"
    link = row.locator("[data-testid=target-link]")
    assert link.get_attribute("href") == "https://mastodon.example/@fred1/1234"
    assert row.get_by_role("button", name="It went out").count() == 0
    shoot(page, "queue-marked-out-phone")
    assert credits_available(page, base) == "9"
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED


def test_accounts_over_the_plan_are_marked_and_cannot_be_chosen(
    page: "playwright.Page",
    live_server: object,
) -> None:
    base = str(live_server)
    gina = make_user("gina", Tier.PRO)
    kept, over = create_account(gina, Platform.MASTODON, 1), create_account(gina, Platform.MASTODON, 2)
    change_tier(workspace_of(gina), tier=Tier.FREE)
    log_in(page, base, "gina")

    page.goto(f"{base}/connections/")
    assert page.locator(f"[data-testid=account-{kept.pk}] [data-testid=over-plan]").count() == 0
    assert page.inner_text(f"[data-testid=account-{over.pk}] [data-testid=over-plan]") == "Over your plan"
    shoot(page, "connections-over-plan")

    page.goto(f"{base}/compose/")
    assert page.locator(f"input[name=accounts][value='{kept.pk}']").is_enabled()
    assert page.locator(f"input[name=accounts][value='{over.pk}']").is_disabled()
    assert (
        page.inner_text("[data-testid=over-plan]")
        == f"{over}: {over_plan_reason(workspace_of(gina), Platform.MASTODON)}"
    )
    page.set_viewport_size(PHONE)
    shoot(page, "compose-over-plan-phone")
