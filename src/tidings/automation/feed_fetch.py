"""Fetching a feed a rule watches: through the public-address guard, conditionally (ETag, Last-Modified), capped in
size and time, redirects followed by hand so each target is checked, and parsed with feedparser.

feedparser is given the bytes, never the address: given a string it would fetch it itself, out of the guard's sight.
"""

import calendar
import hashlib
import html
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import urljoin

import feedparser
import httpx
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.html import strip_tags

from tidings import http
from tidings.automation.schedule import next_runs
from tidings.core.errors import DomainError, InvalidInput

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 3
MAX_ENTRIES = 200
TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=15.0, pool=5.0)
ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9"
# Types a feed is served as in the wild; anything else (a web page, an image) is refused before it is parsed.
FEED_TYPES = ("xml", "text/plain", "application/octet-stream")
KEY_LENGTH = 500
# Feeds change a few times a day; checking more often than this only loads the publisher's server.
MIN_INTERVAL = timedelta(minutes=15)


class FeedError(DomainError):
    """The feed could not be read: the message says why, in words for the person who set the rule up."""

    code = "feed_failed"


@dataclass(frozen=True)
class FeedEntry:
    key: str
    title: str
    link: str
    summary: str
    published: datetime | None


@dataclass(frozen=True)
class Fetched:
    """A fetch's answer: `entries` is None when the server said nothing changed (304)."""

    entries: list[FeedEntry] | None
    etag: str
    last_modified: str


def check_feed_url(url: str, *, schedule: str) -> str:
    """The feed address, trimmed ("" for none); refused unless it is a full http(s) address this server may call
    and the schedule checks it at most every MIN_INTERVAL."""
    url = url.strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise InvalidInput("Give the feed as a full http:// or https:// address.", field="feed_url") from None
    if len(url) > 2000:
        raise InvalidInput("A feed's address is at most 2000 characters long.", field="feed_url")
    problem = http.address_problem(url)
    if problem:
        raise InvalidInput(f"This feed cannot be watched: {problem}", field="feed_url")
    runs = next_runs(schedule, after=timezone.now(), time_zone="UTC", count=4)
    if any(later - earlier < MIN_INTERVAL for earlier, later in pairwise(runs)):
        raise InvalidInput(
            f"A feed is checked at most every {MIN_INTERVAL.seconds // 60} minutes: choose a schedule that runs "
            "less often.",
            field="schedule",
        )
    return url


def fetch_feed(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    """The feed's entries, newest first as the feed lists them, or None for them when it has not changed."""
    headers = {"Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with http.client(timeout=TIMEOUT, headers=headers, public_only=True) as client:
        for _ in range(MAX_REDIRECTS + 1):
            problem = http.address_problem(url)
            if problem:
                raise FeedError(f"The feed's address is refused: {problem}", cause="refused_address")
            with _stream(client, url) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code == 304:
                    return Fetched(None, etag, last_modified)
                body = _read(response)
                return Fetched(
                    parse_feed(body, content_type=response.headers.get("content-type", "")),
                    response.headers.get("etag", "")[:500],
                    response.headers.get("last-modified", "")[:100],
                )
    raise FeedError(f"The feed redirects more than {MAX_REDIRECTS} times.", cause="redirects")


@contextmanager
def _stream(client: httpx.Client, url: str) -> Iterator[httpx.Response]:
    if httpx.URL(url).scheme not in ("http", "https"):
        raise FeedError("A feed's address starts with http:// or https://.", cause="scheme")
    try:
        with client.stream("GET", url) as response:
            yield response
    except httpx.HTTPError as error:
        raise _unreachable(url, error) from None


def _unreachable(url: str, error: httpx.HTTPError) -> FeedError:
    refused = http.refused_reason(error)
    if refused:
        return FeedError(f"The feed's address is refused: {refused}", cause="refused_address")
    logger.info("feed.unreachable url=%s error=%s", url, type(error).__name__)
    if isinstance(error, httpx.TimeoutException):
        return FeedError("The feed's server did not answer in time.", cause="timeout")
    return FeedError(f"The feed's server could not be reached ({httpx.URL(url).host}).", cause="unreachable")


def _read(response: httpx.Response) -> bytes:
    if response.status_code != 200:
        raise FeedError(f"The feed's server answered {response.status_code}, not the feed.", cause="status")
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and not any(kind in content_type for kind in FEED_TYPES):
        raise FeedError(f"The address serves {content_type}, not an RSS or Atom feed.", cause="not_a_feed")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise _too_big()
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > MAX_BYTES:
            raise _too_big()
    return bytes(body)


def _too_big() -> FeedError:
    return FeedError(f"The feed is larger than {MAX_BYTES // (1024 * 1024)} MB, which is not read.", cause="too_big")


def parse_feed(body: bytes, *, content_type: str = "") -> list[FeedEntry]:
    """The entries of an RSS or Atom document; FeedError when it is not one."""
    # Sanitising and resolving links inside the items' HTML is most of feedparser's time (about 5x on a 200-item
    # feed); the markup is dropped anyway, and the text is only ever shown escaped.
    parsed = feedparser.parse(
        body,
        response_headers={"content-type": content_type} if content_type else None,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    if not parsed.get("version") and not parsed.entries:
        raise FeedError("The address does not serve an RSS or Atom feed.", cause="not_a_feed")
    return [entry for raw in parsed.entries[:MAX_ENTRIES] if (entry := _entry(raw))]


def _entry(raw: Any) -> FeedEntry | None:
    title = _text(raw.get("title", ""), 500)
    link = str(raw.get("link", "")).strip()
    link = link if link.startswith(("http://", "https://")) and len(link) <= 2000 else ""
    if not title and not link:
        return None
    key = str(raw.get("id", "")).strip() or link or hashlib.sha256(f"{title}\n{link}".encode()).hexdigest()
    if len(key) > KEY_LENGTH:
        key = hashlib.sha256(key.encode()).hexdigest()
    stamp = raw.get("published_parsed") or raw.get("updated_parsed")
    published = datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC) if stamp else None  # feedparser's are UTC
    return FeedEntry(key=key, title=title, link=link, summary=_text(raw.get("summary", ""), 1000), published=published)


def _text(value: str, limit: int) -> str:
    """Feed text without its markup, on one line of plain words."""
    return " ".join(html.unescape(strip_tags(str(value))).split())[:limit]
