"""The posting schedule in a real browser, at desktop and phone width: set weekly slots, write a post and see the
slot it will take, add it to the queue, find it there at that slot, then move one up and shuffle."""

import pytest
from django.utils import timezone

from tests.conftest import create_account, make_user
from tests.support.browser import DESKTOP, PHONE, check_page, log_in, needs_browser, shoot
from tests.support.workspaces import workspace_of
from tidings.planning.finder import next_free_slot
from tidings.posts.models import Post
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]


def label(at: object) -> str:
    local = timezone.localtime(at, timezone.get_default_timezone())  # type: ignore[arg-type]
    return local.strftime("%a %-d %b, %H:%M")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_set_a_schedule_add_to_the_queue_and_rearrange(
    page: "playwright.Page", live_server: object, size: dict[str, int]
) -> None:
    base = str(live_server)
    page.set_viewport_size(size)
    page.set_default_timeout(30000)  # the machine may be busy; a slow page is not a failure here
    user = make_user("sam", Tier.PRO, time_zone="UTC")
    account = create_account(user)
    log_in(page, base, "sam")

    page.goto(f"{base}/settings/schedule/")
    for at in ("09:00", "21:00"):
        page.select_option("#id_days", "daily")
        page.fill("#id_time", at)
        with page.expect_navigation():
            page.get_by_role("button", name="Add time").click()
    expect(page.get_by_test_id("slot-day-0").get_by_test_id("slot")).to_have_text(["09:00", "21:00"])
    check_page(page)
    shoot(page, f"posting-schedule-{size['width']}")

    texts = ["First in line", "Second in line"]
    for text in texts:
        expected = next_free_slot(workspace_of(user), [account])
        page.goto(f"{base}/compose/")
        page.fill("#id_text", text)
        # The only account is chosen already.
        expect(page.locator(f"input[name=accounts][value='{account.pk}']")).to_be_checked()
        expect(page.get_by_test_id("next-slot")).to_have_text(f"Next slot: {label(expected)}")
        if text == texts[0]:
            check_page(page)
            shoot(page, f"composer-next-slot-{size['width']}")
        with page.expect_navigation(url=f"{base}/queue/"):
            page.get_by_test_id("add-to-queue").click()
        expect(page.locator(".toast").first).to_contain_text(f"Added to the queue for {label(expected)}")
        item = page.get_by_test_id("slot-queue-item").filter(has_text=text)
        expect(item.get_by_test_id("slot-when")).to_have_text(label(expected))

    first, second = (Post.objects.get(text=t) for t in texts)
    expect(page.get_by_test_id("slot-text")).to_have_text(texts)
    check_page(page)
    shoot(page, f"slot-queue-{size['width']}")
    with page.expect_navigation():
        page.get_by_test_id("move-up").click()
    expect(page.get_by_test_id("slot-text")).to_have_text(list(reversed(texts)))
    assert Post.objects.get(pk=second.pk).scheduled_at == first.scheduled_at
    with page.expect_navigation():
        page.get_by_test_id("shuffle").click()
    expect(page.locator(".toast").first).to_contain_text("Shuffled: 2 posts changed slots.")
    expect(page.get_by_test_id("slot-text")).to_have_text(texts)
    check_page(page)
