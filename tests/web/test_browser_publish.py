"""Write a post in the browser, press "Publish now", and watch it go out: DBOS runs for real in the test process and
publishes to a loopback webhook platform while the queue page shows the post move to Published with its link."""

import re

import pytest

from tests.conftest import make_user
from tests.jobs.conftest import connect_webhook, fake, worker  # noqa: F401 - fixtures
from tests.support.browser import check_page, log_in, needs_browser, shoot
from tests.support.fake_platform import FakePlatform
from tests.support.workspaces import workspace_of
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.posts.models import PostTarget, TargetStatus
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser, pytest.mark.usefixtures("worker")]


def test_publish_now_and_watch_it_go_out(page: "playwright.Page", live_server: object, fake: FakePlatform) -> None:  # noqa: F811
    base = str(live_server)
    pia = make_user("pia", Tier.PRO, time_zone="Europe/Lisbon")
    account = connect_webhook(pia, fake)
    log_in(page, base, "pia")
    page.goto(f"{base}/compose/")
    page.fill("#id_text", "Doors open at nine.")
    # Her only account is chosen for her.
    assert page.is_checked(f"input[name=accounts][value='{account.pk}']")
    page.click("button[value=now]")
    page.wait_for_url(re.compile(rf"{base}/queue/.*"))
    status = page.locator("[data-testid=target-status]").first
    for _ in range(60):
        if status.inner_text().strip() == "Published":
            break
        page.wait_for_timeout(1000)
        page.reload()
    assert status.inner_text().strip() == "Published"

    target = PostTarget.objects.get(post__workspace=workspace_of(pia))
    assert target.status == TargetStatus.PUBLISHED
    assert fake.posts[str(target.idempotency_key)].body["text"] == "Doors open at nine."
    assert fake.received_for(str(target.idempotency_key)) == 1
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED
    link = page.locator("[data-testid=target-link]").first
    assert link.get_attribute("href") == f"https://fake.example/p/{target.idempotency_key}"
    check_page(page)
    shoot(page, "queue-published")

    page.goto(f"{base}/dashboard/")
    assert page.inner_text("[data-testid=credits-available]").strip() == "499"
