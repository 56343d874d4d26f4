"""Blobs on the user's PDS: images made to fit the lexicon's size limit, and files streamed up as they are.

`app.bsky.embed.images` and the link card's `thumb` take blobs of at most 1,000,000 bytes
(lexicons/app/bsky/embed/images.json and external.json, `maxSize`), so a larger photo is scaled down, keeping its
aspect ratio, until it fits. https://docs.bsky.app/docs/advanced-guides/posts#images-embeds
"""

import io
import math
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image, ImageOps, UnidentifiedImageError

from tidings.platforms.base import PermanentError
from tidings.platforms.connectors.bluesky import xrpc
from tidings.platforms.models import SocialAccount

MAX_IMAGE_BYTES = 1_000_000
# Each try shrinks the picture so its area is in proportion to the bytes over the limit, with a margin; a few are
# enough for photographs, whose compressed size follows their area.
_TRIES = 8
_MARGIN = 0.9


@dataclass(frozen=True)
class FittedImage:
    data: bytes
    mime_type: str
    width: int | None
    height: int | None


def fit_image(data: bytes, mime_type: str, *, limit: int = MAX_IMAGE_BYTES) -> FittedImage:
    """`data` unchanged when it fits; otherwise re-encoded smaller (JPEG, or PNG where it has transparency)."""
    if len(data) <= limit:
        return FittedImage(data, mime_type, None, None)
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = ImageOps.exif_transpose(opened)
            image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        raise PermanentError("An image is too large for Bluesky and could not be read to make it smaller.") from None
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if transparent else "RGB")
    width, height = image.size
    scale = 1.0
    for _ in range(_TRIES):
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        encoded = _encode(image.resize(size, Image.Resampling.LANCZOS) if scale < 1 else image, transparent)
        if len(encoded) <= limit:
            return FittedImage(encoded, "image/png" if transparent else "image/jpeg", *size)
        scale *= math.sqrt(limit / len(encoded)) * _MARGIN
    raise PermanentError("An image could not be made small enough for Bluesky (1 MB); use a smaller one.")


def _encode(image: Image.Image, transparent: bool) -> bytes:
    out = io.BytesIO()
    if transparent:
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def upload_blob(account: SocialAccount, content: bytes | IO[bytes], mime_type: str) -> dict[str, Any]:
    """com.atproto.repo.uploadBlob: the blob reference to put in a record. A file is streamed, not read whole."""
    answer = xrpc.call(
        "POST",
        account.base_url,
        "com.atproto.repo.uploadBlob",
        token=account.access_token,
        content=content,
        content_type=mime_type,
    )
    blob = answer.get("blob")
    if not isinstance(blob, dict):
        raise PermanentError("Bluesky did not say where it stored the upload.")
    return blob
