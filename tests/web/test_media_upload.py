import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.conftest import create_account
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.posts.models import MediaAsset, Post, TargetStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]


def png(width: int = 40, height: int = 20) -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(data, format="PNG")
    return SimpleUploadedFile("red.png", data.getvalue(), content_type="image/png")


def test_an_image_is_stored_with_its_real_type_and_size(client: Client, bob: User) -> None:
    account = create_account(bob)
    client.force_login(bob)
    client.post(
        "/compose/",
        {
            "text": "With a picture",
            "accounts": [account.pk],
            "action": "draft",
            "attachments": [png()],
            "alt_text": "A red box",
        },
    )
    asset = MediaAsset.objects.get(workspace=workspace_of(bob))
    assert (asset.kind, asset.mime_type, asset.width, asset.height, asset.alt_text) == (
        "image",
        "image/png",
        40,
        20,
        "A red box",
    )
    assert asset.post == Post.objects.get(workspace=workspace_of(bob), text="With a picture")


def test_a_file_that_only_claims_to_be_an_image_is_refused_and_the_text_kept(client: Client, bob: User) -> None:
    account = create_account(bob)
    client.force_login(bob)
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post(
        "/compose/",
        {"text": "Keep me", "accounts": [account.pk], "action": "schedule", "attachments": [fake]},
        follow=True,
    )
    assert "evil.png is not an image, video or document we can read; use JPEG, PNG" in response.content.decode()
    post = Post.objects.get(workspace=workspace_of(bob))
    assert post.text == "Keep me"
    assert post.targets.get().status == TargetStatus.DRAFT
    assert not MediaAsset.objects.exists()


