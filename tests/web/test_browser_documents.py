"""A PDF in the composer, in a real browser: the drop zone takes it, shows it as a document, the live check says
which networks refuse it, and it is scheduled on LinkedIn."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from tests.conftest import create_account, make_user
from tests.support.browser import check_page, log_in, needs_browser
from tests.support.workspaces import owner, workspace_of
from tidings.platforms.models import Platform
from tidings.platforms.services import connect_account
from tidings.posts.models import Post, TargetStatus
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]


def test_a_pdf_is_dropped_checked_per_network_and_scheduled_on_linkedin(
    page: "playwright.Page", live_server: object, tmp_path: Path
) -> None:
    base = str(live_server)
    nina = make_user("nina", Tier.PRO, time_zone="Europe/Lisbon")
    bluesky = create_account(nina, Platform.BLUESKY)
    linkedin = connect_account(
        owner(nina), platform=Platform.LINKEDIN, external_id="n1", handle="Nina", access_token="at"
    )
    data = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(data, format="PDF")
    (tmp_path / "report.pdf").write_bytes(data.getvalue())
    log_in(page, base, "nina")
    page.goto(f"{base}/compose/")
    page.wait_for_selector("[data-testid=no-preview]")

    page.click(f"label:has(input[value='{bluesky.pk}'])")
    page.click(f"label:has(input[value='{linkedin.pk}'])")
    page.fill("#id_text", "Our annual report")
    page.set_input_files("#id_attachments", [str(tmp_path / "report.pdf")])
    item = page.locator("[data-testid=media-item]")
    expect(item).to_have_count(1)
    expect(item.locator("[data-thumb] use")).to_have_attribute("href", re.compile(r"sprite\.svg#file-type-pdf$"))
    assert item.locator("img").count() == 0  # a document is shown by an icon, never rendered
    problem = page.locator("[data-testid=preview-problem]", has_text="does not take documents")
    expect(problem).to_have_count(1)
    expect(problem).to_have_text(
        "report.pdf: Bluesky does not take documents; only LinkedIn posts PDFs. Remove it here."
    )
    check_page(page)

    page.click(f"label:has(input[value='{bluesky.pk}'])")  # LinkedIn alone
    expect(problem).to_have_count(0)
    when = (timezone.now() + timedelta(days=1)).astimezone(workspace_of(nina).zone).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_when", when)
    page.locator("[data-testid=when-ok]").wait_for()
    page.click("button[value=schedule]")
    page.wait_for_url(f"{base}/queue/")
    post = Post.objects.get(workspace=workspace_of(nina))
    assert list(post.targets.values_list("account_id", "status")) == [(linkedin.pk, TargetStatus.SCHEDULED)]
    assert list(post.media.values_list("kind", "mime_type")) == [("document", "application/pdf")]
    check_page(page)
