"""Attaching uploaded images, videos and PDF documents to a post, checked by their content, not by the name or
claimed type.

A file is kept only when it parses fully as one of the kinds in `mediatypes.EXTENSIONS`, and it is stored under
that kind's extension, so a polyglot (HTML behind a video's magic, SVG behind a PNG) keeps only its passive reading.
"""

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image, ImageSequence, UnidentifiedImageError

from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.credits.services import lock_workspace, refresh_reservations
from tidings.posts.lifecycle import balances_needed
from tidings.posts.models import MediaAsset, MediaKind, PostTarget, TargetStatus
from tidings.posts.pdf import is_pdf
from tidings.posts.publishing import content_problems
from tidings.posts.services import EDITABLE, get_post, require_to_edit
from tidings.posts.threads import check_part
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

MB = 1024 * 1024
MAX_IMAGE_BYTES = 20 * MB
MAX_VIDEO_BYTES = 1024 * MB
# Only LinkedIn takes documents, up to 100 MB (and 300 pages): "Documents API",
# https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/documents-api
MAX_DOCUMENT_BYTES = 100 * MB
LIMITS = {MediaKind.VIDEO: MAX_VIDEO_BYTES, MediaKind.DOCUMENT: MAX_DOCUMENT_BYTES}
MAX_ITEMS = 10
# Pillow's names; MPO is the multi-picture JPEG some cameras write, a JPEG to every reader.
IMAGE_FORMATS = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
# The magic picks ffprobe's demuxer, so no other one (playlists, network protocols) ever reads an upload:
# ISO base media (MP4, MOV) has "ftyp" at byte 4; Matroska (WebM) starts with the EBML magic.
ISO_BMFF, MATROSKA = "mov", "matroska"
VIDEO_CODECS = {ISO_BMFF: {"h264", "hevc", "av1", "mpeg4"}, MATROSKA: {"vp8", "vp9", "av1"}}
# https://www.webmproject.org/docs/container/: WebM is Matroska with VP8/VP9/AV1 video and Vorbis/Opus audio.
WEBM_AUDIO = {"vorbis", "opus"}
FFPROBE_SHOW = ("-count_packets", "-show_format", "-show_streams", "-of", "json")
FFPROBE_SECONDS = 60
UNREADABLE = (
    "{name} is not an image, video or document we can read; use JPEG, PNG, WebP or GIF images, MP4, MOV or WebM "
    "videos, or a PDF."
)


@dataclass(frozen=True)
class Probe:
    kind: MediaKind
    mime_type: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


def probe(upload: UploadedFile) -> Probe:
    """What the file really is. Refuses anything that does not fully parse as an image, video or PDF we take."""
    head = upload.read(16)
    upload.seek(0)
    if head[:5] == b"%PDF-":
        if not is_pdf(upload):
            raise InvalidInput(f"{upload.name} starts like a PDF but is not a whole one.", field="media")
        return Probe(MediaKind.DOCUMENT, "application/pdf")
    if head[4:8] == b"ftyp":
        return _probe_video(upload, ISO_BMFF)
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return _probe_video(upload, MATROSKA)
    return _probe_image(upload)


def _probe_image(upload: UploadedFile) -> Probe:
    # Only these decoders, never EPS (Ghostscript) or another exotic one; the JPEG decoder also reads MPO.
    formats = ["JPEG", "PNG", "WEBP", "GIF"]
    try:
        with Image.open(upload, formats=formats) as image:
            image.verify()  # structure and checksums; the image cannot be used after verify()
        upload.seek(0)
        with Image.open(upload, formats=formats) as image:
            fmt, (width, height) = image.format or "", image.size
            animated = getattr(image, "is_animated", False)
            # Decoding every frame refuses a truncated file (Pillow's ImageFile.LOAD_TRUNCATED_IMAGES stays False).
            for frame in ImageSequence.Iterator(image):
                frame.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(UNREADABLE.format(name=upload.name), field="media") from None
    finally:
        upload.seek(0)
    kind = MediaKind.GIF if fmt == "GIF" and animated else MediaKind.IMAGE
    return Probe(kind, IMAGE_FORMATS[fmt], width, height)


