"""Making a post repeat in a real browser: from its card in the queue to the series page, a refusal shown on the
field it is about, then saved, with the next times listed in the workspace's zone; on a phone too."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import create_account, make_user
from tests.support.browser import check_page, log_in, needs_browser, shoot
from tests.support.workspaces import owner
from tidings.platforms.models import Platform
from tidings.posts.services import create_post, schedule_post
from tidings.recurring.models import Recurrence
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]


@pytest.mark.parametrize("device", ["page", "phone"])
def test_a_post_is_set_to_repeat_from_the_queue(
    device: str, request: pytest.FixtureRequest, live_server: object
) -> None:
    page: playwright.Page = request.getfixturevalue(device)
    base = str(live_server)
    bob = make_user("bob", Tier.PRO, time_zone="Europe/Madrid")
    accounts = [create_account(bob).pk, create_account(bob, Platform.X).pk]
    post = create_post(owner(bob), text="Tapas night every Friday", account_ids=accounts)
    schedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(days=2))
    log_in(page, base, "bob")
    page.goto(f"{base}/queue/")
    card = page.get_by_test_id("post-row")
    card.get_by_role("button", name="More for this post").click()
    card.get_by_test_id("repeat").click()
    expect(page.get_by_role("heading", name="Repeat this post")).to_be_visible()
    page.get_by_role("radio", name="After a number of posts").check()
    page.fill("#id_count", "4")
    page.get_by_role("button", name="Repeat it").click()
    # X refuses identical posts: the page says so beside the switch, and nothing is saved.
    expect(page.get_by_test_id("rewrite-error")).to_contain_text("X refuse a post identical to a recent one")
    assert not Recurrence.objects.exists()
    check_page(page)
    page.get_by_label("Reword each repeat with AI").check()
    with page.expect_navigation(url=f"{base}/posts/{post.pk}/repeat/"):
        page.get_by_role("button", name="Repeat it").click()
    expect(page.get_by_text("Saved: the post repeats.")).to_be_visible()
    expect(page.get_by_test_id("upcoming").get_by_role("listitem")).to_have_count(3)
    series = Recurrence.objects.get()
    assert (series.count, series.rewrite, series.unit) == (4, True, "week")
    check_page(page)
    shoot(page, f"repeat-{device}")
    page.get_by_test_id("stop-repeating").click()
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    with page.expect_navigation(url=f"{base}/posts/{post.pk}/repeat/"):
        dialog.get_by_role("button", name="Stop repeating").click()
    expect(page.get_by_text("The post no longer repeats.")).to_be_visible()
    assert not Recurrence.objects.exists()
