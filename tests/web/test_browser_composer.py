"""The composer in a real browser: per-network text and dropped files scheduled, a draft edited and rescheduled,
each plan refusal shown on the composer with the text kept, the AI filling the text, and the phone width."""

import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.generation.fake_openai import FakeOpenAI, Reply
from tests.support.browser import PHONE, check_page, log_in, needs_browser, shoot
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.platforms.models import Platform
from tidings.posts.models import Post, TargetStatus
from tidings.posts.services import create_post, delete_post
from tidings.tiers.plans import Tier
from tidings.workspaces.models import Workspace

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]
FIELD = "%Y-%m-%dT%H:%M"


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]


@pytest.fixture
def pictures(tmp_path: Path) -> list[str]:
    paths = []
    for name, colour in (("plate.png", "tomato"), ("table.png", "teal")):
        data = io.BytesIO()
        Image.new("RGB", (600, 400), colour).save(data, format="PNG")
        (tmp_path / name).write_bytes(data.getvalue())
        paths.append(str(tmp_path / name))
    return paths


def later(user: User, **delta: float) -> str:
    return (timezone.now() + timedelta(**delta)).astimezone(workspace_of(user).zone).strftime(FIELD)


def test_per_network_text_and_dropped_files_are_scheduled(
    page: "playwright.Page", live_server: object, pictures: list[str]
) -> None:
    base = str(live_server)
    nina = make_user("nina", Tier.PRO, time_zone="Europe/Lisbon")
    bluesky, mastodon = create_account(nina, Platform.BLUESKY), create_account(nina, Platform.MASTODON)
    log_in(page, base, "nina")
    page.goto(f"{base}/compose/")
    page.wait_for_selector("[data-testid=no-preview]")
    check_page(page)

    page.click(f"label:has(input[value='{bluesky.pk}'])")
    page.click(f"label:has(input[value='{mastodon.pk}'])")
    page.fill("#id_text", "Spring menu: asparagus and wild garlic, from Friday.")
    page.click(f"#tab-{bluesky.pk}-button")
    page.click(f"[data-copy-shared='override-{bluesky.pk}']")
    page.fill(f"#override-{bluesky.pk}", "Spring menu from Friday 🌱")
    page.set_input_files("#id_attachments", pictures)
    page.locator("[data-testid=media-item]").nth(1).wait_for()
    page.locator("[data-testid=media-item] input[name=new_alt]").nth(0).fill("A plate of asparagus")
    page.locator("[data-testid=media-item] input[name=new_alt]").nth(1).fill("Our terrace table")
    page.locator("[data-testid=media-item] [data-move-media]").nth(1).click()  # the table goes first
    bluesky_preview = page.locator("[data-testid=preview]", has_text="Spring menu from Friday")
    bluesky_preview.locator(".preview-media img").nth(1).wait_for()
    assert "Own text" in bluesky_preview.inner_text()
    assert "25 / 300" in bluesky_preview.inner_text()  # the seedling is one grapheme
    page.locator("[data-testid=preview]", has_text="asparagus and wild garlic").wait_for()
    page.fill("#id_when", later(nina, days=2))
    page.locator("[data-testid=budget-credits]", has_text="2 credits needed").wait_for()
    page.locator("[data-testid=when-ok]").wait_for()
    shoot(page, "compose-per-network")
    check_page(page)

    page.click("button[value=schedule]")
    page.wait_for_url(f"{base}/queue/")
    post = Post.objects.get(workspace=workspace_of(nina))
    texts = {t.account_id: (t.status, t.text_override) for t in post.targets.all()}
    assert texts == {
        bluesky.pk: (TargetStatus.SCHEDULED, "Spring menu from Friday 🌱"),
        mastodon.pk: (TargetStatus.SCHEDULED, ""),
    }
    media = list(post.media.order_by("position").values_list("alt_text", "width"))
    assert media == [("Our terrace table", 600), ("A plate of asparagus", 600)]

    page.goto(f"{base}/posts/{post.pk}/edit/")
    assert page.locator("[data-testid=media-item]").count() == 2
    page.locator("[data-testid=media-item] [data-remove-media]").first.click()
    page.click("button[value=save]")
    page.wait_for_url(f"{base}/queue/")
    assert list(post.media.values_list("alt_text", flat=True)) == ["A plate of asparagus"]


