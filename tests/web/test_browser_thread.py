"""A thread of three posts with files and a first comment, written in the composer of a real browser and published
through the DBOS worker to Bluesky (its PDS faked at the HTTP edge): each post goes out as a reply in turn with its
own images, the comment under the first post, and the queue shows the post published."""

import io
import json
import re
from pathlib import Path

import httpx
import pytest
import respx
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import make_user
from tests.jobs.conftest import worker  # noqa: F401 - fixture
from tests.platforms.atproto import DID, connect_bluesky, xrpc
from tests.support.browser import check_page, log_in, needs_browser, shoot
from tests.support.workspaces import owner, workspace_of
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.posts.media import attach_media
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser, pytest.mark.usefixtures("worker")]


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]


def picture(tmp_path: Path, name: str, colour: str) -> str:
    data = io.BytesIO()
    Image.new("RGB", (300, 200), colour).save(data, format="PNG")
    (tmp_path / name).write_bytes(data.getvalue())
    return str(tmp_path / name)


class Pds:
    """The PDS's repo as createRecord and uploadBlob see it."""

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.blobs = 0

    def create(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.records.append(body)
        uri = f"at://{DID}/app.bsky.feed.post/{body['rkey']}"
        return httpx.Response(200, json={"uri": uri, "cid": f"cid{len(self.records)}", "commit": {}})

    def upload(self, request: httpx.Request) -> httpx.Response:
        self.blobs += 1
        blob = {"$type": "blob", "ref": {"$link": f"bafkrei{self.blobs}"}, "mimeType": "image/png", "size": 10}
        return httpx.Response(200, json={"blob": blob})


def test_a_three_post_thread_with_files_and_a_first_comment_goes_out(
    page: "playwright.Page", live_server: object, tmp_path: Path
) -> None:
    base = str(live_server)
    tess = make_user("tess", Tier.PRO, time_zone="Europe/Lisbon")
    account = connect_bluesky(tess)
    pds = Pds()
    with respx.mock(assert_all_called=False) as edge:
        edge.post(xrpc("com.atproto.repo.createRecord")).mock(side_effect=pds.create)
        edge.post(xrpc("com.atproto.repo.uploadBlob")).mock(side_effect=pds.upload)
        edge.get(xrpc("com.atproto.repo.getRecord")).respond(400, json={"error": "RecordNotFound"})

        log_in(page, base, "tess")
        page.goto(f"{base}/compose/")
        expect(page.locator("[data-thread]")).to_have_attribute("data-ready", "true")
        page.fill("#id_text", "We baked all night.")
        page.set_input_files("#id_attachments", picture(tmp_path, "loaves.png", "tomato"))
        page.click("[data-testid=add-part]")
        page.click("[data-testid=add-part]")
        parts = page.locator("[data-testid=thread-part]:visible")
        expect(parts).to_have_count(2)
        parts.nth(0).locator("[data-testid=part-text]").fill("And the croissants.")
        parts.nth(1).locator("[data-testid=part-text]").fill("Rye first, then the sourdough.")
        # Written in the wrong order: the second post moves up.
        parts.nth(1).locator("[data-part-up]").click()
        expect(parts.nth(0).locator("[data-testid=part-text]")).to_have_value("Rye first, then the sourdough.")
        expect(parts.nth(0).locator("[data-testid=part-counter]")).to_have_text("30 characters")
        parts.nth(1).locator("[data-testid=part-files]").set_input_files(picture(tmp_path, "croissant.png", "gold"))
        page.fill("[data-testid=first-comment]", "Order ahead at the counter")

        preview = page.locator("[data-testid=preview]").first
        expect(preview.locator("[data-testid=thread-note]")).to_have_text(re.compile("thread of 3 posts"))
        expect(preview.locator("[data-testid=preview-comment-text]")).to_have_text("Order ahead at the counter")
        expect(preview.locator("[data-testid=part-media]")).to_have_text(re.compile("1 file"))
        check_page(page)
        shoot(page, "composer-thread")

        page.click("button[value=now]")
        page.wait_for_url(re.compile(rf"{base}/queue/.*"))
        status = page.locator("[data-testid=target-status]").first
        for _ in range(60):
            if status.inner_text().strip() == "Published":
                break
            page.wait_for_timeout(1000)
            page.reload()
        assert status.inner_text().strip() == "Published"

    target = PostTarget.objects.get(post__workspace=workspace_of(tess), account=account)
    assert (target.status, target.error) == (TargetStatus.PUBLISHED, "")
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED
    records = [body["record"] for body in pds.records]
    assert [r["text"] for r in records] == [
        "We baked all night.",
        "Rye first, then the sourdough.",
        "And the croissants.",
        "Order ahead at the counter",
    ]
    root = {"uri": f"at://{DID}/app.bsky.feed.post/{pds.records[0]['rkey']}", "cid": "cid1"}
    second = {"uri": f"at://{DID}/app.bsky.feed.post/{pds.records[1]['rkey']}", "cid": "cid2"}
    assert [r.get("reply") for r in records] == [
        None,
        {"root": root, "parent": root},
        {"root": root, "parent": second},
        {"root": root, "parent": root},
    ]
    assert [r["embed"]["images"][0]["image"]["ref"]["$link"] if "embed" in r else None for r in records] == [
        "bafkrei1",
        None,
        "bafkrei2",
        None,
    ]
    check_page(page)


def test_the_thread_editor_fits_a_phone_and_removes_a_post_with_its_files(
    phone: "playwright.Page", live_server: object, tmp_path: Path
) -> None:
    base = str(live_server)
    uma = make_user("uma", Tier.PRO, time_zone="Europe/Lisbon")
    account = connect_bluesky(uma)
    post = create_post(
        owner(uma), text="One", account_ids=[account.pk], thread_parts=["Two", "Three"], first_comment="Hi"
    )
    upload = SimpleUploadedFile("two.png", Path(picture(tmp_path, "two.png", "teal")).read_bytes())
    attach_media(owner(uma), post.pk, uploads=[upload], part=1)
    log_in(phone, base, "uma")
    phone.goto(f"{base}/posts/{post.pk}/edit/")
    expect(phone.locator("[data-thread]")).to_have_attribute("data-ready", "true")
    parts = phone.locator("[data-testid=thread-part]:visible")
    expect(parts).to_have_count(2)
    expect(parts.nth(0).locator("[data-testid=part-file]")).to_have_count(1)
    # The file goes with post 2 only: not among the first post's files, nor in its preview.
    expect(phone.locator("[data-testid=media-item]")).to_have_count(0)
    expect(phone.locator("[data-testid=part-media]")).to_have_text(re.compile("1 file"))
    expect(phone.locator("[data-preview-media]")).to_have_count(0)
    expect(phone.locator("[data-testid=first-comment]")).to_have_value("Hi")
    check_page(phone)
    shoot(phone, "composer-thread-phone")

    parts.nth(0).locator("[data-testid=remove-part]").click()
    expect(parts).to_have_count(1)
    expect(parts.nth(0).locator("[data-part-number]")).to_have_text("2")
    phone.click("button[value=draft]")
    phone.wait_for_url(re.compile(rf"{base}/queue/.*"))
    post.refresh_from_db()
    assert post.thread_parts == ["Three"]
    assert not post.media.exists()
