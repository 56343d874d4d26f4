"""Importing posts in a real browser, at desktop and phone width: from the queue to the import page, a file with
a refused row, the preview naming the reason, "Create 2 posts", and the report with the created posts linked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.bulk.conftest import csv_file, in_lisbon
from tests.conftest import create_account, make_user
from tests.support.browser import DESKTOP, PHONE, check_page, log_in, needs_browser, shoot
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.posts.models import Post
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]


def checked_at_both_widths(page: "playwright.Page", name: str) -> None:
    check_page(page)
    shoot(page, name)
    page.set_viewport_size(PHONE)
    check_page(page)
    shoot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_a_file_is_previewed_then_created_with_its_refused_row_explained(
    page: "playwright.Page", live_server: object
) -> None:
    base = str(live_server)
    alice = make_user("alice", Tier.FREE)
    workspace = in_lisbon(alice)
    create_account(alice)
    tomorrow = (timezone.now() + timedelta(days=1)).astimezone(workspace.zone).date()
    data = csv_file(
        {"text": "Fresh bread at nine", "accounts": "@alice1", "scheduled_at": f"{tomorrow:%Y-%m-%d} 12:00"},
        {"text": "To nobody", "accounts": "@nobody", "scheduled_at": f"{tomorrow:%Y-%m-%d} 13:00"},
        {"text": "A draft for later", "accounts": "@alice1"},
    )
    log_in(page, base, "alice")
    page.goto(f"{base}/queue/")
    page.get_by_test_id("import-link").click()
    page.wait_for_url(f"{base}/imports/")
    checked_at_both_widths(page, "import-upload")
    page.set_input_files("#id_file", files=[{"name": "week.csv", "mimeType": "text/csv", "buffer": data}])
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url(f"{base}/imports/*/")

    expect(page.get_by_test_id("import-summary")).to_contain_text("2 of 3 rows can be created; 1 is refused")
    expect(page.get_by_test_id("import-row-3").get_by_test_id("verdict")).to_have_text("Refused")
    expect(page.get_by_test_id("import-row-3").get_by_test_id("reason")).to_have_text(
        "No connected account @nobody in this workspace."
    )
    expect(page.get_by_test_id("import-row-4").get_by_test_id("verdict")).to_have_text("Ready as a draft")
    assert not Post.objects.exists()
    checked_at_both_widths(page, "import-preview")

    page.set_viewport_size(PHONE)
    with page.expect_navigation(url=page.url):
        page.get_by_test_id("import-create").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("2 created, 1 refused")
    for row in (2, 4):
        expect(page.get_by_test_id(f"import-row-{row}").get_by_test_id("verdict")).to_have_text("Created")
    expect(page.get_by_test_id("import-row-3").get_by_test_id("reason")).to_contain_text("@nobody")
    expect(page.get_by_test_id("report-csv")).to_be_visible()
    page.set_viewport_size(DESKTOP)
    checked_at_both_widths(page, "import-report")
    assert sorted(Post.objects.values_list("text", flat=True)) == ["A draft for later", "Fresh bread at nine"]
    assert CreditReservation.objects.filter(status=ReservationStatus.PENDING).count() == 1

    page.get_by_test_id("import-row-2").get_by_role("link").click()
    expect(page.locator(f"#post-{Post.objects.get(text='Fresh bread at nine').pk}")).to_be_visible()
