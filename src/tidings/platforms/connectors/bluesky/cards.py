"""Link cards: `app.bsky.embed.external` built from the linked page's Open Graph tags, as Bluesky's app shows them.

Bluesky does not fetch previews itself; the client reads the page's og:title, og:description and og:image and
uploads the image as the card's `thumb` blob (https://docs.bsky.app/docs/advanced-guides/posts, "Website card
embeds"; lexicons/app/bsky/embed/external.json). The page is a user-given address, so it is fetched through the
address guard (`tidings.http`, public addresses only), with short timeouts and a cap on what is read. A page that
cannot be read gives no card: the post still goes out, its link a facet.
"""

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from tidings import http
from tidings.platforms.base import PermanentError
from tidings.platforms.connectors.bluesky import blobs
from tidings.platforms.models import SocialAccount

TIMEOUT = httpx.Timeout(connect=3.0, read=5.0, write=5.0, pool=3.0)
MAX_PAGE_BYTES = 512 * 1024
MAX_IMAGE_SOURCE_BYTES = 8 * 1024 * 1024
MAX_REDIRECTS = 3
MAX_TITLE = 300
MAX_DESCRIPTION = 1000


@dataclass(frozen=True)
class Preview:
    url: str
    title: str
    description: str
    image_url: str


class _Meta(HTMLParser):
    """The page's <title> and its <meta property|name=... content=...> tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        key = (values.get("property") or values.get("name") or "").lower()
        if tag == "meta" and key and "content" in values:
            self.meta.setdefault(key, values["content"].strip())
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


@dataclass(frozen=True)
class _Fetched:
    url: str  # after redirects
    content_type: str
    charset: str
    body: bytes


def _get(url: str, *, limit: int) -> _Fetched | None:
    """GET through the guard, following a few redirects (each connection checked again: a name that resolves to
    this machine or a private network is refused there); None on any failure or past `limit` bytes."""
    with http.client(timeout=TIMEOUT, public_only=True) as client:
        for _ in range(MAX_REDIRECTS + 1):
            if urlsplit(url).scheme not in ("http", "https"):
                return None
            try:
                with client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code != 200:
                        return None
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > limit:
                            return None
                    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    return _Fetched(url, kind, response.charset_encoding or "utf-8", bytes(body))
            except httpx.HTTPError:
                return None
    return None


def page_preview(url: str) -> Preview | None:
    """Title, description and image address of the page at `url`, or None when there is nothing to show."""
    page = _get(url, limit=MAX_PAGE_BYTES)
    if page is None or (page.content_type and "html" not in page.content_type):
        return None
    parser = _Meta()
    try:
        parser.feed(page.body.decode(page.charset, errors="replace"))
    except LookupError:  # a charset Python does not know
        parser.feed(page.body.decode("utf-8", errors="replace"))
    meta = parser.meta
    title = meta.get("og:title") or meta.get("twitter:title") or parser.title.strip()
    description = meta.get("og:description") or meta.get("twitter:description") or meta.get("description", "")
    image = meta.get("og:image") or meta.get("og:image:url") or meta.get("twitter:image", "")
    if not title and not description:
        return None
    return Preview(url, title[:MAX_TITLE], description[:MAX_DESCRIPTION], urljoin(page.url, image) if image else "")


def link_card(account: SocialAccount, url: str) -> dict[str, Any] | None:
    """The card for `url`, its thumbnail made to fit the 1,000,000-byte blob limit; None without a preview."""
    preview = page_preview(url)
    if preview is None:
        return None
    external: dict[str, Any] = {"uri": preview.url, "title": preview.title, "description": preview.description}
    if preview.image_url and (thumb := _thumb(account, preview.image_url)):
        external["thumb"] = thumb
    return {"$type": "app.bsky.embed.external", "external": external}


def _thumb(account: SocialAccount, image_url: str) -> dict[str, Any] | None:
    fetched = _get(image_url, limit=MAX_IMAGE_SOURCE_BYTES)
    if fetched is None or not fetched.content_type.startswith("image/"):
        return None
    try:
        image = blobs.fit_image(fetched.body, fetched.content_type)
    except PermanentError:
        return None  # not a picture we can read or shrink: the card goes without one
    return blobs.upload_blob(account, image.data, image.mime_type)
