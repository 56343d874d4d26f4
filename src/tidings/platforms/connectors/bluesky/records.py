"""Building `app.bsky.feed.post` records: deterministic record keys, rich-text facets, reply and image embeds.

Lexicons: https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/post.json and
https://docs.bsky.app/docs/advanced-guides/post-richtext (facet offsets count UTF-8 bytes, not characters).
"""

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import regex

from tidings.platforms.rules import HASHTAG_RE, URL_RE

POST = "app.bsky.feed.post"
_BASE32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
# 2023-01-01T00:00:00Z in microseconds: the timestamps of our record keys fall in the 13 months after it.
_TID_EPOCH_US = 1_672_531_200_000_000
_TID_SPAN_BITS = 45
# A tag facet holds at most 64 graphemes (app.bsky.richtext.facet#tag).
_MAX_TAG_GRAPHEMES = 64
_NUMBERED = re.compile(r"\s(\d+)/(\d+)$")


def record_key(idempotency_key: str, part: int) -> str:
    """The record key of part `part` of the post sent with `idempotency_key`: the same on every attempt, so a
    retry finds the post it made instead of making another.

    A post's key must be a TID (https://atproto.com/specs/tid): 13 base32-sortable characters of a 64-bit integer,
    top bit 0, then 53 bits of microseconds and 10 bits of clock id. Ours take both from a hash of the key; the
    time is kept in 2023 so that it is never in the future (Bluesky sorts feeds by `createdAt`, not by key).
    """
    digest = int.from_bytes(hashlib.sha256(f"{idempotency_key}:{part}".encode()).digest()[:8], "big")
    micros = _TID_EPOCH_US + (digest >> 10) % (1 << _TID_SPAN_BITS)
    value = (micros << 10) | (digest & 0x3FF)
    return "".join(_BASE32_SORTABLE[(value >> shift) & 31] for shift in range(60, -1, -5))


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def facets(text: str) -> list[dict[str, Any]]:
    """Link and hashtag facets, with UTF-8 byte offsets; a '#' inside a link is part of the link."""
    found: list[dict[str, Any]] = []
    links: list[tuple[int, int]] = []
    for match in URL_RE.finditer(text):
        uri = match.group()
        uri = uri if uri.lower().startswith(("http://", "https://")) else f"https://{uri}"
        links.append(match.span())
        found.append(_facet(text, match.span(), {"$type": "app.bsky.richtext.facet#link", "uri": uri}))
    for match in HASHTAG_RE.finditer(text):
        start, end = match.span()
        tag = match.group()[1:]
        if any(s <= start < e for s, e in links) or len(regex.findall(r"\X", tag)) > _MAX_TAG_GRAPHEMES:
            continue
        found.append(_facet(text, (start, end), {"$type": "app.bsky.richtext.facet#tag", "tag": tag}))
    return sorted(found, key=lambda facet: facet["index"]["byteStart"])


_link_and_tag_facets = facets


def _facet(text: str, span: tuple[int, int], feature: dict[str, str]) -> dict[str, Any]:
    index = {"byteStart": _byte_offset(text, span[0]), "byteEnd": _byte_offset(text, span[1])}
    return {"index": index, "features": [feature]}


def post_record(
    text: str,
    *,
    created_at: datetime | None = None,
    reply: dict[str, Any] | None = None,
    embed: dict[str, Any] | None = None,
    facets: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The record; `facets` as resolved by `richtext.facets` (mentions need the PDS), else links and tags."""
    when = (created_at or datetime.now(UTC)).astimezone(UTC)
    record: dict[str, Any] = {
        "$type": POST,
        "text": text,
        "createdAt": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if found := (_link_and_tag_facets(text) if facets is None else facets):
        record["facets"] = found
    if reply:
        record["reply"] = reply
    if embed:
        record["embed"] = embed
    return record


def strong_ref(answer: dict[str, Any]) -> dict[str, str]:
    """com.atproto.repo.strongRef from a createRecord or getRecord answer."""
    return {"uri": str(answer["uri"]), "cid": str(answer["cid"])}


def reply_refs(root: dict[str, str], parent: dict[str, str]) -> dict[str, Any]:
    return {"root": root, "parent": parent}


def images_embed(images: list[tuple[dict[str, Any], str, int | None, int | None]]) -> dict[str, Any]:
    """app.bsky.embed.images from (blob, alt text, width, height); the alt text is required, empty allowed."""
    entries = []
    for blob, alt, width, height in images:
        entry: dict[str, Any] = {"image": blob, "alt": alt}
        if width and height:
            entry["aspectRatio"] = {"width": width, "height": height}
        entries.append(entry)
    return {"$type": "app.bsky.embed.images", "images": entries}


def looks_unfinished(text: str) -> bool:
    """A thread part numbered "k/n" with k < n: the parts after it were not all written."""
    match = _NUMBERED.search(text)
    return match is not None and int(match.group(1)) < int(match.group(2))