def test_a_draft_is_edited_and_rescheduled(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    omar = make_user("omar", Tier.PRO)
    account = create_account(omar, Platform.MASTODON)
    draft = create_post(owner(omar), text="An idea for next week", account_ids=[account.pk])
    log_in(page, base, "omar")
    page.goto(f"{base}/posts/{draft.pk}/edit/")
    assert page.input_value("#id_text") == "An idea for next week"
    check_page(page)
    page.fill("#id_text", "An idea for next week, written out")
    page.fill("#id_when", later(omar, days=3))
    page.click("button[value=schedule]")
    page.wait_for_url(f"{base}/queue/")
    draft.refresh_from_db()
    assert (draft.text, draft.targets.get().status) == ("An idea for next week, written out", TargetStatus.SCHEDULED)

    page.goto(f"{base}/posts/{draft.pk}/edit/")
    moved = later(omar, days=5)
    page.fill("#id_when", moved)
    page.click("button[value=save]")
    page.wait_for_url(f"{base}/queue/")
    draft.refresh_from_db()
    assert draft.scheduled_at is not None
    assert draft.scheduled_at.astimezone(workspace_of(omar).zone).strftime(FIELD) == moved


def test_each_refusal_keeps_the_text_on_the_composer(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    alice = make_user("alice", Tier.FREE, time_zone="Europe/Berlin")
    account = create_account(alice, Platform.MASTODON)
    log_in(page, base, "alice")

    # A time the clocks skip: refused on the field, with the hour after it offered.
    page.goto(f"{base}/compose/")
    page.fill("#id_text", "Spring forward")
    page.fill("#id_when", "2027-03-28T02:30")
    page.locator("[data-testid=when-problem]", has_text="does not exist in Europe/Berlin").wait_for()
    # compose.js marks the field after htmx settles the message, so wait for the mark rather than read it once.
    expect(page.locator("#id_when")).to_have_class(re.compile(r"\bis-invalid\b"))
    page.click("button[value=schedule]")
    dst = Post.objects.get(workspace=workspace_of(alice), text="Spring forward")
    page.wait_for_url(f"{base}/posts/{dst.pk}/edit/")
    assert "does not exist in Europe/Berlin" in page.inner_text("[data-testid=when-problem]")
    assert page.input_value("#id_text") == "Spring forward"
    shoot(page, "compose-refusal-dst")
    check_page(page)
    page.click("[data-testid=when-suggestion]")
    assert page.input_value("#id_when") == "2027-03-28T03:30"

    # A time in the past.
    page.goto(f"{base}/compose/")
    page.fill("#id_text", "Too late")
    page.fill("#id_when", (datetime.now(workspace_of(alice).zone) - timedelta(hours=1)).strftime(FIELD))
    page.click("button[value=schedule]")
    past = Post.objects.get(workspace=workspace_of(alice), text="Too late")
    page.wait_for_url(f"{base}/posts/{past.pk}/edit/")
    assert "in the past" in page.inner_text("[data-testid=when-problem]")
    assert "kept as a draft" in page.inner_text("[data-testid=refusal]")
    check_page(page)

    # A full queue on Free.
    for day in range(1, 6):
        create_scheduled_post(alice, [account], days=day)
    page.goto(f"{base}/compose/")
    page.fill("#id_text", "One post too many")
    page.fill("#id_when", later(alice, days=7))
    page.locator("[data-testid=budget-queue]", has_text="full").wait_for()
    page.click("button[value=schedule]")
    full = Post.objects.get(workspace=workspace_of(alice), text="One post too many")
    page.wait_for_url(f"{base}/posts/{full.pk}/edit/")
    refusal = page.inner_text("[data-testid=refusal]")
    assert "Your queue of scheduled posts is full: 5 of 5 used on the Free plan." in refusal
    assert page.locator("[data-testid=refusal] a", has_text="Open the queue").count() == 1
    assert page.input_value("#id_text") == "One post too many"
    shoot(page, "compose-refusal-queue")
    check_page(page)

    # No credits left.
    for scheduled in Post.objects.filter(workspace=workspace_of(alice)).exclude(pk__in=[dst.pk, past.pk, full.pk]):
        delete_post(owner(alice), scheduled.pk)
    Workspace.objects.filter(personal_owner=alice).update(credits=0)
    page.goto(f"{base}/posts/{full.pk}/edit/")
    page.fill("#id_when", later(alice, days=7))
    with page.expect_navigation(url=f"{base}/posts/{full.pk}/edit/"):
        page.click("button[value=schedule]")
    assert "Not enough credits: 0 available, 1 needed." in page.inner_text("[data-testid=refusal]")
    assert page.input_value("#id_text") == "One post too many"
    check_page(page)
    for post in (dst, past, full):
        assert post.targets.get().status == TargetStatus.DRAFT
    assert not CreditReservation.objects.filter(
        workspace=workspace_of(alice), status=ReservationStatus.PENDING
    ).exists()


def test_the_ai_fills_the_composer_only_when_chosen(
    page: "playwright.Page", live_server: object, ai_model: FakeOpenAI
) -> None:
    base = str(live_server)
    ai_model.default = lambda request: Reply(text="Fresh bread at 9, every day.")
    pia = make_user("pia", Tier.PRO)
    create_account(pia, Platform.BLUESKY)
    log_in(page, base, "pia")
    page.goto(f"{base}/compose/")
    page.fill("#id_text", "My own words")
    page.click("[data-testid=ai-toggle]")
    page.fill("#ai-topic", "Bread")
    page.click("[data-testid=ai-write]")
    page.locator("[data-testid=draft]").wait_for()
    assert page.input_value("#id_text") == "My own words"
    check_page(page)
    page.click("[data-testid=draft] button[data-use-draft]")
    assert page.input_value("#id_text") == "Fresh bread at 9, every day."

    ai_model.default = lambda request: Reply(text="Fresh bread at 9. #bread")
    page.click("#ai-improve-tab")
    page.click("[data-testid=ai-hashtags]")
    page.locator("[data-testid=draft]", has_text="#bread").wait_for()
    assert page.input_value("#id_text") == "Fresh bread at 9, every day."
    page.locator("[data-testid=draft]", has_text="#bread").locator("button[data-use-draft]").click()
    assert page.input_value("#id_text") == "Fresh bread at 9. #bread"
    page.locator("[data-testid=preview]", has_text="#bread").wait_for()
    shoot(page, "compose-ai")
    check_page(page)


def test_the_composer_works_at_phone_width(phone: "playwright.Page", live_server: object, pictures: list[str]) -> None:
    base = str(live_server)
    quinn = make_user("quinn", Tier.PRO)
    create_account(quinn, Platform.BLUESKY)
    create_account(quinn, Platform.X)
    log_in(phone, base, "quinn")
    phone.goto(f"{base}/compose/")
    phone.fill("#id_text", "From my phone " * 30)
    phone.locator(".account-toggle").first.click()
    phone.locator(".account-toggle").nth(1).click()
    phone.set_input_files("#id_attachments", pictures[:1])
    phone.locator("[data-testid=preview]", has_text="X").wait_for()
    phone.locator("[data-testid=budget-credits]", has_text="2 credits needed").wait_for()
    phone.set_viewport_size(PHONE)
    shoot(phone, "compose-phone")
    check_page(phone)
