"""LinkedIn video and PDF document posts: request shapes of the Videos, Documents and Posts APIs (Microsoft Learn,
community-management/shares: videos-api, documents-api, posts-api)."""

import json
from pathlib import Path

import httpx
import pytest
import respx
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.support.waits import HAND_BACK, QUICK
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import Content, PermanentError, StillProcessing
from tidings.platforms.connectors import linkedin_media
from tidings.platforms.connectors.linkedin import LINKEDIN_VERSION, LinkedInConnector
from tidings.platforms.media import MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

API = "https://api.linkedin.com/rest"
VIDEO = "urn:li:video:C5F10AQGKQg_6y2a4sQ"
DOCUMENT = "urn:li:document:D5F10AQH4zhSbg9pV-Q"
linkedin = LinkedInConnector()


@pytest.fixture(autouse=True)
def _setup(monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(linkedin_media, "PATIENCE", QUICK)
    monkeypatch.setattr(LinkedInConnector, "patience", QUICK)


@pytest.fixture
def organization(bob: User) -> SocialAccount:
    return connect_account(
        owner(bob),
        platform=Platform.LINKEDIN,
        external_id="urn:li:organization:5583111",
        handle="Acme",
        access_token="org-at",
    )


def stored(name: str, data: bytes, kind: str, mime: str) -> MediaItem:
    path = default_storage.save(f"uploads/{name}", ContentFile(data))
    return MediaItem(path=path, kind=kind, mime_type=mime, size_bytes=len(data), duration_seconds=12.0)


def statuses(*values: str) -> list[httpx.Response]:
    return [httpx.Response(200, json={"id": "x", "status": value}) for value in values]


@respx.mock
def test_a_video_is_uploaded_in_parts_finalized_with_their_etags_awaited_and_posted(
    organization: SocialAccount,
) -> None:
    data = bytes(range(10)) * 100_000  # 1,000,000 bytes
    video = stored("clip.mp4", data, "video", "video/mp4")
    first_part = "https://www.linkedin.com/dms-uploads/sp/v2/part0"
    second_part = "https://www.linkedin.com/dms-uploads/sp/v2/part1"
    init = respx.post(f"{API}/videos", params={"action": "initializeUpload"}).respond(
        json={
            "value": {
                "uploadUrlsExpireAt": 1643763478000,
                "video": VIDEO,
                "uploadInstructions": [
                    {"uploadUrl": first_part, "firstByte": 0, "lastByte": 599_999},
                    {"uploadUrl": second_part, "firstByte": 600_000, "lastByte": 999_999},
                ],
                "uploadToken": "tok-1",
                "thumbnailUploadUrl": "",
                "captionsUploadUrl": "",
            }
        }
    )
    parts = [
        respx.put(first_part).respond(200, headers={"ETag": "/ETag0/"}),
        respx.put(second_part).respond(200, headers={"ETag": "/ETag1/"}),
    ]
    finalize = respx.post(f"{API}/videos", params={"action": "finalizeUpload"}).respond(200)
    status = respx.get(f"{API}/videos/urn%3Ali%3Avideo%3AC5F10AQGKQg_6y2a4sQ").mock(
        side_effect=statuses("WAITING_UPLOAD", "PROCESSING", "AVAILABLE")
    )
    post = respx.post(f"{API}/posts").respond(201, headers={"x-restli-id": "urn:li:share:7"})

    published = linkedin.publish(organization, Content(text="Launch day", media=(video,)), idempotency_key="k")

    assert published.external_id == "urn:li:share:7"
    assert json.loads(init.calls.last.request.content) == {
        "initializeUploadRequest": {
            "owner": "urn:li:organization:5583111",
            "fileSizeBytes": 1_000_000,
            "uploadCaptions": False,
            "uploadThumbnail": False,
        }
    }
    assert init.calls.last.request.headers["LinkedIn-Version"] == LINKEDIN_VERSION
    assert parts[0].calls.last.request.content == data[:600_000]
    assert parts[1].calls.last.request.content == data[600_000:]
    assert parts[0].calls.last.request.headers["Content-Type"] == "application/octet-stream"
    assert "Authorization" not in parts[0].calls.last.request.headers  # the address is pre-signed
    assert json.loads(finalize.calls.last.request.content) == {
        "finalizeUploadRequest": {"video": VIDEO, "uploadToken": "tok-1", "uploadedPartIds": ["/ETag0/", "/ETag1/"]}
    }
    assert status.call_count == 3
    assert status.calls.last.request.headers["Authorization"] == "Bearer org-at"
    assert json.loads(post.calls.last.request.content)["content"] == {"media": {"id": VIDEO}}


@respx.mock
def test_a_video_linkedin_could_not_process_is_not_posted(organization: SocialAccount) -> None:
    video = stored("clip.mp4", b"v" * 100, "video", "video/mp4")
    respx.post(f"{API}/videos", params={"action": "initializeUpload"}).respond(
        json={
            "value": {
                "video": VIDEO,
                "uploadInstructions": [{"uploadUrl": "https://www.linkedin.com/u/0", "firstByte": 0, "lastByte": 99}],
            }
        }
    )
    respx.put("https://www.linkedin.com/u/0").respond(200, headers={"ETag": "e0"})
    finalize = respx.post(f"{API}/videos", params={"action": "finalizeUpload"}).respond(200)
    respx.get(url__startswith=f"{API}/videos/").mock(side_effect=statuses("PROCESSING", "PROCESSING_FAILED"))
    post = respx.post(f"{API}/posts").respond(201, headers={"x-restli-id": "urn:li:share:8"})
    with pytest.raises(PermanentError, match=r"^LinkedIn could not process the video\.$"):
        linkedin.publish(organization, Content(text="Hi", media=(video,)), idempotency_key="k")
    assert json.loads(finalize.calls.last.request.content)["finalizeUploadRequest"] == {
        "video": VIDEO,
        "uploadToken": "",
        "uploadedPartIds": ["e0"],
    }
    assert not post.called


@respx.mock
def test_a_video_still_processing_is_handed_back_and_the_resumed_check_posts_it_without_uploading_again(
    organization: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linkedin_media, "PATIENCE", HAND_BACK)
    video = stored("clip.mp4", b"v" * 10, "video", "video/mp4")
    init = respx.post(f"{API}/videos", params={"action": "initializeUpload"}).respond(
        json={
            "value": {
                "video": VIDEO,
                "uploadInstructions": [{"uploadUrl": "https://www.linkedin.com/u/0", "firstByte": 0, "lastByte": 9}],
            }
        }
    )
    part = respx.put("https://www.linkedin.com/u/0").respond(200, headers={"ETag": "e0"})
    respx.post(f"{API}/videos", params={"action": "finalizeUpload"}).respond(200)
    status = respx.get(url__startswith=f"{API}/videos/").mock(side_effect=statuses("PROCESSING", "AVAILABLE"))
    post = respx.post(f"{API}/posts").respond(201, headers={"x-restli-id": "urn:li:share:7"})
    with pytest.raises(StillProcessing) as waiting:
        linkedin.publish(organization, Content(text="Hi", media=(video,)), idempotency_key="k")
    assert waiting.value.progress["video"] == VIDEO
    assert waiting.value.check_after == 7.0
    assert not post.called

    resumed = Content(text="Hi", media=(video,), progress=waiting.value.progress)
    assert linkedin.publish(organization, resumed, idempotency_key="k").external_id == "urn:li:share:7"
    assert (init.call_count, part.call_count, status.call_count, post.call_count) == (1, 1, 2, 1)
    assert json.loads(post.calls.last.request.content)["content"] == {"media": {"id": VIDEO}}


@respx.mock
def test_a_pdf_is_uploaded_awaited_and_posted_as_a_document_with_its_title(organization: SocialAccount) -> None:
    data = b"%PDF-1.7\n" + b"0" * 200_000 + b"\n%%EOF\n"
    document = stored("deck.pdf", data, "document", "application/pdf")
    upload_url = "https://www.linkedin.com/dms-uploads/sp/D5F10AQH4zhSbg9pV-Q/uploaded-document/0"
    init = respx.post(f"{API}/documents", params={"action": "initializeUpload"}).respond(
        json={"value": {"uploadUrlExpiresAt": 1650567510704, "uploadUrl": upload_url, "document": DOCUMENT}}
    )
    put = respx.put(upload_url).respond(201)
    status = respx.get(f"{API}/documents/urn%3Ali%3Adocument%3AD5F10AQH4zhSbg9pV-Q").mock(
        side_effect=statuses("PROCESSING", "AVAILABLE")
    )
    post = respx.post(f"{API}/posts").respond(201, headers={"x-restli-id": "urn:li:share:9"})

    content = Content(text="\n Our 2026 report \nRead it all.", media=(document,))
    linkedin.publish(organization, content, idempotency_key="k")

    assert json.loads(init.calls.last.request.content) == {
        "initializeUploadRequest": {"owner": "urn:li:organization:5583111"}
    }
    request = put.calls.last.request
    assert request.content == data
    assert request.headers["Content-Length"] == str(len(data))  # streamed from the file, with its length
    assert (request.headers["Authorization"], request.headers["Content-Type"]) == ("Bearer org-at", "application/pdf")
    assert status.call_count == 2
    body = json.loads(post.calls.last.request.content)
    assert body["content"] == {"media": {"title": "Our 2026 report", "id": DOCUMENT}}
    assert body["commentary"] == "\n Our 2026 report \nRead it all."

    post.calls.reset()
    status.side_effect = statuses("AVAILABLE")
    titled = Content(text="Read", media=(document,), options={"title": "Q3"})
    linkedin.publish(organization, titled, idempotency_key="k")
    assert json.loads(post.calls.last.request.content)["content"] == {"media": {"title": "Q3", "id": DOCUMENT}}


@respx.mock
def test_a_document_linkedin_could_not_process_is_not_posted_and_says_the_limits(organization: SocialAccount) -> None:
    document = stored("deck.pdf", b"%PDF-1.7\n%%EOF\n", "document", "application/pdf")
    respx.post(f"{API}/documents", params={"action": "initializeUpload"}).respond(
        json={"value": {"uploadUrl": "https://www.linkedin.com/dms-uploads/d/0", "document": DOCUMENT}}
    )
    respx.put("https://www.linkedin.com/dms-uploads/d/0").respond(201)
    respx.get(url__startswith=f"{API}/documents/").respond(json={"status": "PROCESSING_FAILED"})
    post = respx.post(f"{API}/posts").respond(201)
    with pytest.raises(PermanentError) as refused:
        linkedin.publish(organization, Content(text="Deck", media=(document,)), idempotency_key="k")
    assert refused.value.message == (
        "LinkedIn could not process the document. It takes PDFs of up to 100 MB and 300 pages."
    )
    assert not post.called


def test_a_document_goes_to_linkedin_alone_and_within_its_limit(organization: SocialAccount) -> None:
    document = MediaItem(path="uploads/d.pdf", kind="document", mime_type="application/pdf", size_bytes=1000)
    image = MediaItem(path="uploads/a.jpg", kind="image", mime_type="image/jpeg", size_bytes=1000)
    assert linkedin.validate(organization, Content(text="Report", media=(document,))) == []
    assert linkedin.validate(organization, Content(text="Report", media=(document, image))) == [
        "LinkedIn posts a PDF on its own: one document, without images or a video."
    ]
    big = MediaItem(path="uploads/e.pdf", kind="document", mime_type="application/pdf", size_bytes=101 * 1024 * 1024)
    assert linkedin.validate(organization, Content(text="Report", media=(big,))) == [
        "e.pdf is 101 MB; LinkedIn takes documents up to 100 MB."
    ]
