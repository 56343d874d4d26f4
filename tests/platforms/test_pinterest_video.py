"""Pinterest video Pins at the HTTP edge: the media registration, the S3 form the file goes up in, the wait until
the video is processed, and the Pin that names it (developers.pinterest.com/docs/api/v5: media-create, media-get,
pins-create)."""

import json
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from tests.support.waits import QUICK
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import Content, PermanentError, Published
from tidings.platforms.connectors import pinterest_video
from tidings.platforms.connectors.pinterest import PinterestConnector
from tidings.platforms.media import MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

API = "https://api.pinterest.com/v5"
S3 = "https://pinterest-media-upload.s3-accelerate.amazonaws.com/"
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
PARAMETERS = {
    "x-amz-date": "20260101T000000Z",
    "x-amz-signature": "4c1b6fd0c4",
    "x-amz-security-token": "IQoJb3JpZ2luX2VjE",
    "x-amz-algorithm": "AWS4-HMAC-SHA256",
    "key": "uploads/12/ab/cd/1:video:1234567890123456789",
    "policy": "eyJleHBpcmF0aW9uIjoi",
    "x-amz-credential": "ASIA/20260101/us-east-1/s3/aws4_request",
    "Content-Type": "multipart/form-data",
}
MEDIA_ID = "1234567890123456789"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "clip.mp4").write_bytes(VIDEO)
    monkeypatch.setattr(pinterest_video, "PATIENCE", QUICK)


@pytest.fixture
def account(alice: User) -> SocialAccount:
    return connect_account(
        owner(alice),
        platform=Platform.PINTEREST,
        external_id="pin-user-1",
        handle="alicebakes",
        access_token="pina_a",
        base_url=f"{API}/boards/549755885175",
    )


def clip() -> MediaItem:
    return MediaItem("uploads/clip.mp4", "video", "video/mp4", len(VIDEO), 720, 1280, 12.0, "Icing the cake")


def form_parts(request: httpx.Request) -> list[Message]:
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    return list(message_from_bytes(head + request.read()).get_payload())  # type: ignore[arg-type]


def media_status(*values: str) -> list[httpx.Response]:
    return [httpx.Response(200, json={"media_id": MEDIA_ID, "media_type": "video", "status": v}) for v in values]


def test_a_video_pin_registers_uploads_awaits_and_names_the_video(
    respx_mock: respx.MockRouter, account: SocialAccount
) -> None:
    register = respx_mock.post(f"{API}/media").respond(
        201, json={"media_id": MEDIA_ID, "media_type": "video", "upload_url": S3, "upload_parameters": PARAMETERS}
    )
    upload = respx_mock.post(S3).respond(204)
    status = respx_mock.get(f"{API}/media/{MEDIA_ID}").mock(
        side_effect=media_status("registered", "processing", "succeeded")
    )
    pin = respx_mock.post(f"{API}/pins").respond(201, json={"id": "813744226420795885"})

    content = Content(text="Icing\nHow we ice a cake.", media=(clip(),), options={"cover_seconds": 3})
    published = PinterestConnector().publish(account, content, idempotency_key="key-v")

    assert published == Published("813744226420795885", "https://www.pinterest.com/pin/813744226420795885/")
    assert json.loads(register.calls.last.request.content) == {"media_type": "video"}
    assert register.calls.last.request.headers["Authorization"] == "Bearer pina_a"
    sent = upload.calls.last.request
    assert "Authorization" not in sent.headers  # the form's policy is S3's permission, not our token
    parts = form_parts(sent)
    assert [(p.get_param("name", header="content-disposition"), p.get_payload(decode=True)) for p in parts[:-1]] == [
        (name, value.encode()) for name, value in PARAMETERS.items()
    ]
    file = parts[-1]
    assert file.get_param("name", header="content-disposition") == "file"
    assert file.get_filename() == "clip.mp4"
    assert file.get_content_type() == "video/mp4"
    assert file.get_payload(decode=True) == VIDEO
    assert status.call_count == 3
    assert json.loads(pin.calls.last.request.content) == {
        "board_id": "549755885175",
        "title": "Icing",
        "description": "Icing\nHow we ice a cake.",
        "note": "Sent by Tidings (key-v)",
        "alt_text": "Icing the cake",
        "media_source": {"source_type": "video_id", "media_id": MEDIA_ID, "cover_image_key_frame_time": 3},
    }


def test_a_video_pinterest_could_not_process_makes_no_pin(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    respx_mock.post(f"{API}/media").respond(
        201, json={"media_id": MEDIA_ID, "media_type": "video", "upload_url": S3, "upload_parameters": PARAMETERS}
    )
    respx_mock.post(S3).respond(204)
    respx_mock.get(f"{API}/media/{MEDIA_ID}").mock(side_effect=media_status("processing", "failed"))
    pin = respx_mock.post(f"{API}/pins").respond(201, json={"id": "1"})
    with pytest.raises(PermanentError, match=r"^Pinterest could not process the video\.$"):
        PinterestConnector().publish(account, Content(text="Icing", media=(clip(),)), idempotency_key="key-f")
    assert not pin.called


def test_a_refused_upload_form_makes_no_pin(respx_mock: respx.MockRouter, account: SocialAccount) -> None:
    respx_mock.post(f"{API}/media").respond(
        201, json={"media_id": MEDIA_ID, "media_type": "video", "upload_url": S3, "upload_parameters": PARAMETERS}
    )
    respx_mock.post(S3).respond(403, text="<Error><Code>AccessDenied</Code></Error>")
    status = respx_mock.get(f"{API}/media/{MEDIA_ID}").respond(json={"status": "registered"})
    pin = respx_mock.post(f"{API}/pins").respond(201, json={"id": "1"})
    with pytest.raises(PermanentError, match=r"\(403\)"):
        PinterestConnector().publish(account, Content(text="Icing", media=(clip(),)), idempotency_key="key-s")
    assert not status.called
    assert not pin.called


def test_a_video_pin_passes_validation(account: SocialAccount) -> None:
    assert PinterestConnector().validate(account, Content(text="Icing", media=(clip(),))) == []
