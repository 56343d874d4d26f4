"""Attaching uploaded images and videos to a post, checked by their content, not by the name or claimed type."""

import json
import shutil
import subprocess
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from tidings.accounts.models import User
from tidings.core.errors import InvalidInput
from tidings.posts.models import MediaAsset, MediaKind
from tidings.posts.services import get_post

MB = 1024 * 1024
MAX_IMAGE_BYTES = 20 * MB
MAX_VIDEO_BYTES = 1024 * MB
MAX_ITEMS = 10
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
# ISO base media (mp4, mov) carry "ftyp" at byte 4; WebM starts with the EBML magic.
VIDEO_SIGNATURES = (
    (4, b"ftypqt", "video/quicktime"),
    (4, b"ftyp", "video/mp4"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm"),
)


@dataclass(frozen=True)
class Probe:
    kind: MediaKind
    mime_type: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


def probe(upload: UploadedFile) -> Probe:
    """What the file really is. Refuses anything that is not a readable image or a known video container."""
    head = upload.read(16)
    upload.seek(0)
    for offset, magic, mime in VIDEO_SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return _probe_video(upload, mime)
    try:
        with Image.open(upload) as image:
            image.verify()
            fmt, (width, height) = image.format or "", image.size
            animated = getattr(image, "is_animated", False)
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise InvalidInput(f"{upload.name} is not an image or video we can read.", field="media") from None
    finally:
        upload.seek(0)
    if fmt not in IMAGE_TYPES:
        raise InvalidInput(
            f"{upload.name}: {fmt or 'this'} images are not supported; use JPEG, PNG, WebP or GIF.", field="media"
        )
    kind = MediaKind.GIF if fmt == "GIF" and animated else MediaKind.IMAGE
    return Probe(kind, IMAGE_TYPES[fmt], width, height)


def _probe_video(upload: UploadedFile, mime: str) -> Probe:
    """Video size and length from ffprobe when the machine has it; without it they stay unknown (the platform
    checks them again at publish time)."""
    ffprobe = shutil.which("ffprobe")
    path = getattr(upload, "temporary_file_path", None)
    if ffprobe is None or path is None:
        return Probe(MediaKind.VIDEO, mime)
    result = subprocess.run(  # noqa: S603 - fixed arguments, the path is Django's own temporary file
        [
            ffprobe,
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height:format=duration",
            "-of",
            "json",
            path(),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    try:
        data = json.loads(result.stdout)
        stream = data["streams"][0]
        return Probe(
            MediaKind.VIDEO, mime, int(stream["width"]), int(stream["height"]), float(data["format"]["duration"])
        )
    except (KeyError, IndexError, ValueError):
        raise InvalidInput(f"{upload.name} is not a video we can read.", field="media") from None


def attach_media(user: User, post_id: int, *, uploads: list[UploadedFile], alt_text: str = "") -> list[MediaAsset]:
    """Store the files and attach them to the user's post, in order; all or nothing."""
    post = get_post(user, post_id)
    existing = post.media.count()
    if existing + len(uploads) > MAX_ITEMS:
        raise InvalidInput(f"A post takes at most {MAX_ITEMS} files.", field="media")
    probes = []
    for upload in uploads:
        found = probe(upload)
        limit = MAX_VIDEO_BYTES if found.kind == MediaKind.VIDEO else MAX_IMAGE_BYTES
        if (upload.size or 0) > limit:
            raise InvalidInput(f"{upload.name} is larger than {limit // MB} MB.", field="media")
        probes.append(found)
    with transaction.atomic():
        return [
            MediaAsset.objects.create(
                user=user,
                post=post,
                position=existing + index,
                file=upload,
                kind=found.kind,
                mime_type=found.mime_type,
                size_bytes=upload.size or 0,
                width=found.width,
                height=found.height,
                duration_seconds=found.duration_seconds,
                alt_text=alt_text[:1500],
            )
            for index, (upload, found) in enumerate(zip(uploads, probes, strict=True))
        ]
