"""What a post embeds: its video, its images, or else a card for its link (a record holds one embed).

Video goes up with com.atproto.repo.uploadBlob straight to the PDS, the "simple method" of
https://docs.bsky.app/docs/tutorials/video: Bluesky's video service then processes it once the post is out. (The
service's own upload, app.bsky.video.uploadVideo on video.bsky.app with a service token, processes it before the
post appears; it needs that service, which a self-hosted PDS or a test cannot reach.)
"""

from typing import Any

from django.core.files.storage import default_storage

from tidings.platforms.base import PermanentError
from tidings.platforms.connectors.bluesky import blobs, cards, records
from tidings.platforms.media import MediaItem
from tidings.platforms.models import SocialAccount
from tidings.platforms.rules import URL_RE


def embed_for(
    account: SocialAccount, *, text: str, media: tuple[MediaItem, ...], link: str = ""
) -> dict[str, Any] | None:
    """The embed of a post with this text and media: media first; a link card only for a post without media."""
    videos = [item for item in media if item.kind == "video"]
    if videos:
        return video_embed(account, videos[0])
    if media:
        return images_embed(account, media)
    url = link or first_link(text)
    return cards.link_card(account, url) if url else None


def first_link(text: str) -> str:
    match = URL_RE.search(text)
    if match is None:
        return ""
    url = match.group()
    return url if url.lower().startswith(("http://", "https://")) else f"https://{url}"


def images_embed(account: SocialAccount, media: tuple[MediaItem, ...]) -> dict[str, Any]:
    """app.bsky.embed.images, each image scaled down to the blob limit where it is larger, with its alt text and
    its aspect ratio (the scaled size when it was scaled)."""
    uploaded = []
    for item in media:
        fitted = blobs.fit_image(_read(item), item.mime_type)
        blob = blobs.upload_blob(account, fitted.data, fitted.mime_type)
        uploaded.append((blob, item.alt_text, fitted.width or item.width, fitted.height or item.height))
    return records.images_embed(uploaded)


def video_embed(account: SocialAccount, item: MediaItem) -> dict[str, Any]:
    """app.bsky.embed.video: the file streamed from storage as one blob (video/mp4, at most 100,000,000 bytes
    per lexicons/app/bsky/embed/video.json), with its alt text and aspect ratio."""
    try:
        with default_storage.open(item.path, "rb") as file:
            blob = blobs.upload_blob(account, file, item.mime_type)
    except OSError:
        raise PermanentError(f"The video {item.path} is missing from storage.") from None
    embed: dict[str, Any] = {"$type": "app.bsky.embed.video", "video": blob}
    if item.alt_text:
        embed["alt"] = item.alt_text
    if item.width and item.height:
        embed["aspectRatio"] = {"width": item.width, "height": item.height}
    return embed


def _read(item: MediaItem) -> bytes:
    try:
        with default_storage.open(item.path, "rb") as file:
            return bytes(file.read())
    except OSError:
        raise PermanentError(f"The image {item.path} is missing from storage.") from None