def _probe_video(upload: UploadedFile, demuxer: str) -> Probe:
    """Container, codecs, size and length from ffprobe, which demuxes every packet (a cut-off file fails)."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise InvalidInput(
            f"{upload.name}: videos cannot be taken, because this server lacks ffmpeg (ffprobe) to check them.",
            field="media",
        )
    with _on_disk(upload) as path:
        try:
            result = subprocess.run(  # noqa: S603 - fixed arguments; the path is our own temporary file
                [ffprobe, "-v", "error", "-protocol_whitelist", "file", "-f", demuxer, *FFPROBE_SHOW, f"file:{path}"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=FFPROBE_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise InvalidInput(f"{upload.name} took too long to check.", field="media") from None
    try:
        # At -v error, any output on stderr is a fault in the file.
        if result.returncode or result.stderr.strip():
            raise ValueError(result.stderr)
        data = json.loads(result.stdout)
        video = next(s for s in data["streams"] if s["codec_type"] == "video" and not _is_cover(s))
        width, height = int(video["width"]), int(video["height"])
        duration = float(data["format"].get("duration") or video["duration"])
    except (KeyError, StopIteration, ValueError, TypeError):
        raise InvalidInput(UNREADABLE.format(name=upload.name), field="media") from None
    return Probe(MediaKind.VIDEO, _video_type(upload.name, demuxer, data, video), width, height, duration)


def _is_cover(stream: dict[str, Any]) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _video_type(name: str | None, demuxer: str, data: dict[str, Any], video: dict[str, Any]) -> str:
    codec = video.get("codec_name", "unknown")
    if demuxer == MATROSKA:
        audio = {s.get("codec_name") for s in data["streams"] if s["codec_type"] == "audio"}
        if codec not in VIDEO_CODECS[MATROSKA] or not audio <= WEBM_AUDIO:
            raise InvalidInput(
                f"{name}: this Matroska video is not WebM; use MP4, MOV or WebM (VP8, VP9 or AV1).", field="media"
            )
        return "video/webm"
    if codec not in VIDEO_CODECS[ISO_BMFF]:
        raise InvalidInput(f"{name}: {codec} video is not taken; use H.264, HEVC, AV1 or MPEG-4 video.", field="media")
    # QuickTime files name the brand "qt  "; every other ISO brand (isom, mp41, mp42, avc1, ...) is MP4.
    brand = data["format"].get("tags", {}).get("major_brand", "").strip()
    return "video/quicktime" if brand == "qt" else "video/mp4"


@contextmanager
def _on_disk(upload: UploadedFile) -> Iterator[str]:
    """A path ffprobe can seek in (an MP4's index may sit at the end): Django's temporary file for a large upload,
    else a copy of the in-memory one."""
    path = getattr(upload, "temporary_file_path", None)
    if path is not None:
        yield path()
        return
    with tempfile.NamedTemporaryFile(suffix=".video") as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        upload.seek(0)
        yield copy.name


def attach_media(
    actor: Actor, post_id: int, *, uploads: list[UploadedFile], alt_text: str = "", part: int = 0
) -> list[MediaAsset]:
    """Store the files and attach them to the workspace's post, in order, on post `part` of its thread (0, the first);
    all or nothing. Each post of a thread takes up to `MAX_ITEMS` files of its own.

    Only posts that have not gone out take files. On a scheduled post the new content is checked against each
    platform's rules, and a credit reserved before the last renewal is reserved again, as for any edit.
    """
    actor.require(Action.DRAFT)
    post = get_post(actor.workspace, post_id)
    check_part(post, part)
    existing = post.media.count()
    if post.media.filter(part=part).count() + len(uploads) > MAX_ITEMS:
        raise InvalidInput(f"A post takes at most {MAX_ITEMS} files.", field="media")
    probes = []
    for upload in uploads:
        if (upload.size or 0) > MAX_VIDEO_BYTES:
            raise InvalidInput(f"{upload.name} is larger than {MAX_VIDEO_BYTES // MB} MB.", field="media")
        found = probe(upload)
        limit = LIMITS.get(found.kind, MAX_IMAGE_BYTES)
        if (upload.size or 0) > limit:
            raise InvalidInput(f"{upload.name} is larger than {limit // MB} MB.", field="media")
        probes.append(found)
    with transaction.atomic():
        locked = lock_workspace(actor.workspace.pk)
        scheduled = _scheduled_targets_of_editable(actor, post.pk, refusal="Files can be added only to")
        # `mime_type` is set before the file is saved: `media_path` names the file by it.
        assets = [
            MediaAsset.objects.create(
                workspace=actor.workspace,
                post=post,
                position=existing + index,
                part=part,
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
        problems = [f"{t.account}: {problem}" for t in scheduled for problem in content_problems(t)]
        if problems:
            raise InvalidInput(" ".join(problems), field="media")
        _pay_for_media(locked, scheduled)
        return assets


def arrange_media(
    actor: Actor, post_id: int, *, order: Sequence[int] = (), alt_texts: Mapping[int, str] | None = None
) -> list[MediaAsset]:
    """Put the post's files in `order` (asset ids; files not named keep their turn after those named) and set
    their descriptions (alt text) from `alt_texts`. On a scheduled post the platforms' rules are checked again."""
    actor.require(Action.DRAFT)
    post = get_post(actor.workspace, post_id)
    alt_texts = alt_texts or {}
    with transaction.atomic():
        lock_workspace(actor.workspace.pk)
        scheduled = _scheduled_targets_of_editable(actor, post.pk, refusal="Files can be arranged only on")
        assets = list(MediaAsset.objects.select_for_update().filter(post=post).order_by("position", "pk"))
        known = {asset.pk: asset for asset in assets}
        if any(pk not in known for pk in [*order, *alt_texts]):
            raise NotFound("No such file on this post.")
        ranked = [known[pk] for pk in dict.fromkeys(order)]
        ranked += [asset for asset in assets if asset not in ranked]
        for position, asset in enumerate(ranked):
            alt = alt_texts.get(asset.pk, asset.alt_text).strip()[:1500]
            if (asset.position, asset.alt_text) != (position, alt):
                asset.position, asset.alt_text = position, alt
                asset.save(update_fields=["position", "alt_text"])
        problems = [f"{t.account}: {problem}" for t in scheduled for problem in content_problems(t)]
        if problems:
            raise InvalidInput(" ".join(problems), field="media")
        return ranked


def remove_media(actor: Actor, asset_id: int) -> None:
    """Take a file off the workspace's post that has not gone out. Taking the last video off a scheduled post moves its
    reservations back to credits, in the same transaction (refused, changing nothing, when credits are short)."""
    actor.require(Action.DRAFT)
    asset = MediaAsset.objects.filter(pk=asset_id, workspace=actor.workspace, post__isnull=False).first()
    if asset is None or asset.post_id is None:
        raise NotFound("No such file on your posts.")
    with transaction.atomic():
        locked = lock_workspace(actor.workspace.pk)
        scheduled = _scheduled_targets_of_editable(actor, asset.post_id, refusal="Files can be taken off only")
        asset.delete()
        _pay_for_media(locked, scheduled)


def _scheduled_targets_of_editable(actor: Actor, post_id: int, *, refusal: str) -> list[PostTarget]:
    """The post's scheduled targets, once it is known that nothing of it is being or has been sent and that the
    actor may edit it as it stands."""
    targets = list(PostTarget.objects.select_related("account", "post").filter(post_id=post_id))
    if any(t.status not in EDITABLE for t in targets):
        raise Conflict(
            f"{refusal} drafts and scheduled posts, or posts that did not go out; this one is being or has been sent."
        )
    require_to_edit(actor, targets)
    return [t for t in targets if t.status == TargetStatus.SCHEDULED]


def _pay_for_media(locked: Workspace, scheduled: list[PostTarget]) -> None:
    """Media changed: a video added or taken off moves the reservations between credits and video credits, and a
    credit from before the last renewal is reserved again, in the caller's transaction."""
    ids = [t.pk for t in scheduled]
    refresh_reservations(locked, target_ids=ids, needs=balances_needed(ids))
