"""Platform options in the composer, in a real browser: a TikTok tab asks TikTok (faked at the HTTP edge) what the
creator may post and offers exactly that, with nothing preset, the labels spelled out, and the choices kept."""

from collections.abc import Iterator

import pytest
import respx

from tests.conftest import create_account, make_user
from tests.support.browser import check_page, log_in, needs_browser, shoot
from tests.support.workspaces import workspace_of
from tidings.platforms.models import Platform
from tidings.posts.models import Post, TargetStatus
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]
CREATOR_URL = "https://open.tiktokapis.com/v2/post/publish/creator_info/query/"
# The creator_info/query answer's shape (https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info).
CREATOR = {
    "creator_avatar_url": "https://p16.tiktokcdn.example/a.jpeg",
    "creator_username": "tess.bakes",
    "creator_nickname": "Tess Bakes",
    "privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
    "comment_disabled": True,
    "duet_disabled": False,
    "stitch_disabled": False,
    "max_video_post_duration_sec": 600,
}


@pytest.fixture
def tiktok_edge(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.Route]:
    monkeypatch.setenv("TIDINGS_TIKTOK_CLIENT_ID", "key-123")
    monkeypatch.setenv("TIDINGS_TIKTOK_CLIENT_SECRET", "secret-456")
    with respx.mock(assert_all_called=False) as edge:
        yield edge.post(CREATOR_URL).respond(json={"data": CREATOR, "error": {"code": "ok", "message": ""}})


def test_the_tiktok_tab_offers_what_the_creator_may_post_and_keeps_the_choices(
    page: "playwright.Page", live_server: object, tiktok_edge: respx.Route
) -> None:
    base = str(live_server)
    tess = make_user("tess", Tier.PRO)
    tiktok = create_account(tess, Platform.TIKTOK)
    log_in(page, base, "tess")
    page.goto(f"{base}/compose/")
    page.fill("#id_text", "Sourdough in sixty seconds")
    page.click(f"#tab-{tiktok.pk}-button")

    box = page.locator(f"#opt-{tiktok.pk}-creator[data-loaded=true]")
    expect(box.get_by_test_id("tiktok-creator")).to_have_text(
        "Posting to TikTok as Tess Bakes (@tess.bakes); videos up to 600 s."
    )
    assert tiktok_edge.calls.last.request.headers["Authorization"] == "Bearer token-tess-1"
    expect(page.get_by_test_id("preview-problem")).to_have_text(
        ["TikTok needs a video.", "Choose who can see this TikTok video: TikTok asks each post to say so."]
    )
    privacy = box.get_by_test_id("tiktok-privacy")
    # Nothing is preset: the user picks among the levels TikTok offers this creator.
    expect(privacy).to_have_value("")
    assert privacy.locator("option").all_inner_texts() == [
        "Choose who can see this video",
        "Everyone",
        "Friends (followers you follow back)",
        "Only me",
    ]
    expect(box.get_by_test_id("tiktok-allow_comment")).to_be_disabled()
    expect(box.get_by_test_id("tiktok-allow_duet")).not_to_be_checked()
    expect(box.get_by_test_id("tiktok-allow_stitch")).not_to_be_checked()
    expect(box.get_by_test_id("tiktok-your-brand")).to_be_hidden()

    privacy.select_option("SELF_ONLY")
    box.get_by_test_id("tiktok-allow_duet").check()
    box.get_by_test_id("tiktok-commercial").check()
    expect(box.get_by_test_id("tiktok-your-brand")).to_be_visible()
    box.get_by_test_id("tiktok-your-brand").check()
    expect(box.get_by_test_id("tiktok-label")).to_have_text("Your video will be labelled “Promotional content”.")
    box.get_by_test_id("tiktok-branded").check()
    # Branded content cannot be private: "Only me" is no longer a choice, and the label says it is paid.
    expect(box.get_by_test_id("tiktok-label-paid")).to_be_visible()
    expect(box.get_by_test_id("tiktok-label")).to_be_hidden()
    expect(privacy).to_have_value("")
    expect(privacy.locator("option[value=SELF_ONLY]")).to_be_disabled()
    privacy.select_option("PUBLIC_TO_EVERYONE")
    box.get_by_test_id("tiktok-ai").check()
    expect(box.locator("[data-tiktok=bc-policy]")).to_be_visible()
    # The preview checks the post with the choices: only the missing video is left to fix.
    expect(page.get_by_test_id("preview-problem")).to_have_text(["TikTok needs a video."])
    check_page(page)
    shoot(page, "compose-tiktok-options")

    page.click("button[value=draft]")
    page.wait_for_url(f"{base}/queue/")
    target = Post.objects.get(workspace=workspace_of(tess)).targets.get()
    assert target.status == TargetStatus.DRAFT
    assert target.options == {
        "privacy_level": "PUBLIC_TO_EVERYONE",
        "allow_comment": False,
        "allow_duet": True,
        "allow_stitch": False,
        "commercial": True,
        "your_brand": True,
        "branded_content": True,
        "ai_generated": True,
    }

    page.goto(f"{base}/posts/{target.post_id}/edit/")
    page.click(f"#tab-{tiktok.pk}-button")
    box = page.locator(f"#opt-{tiktok.pk}-creator[data-loaded=true]")
    expect(box.get_by_test_id("tiktok-privacy")).to_have_value("PUBLIC_TO_EVERYONE")
    expect(box.get_by_test_id("tiktok-branded")).to_be_checked()
    expect(box.get_by_test_id("tiktok-label-paid")).to_be_visible()
    expect(box.get_by_test_id("tiktok-allow_duet")).to_be_checked()