def test_uploads_get_unguessable_names_and_are_served_only_by_them(client: Client, bob: User) -> None:
    account = create_account(bob)
    client.force_login(bob)
    client.post("/compose/", {"text": "Pic", "accounts": [account.pk], "action": "draft", "attachments": [png()]})
    asset = MediaAsset.objects.get(workspace=workspace_of(bob))
    assert re.fullmatch(r"uploads/[0-9a-f]{32}\.png", asset.file.name)
    client.logout()
    response = Client().get(f"/media/{asset.file.name}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert Client().get("/media/uploads/").status_code == 404
    assert Client().get("/media/../settings.py").status_code == 404


# Polyglots and lookalikes from the security review: each is refused, or kept only as the passive type it parses as.
UNREADABLE = (
    "{name} is not an image, video or document we can read; use JPEG, PNG, WebP or GIF images, MP4, MOV or WebM "
    "videos, or a PDF."
)
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def jpeg(width: int = 64, height: int = 64) -> bytes:
    data = io.BytesIO()
    Image.effect_noise((width, height), 64).convert("RGB").save(data, format="JPEG", quality=90)
    return data.getvalue()


def ffmpeg(folder: Path, name: str, *codec: str) -> bytes:
    """A real one-second 64x64 video, made by ffmpeg (a requirement, like ffprobe: see the README)."""
    binary = shutil.which("ffmpeg")
    assert binary, "ffmpeg is a requirement (README); .ci/run installs it"
    out = folder / name
    subprocess.run(  # noqa: S603 - fixed arguments
        [binary, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=1:size=64x64:rate=10", *codec, str(out)],
        check=True,
        timeout=60,
    )
    return out.read_bytes()


@pytest.fixture
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where videos are made: outside MEDIA_ROOT, which must hold only what was stored."""
    return tmp_path_factory.mktemp("made")


MP4 = ("-c:v", "libx264", "-pix_fmt", "yuv420p")


def upload(client: Client, user: User, name: str, data: bytes) -> str:
    """Compose a draft with one file, as the browser sends it; the page the user lands on."""
    account = create_account(user)
    client.force_login(user)
    response = client.post(
        "/compose/",
        {
            "text": "With a file",
            "accounts": [account.pk],
            "action": "draft",
            "attachments": [SimpleUploadedFile(name, data, content_type="application/octet-stream")],
        },
        follow=True,
    )
    return response.content.decode()


def assert_refused(page: str, message: str, media_root: Path) -> None:
    assert message in page
    assert "Your post is kept as a draft without the files." in page
    assert Post.objects.get().text == "With a file"
    assert not MediaAsset.objects.exists()
    assert not any(media_root.rglob("*.*"))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # bytes 4-8 are "ftyp": the old check took this for a video and kept the client's ".html"
        ("clip.html", b"\x00\x00\x00\x18ftypisom" + HTML),
        ("clip.mp4", b"\x00\x00\x00\x18ftypisom" + HTML),
        ("pic.svg", SVG),
        ("photo.jpg", HTML),
        ("photo.jpg", jpeg()[:-400]),  # truncated: the header reads, the pixels do not
        ("talk.webm", b"\x1a\x45\xdf\xa3" + HTML),
    ],
    ids=["html-ftyp-as-html", "html-ftyp-as-mp4", "svg", "html-as-jpg", "truncated-jpeg", "html-ebml-as-webm"],
)
def test_a_file_that_does_not_fully_parse_as_its_kind_is_refused(
    client: Client, bob: User, tmp_path: Path, name: str, data: bytes
) -> None:
    assert_refused(upload(client, bob, name, data), UNREADABLE.format(name=name), tmp_path)


def test_a_truncated_video_is_refused(client: Client, bob: User, tmp_path: Path, made: Path) -> None:
    whole = ffmpeg(made, "whole.mp4", *MP4)
    assert_refused(
        upload(client, bob, "clip.mp4", whole[: len(whole) // 2]), UNREADABLE.format(name="clip.mp4"), tmp_path
    )


def test_matroska_that_is_not_webm_is_refused(client: Client, bob: User, tmp_path: Path, made: Path) -> None:
    mkv = ffmpeg(made, "clip.mkv", *MP4)
    page = upload(client, bob, "clip.webm", mkv)
    assert_refused(
        page, "clip.webm: this Matroska video is not WebM; use MP4, MOV or WebM (VP8, VP9 or AV1).", tmp_path
    )


def test_a_png_with_svg_appended_is_kept_and_served_only_as_png(client: Client, bob: User) -> None:
    # The bytes parse fully as a PNG (a decoder stops at IEND), so they are that PNG; the SVG tail is inert when
    # the file is named .png and served as image/png with nosniff and a sandbox policy.
    polyglot = png().read() + SVG
    upload(client, bob, "pic.svg", polyglot)
    asset = MediaAsset.objects.get(workspace=workspace_of(bob))
    assert (asset.kind, asset.mime_type) == ("image", "image/png")
    assert re.fullmatch(r"uploads/[0-9a-f]{32}\.png", asset.file.name)
    response = Client().get(f"/media/{asset.file.name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert sorted(response["Content-Security-Policy"].split("; ")) == ["default-src 'none'", "sandbox"]
    assert b"".join(response.streaming_content) == polyglot


@pytest.mark.parametrize(
    ("name", "codec", "mime_type", "extension"),
    [
        ("clip.mp4", MP4, "video/mp4", "mp4"),
        # the client's name does not decide: the container does
        ("clip.html", MP4, "video/mp4", "mp4"),
        ("clip.mov", (*MP4, "-f", "mov", "-brand", "qt  "), "video/quicktime", "mov"),
        ("clip.webm", ("-c:v", "libvpx-vp9"), "video/webm", "webm"),
    ],
    ids=["mp4", "mp4-named-html", "mov", "webm"],
)
def test_a_real_video_is_stored_by_its_container_and_served_as_it(
    client: Client,
    bob: User,
    made: Path,
    name: str,
    codec: tuple[str, ...],
    mime_type: str,
    extension: str,
) -> None:
    video = ffmpeg(made, f"made.{extension}", *codec)
    upload(client, bob, name, video)
    asset = MediaAsset.objects.get(workspace=workspace_of(bob))
    assert (asset.kind, asset.mime_type, asset.width, asset.height, asset.duration_seconds) == (
        "video",
        mime_type,
        64,
        64,
        1.0,
    )
    assert re.fullmatch(rf"uploads/[0-9a-f]{{32}}\.{extension}", asset.file.name)
    response = Client().get(f"/media/{asset.file.name}")
    assert (response.status_code, response["Content-Type"]) == (200, mime_type)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert sorted(response["Content-Security-Policy"].split("; ")) == ["default-src 'none'", "sandbox"]
    assert b"".join(response.streaming_content) == video


def test_without_ffprobe_videos_are_refused(
    client: Client, bob: User, tmp_path: Path, made: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = ffmpeg(made, "made.mp4", *MP4)
    monkeypatch.setenv("PATH", str(made))  # a PATH without ffprobe
    page = upload(client, bob, "clip.mp4", video)
    assert_refused(
        page, "clip.mp4: videos cannot be taken, because this server lacks ffmpeg (ffprobe) to check them.", tmp_path
    )


@pytest.mark.parametrize("suffix", ["html", "svg", "js", "bin", "PNG"])
def test_media_is_served_only_under_the_allowed_extensions(client: Client, tmp_path: Path, suffix: str) -> None:
    name = f"uploads/{'a' * 32}.{suffix}"
    (tmp_path / "uploads").mkdir()
    (tmp_path / name).write_bytes(HTML)
    assert Client().get(f"/media/{name}").status_code == 404
