"""What the OAuth platforms with a JSON API share: one request helper that turns lost connections and error answers
into the classified publish errors (the sign-in is `OAuthConnector`'s), and the small content helpers (link, thread,
files)."""

import os
from collections.abc import Iterator
from typing import IO, Any

import httpx
from django.conf import settings
from django.core.files.storage import default_storage

from tidings import http
from tidings.platforms.base import (
    Content,
    OutcomeUnknown,
    PermanentError,
    Published,
    PublishFailure,
    RateLimited,
    TransientError,
)
from tidings.platforms.connectors.base import OAuthConnector
from tidings.platforms.connectors.thread import MAX_THREAD_PARTS
from tidings.platforms.errors import classify_status, retry_after_seconds
from tidings.platforms.media import MediaItem
from tidings.platforms.rules import platform_name, split_into_thread


class ApiConnector(OAuthConnector):
    """Calls through `request`; a platform with its own error shape overrides `failure`."""

    def request(
        self, method: str, url: str, *, sends: bool = False, timeout: httpx.Timeout | None = None, **kwargs: Any
    ) -> httpx.Response:
        """One call; `sends` marks the request that makes a post public, whose lost answer leaves it in doubt.

        Any other lost answer (an upload, an unpublished container) leaves nothing public, so it is safe to retry.
        An upload passes `upload_timeout()`.
        """
        try:
            response = http.shared_client().request(method, url, timeout=timeout or publish_timeout(), **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise TransientError(f"Could not reach {self.label}: {type(error).__name__}") from None
        except httpx.TransportError as error:
            if sends:
                raise OutcomeUnknown(f"No answer from {self.label} after sending ({type(error).__name__}).") from None
            raise TransientError(f"{self.label} did not answer ({type(error).__name__}).") from None
        if not response.is_success:
            raise self.failure(response)
        return response

    def failure(self, response: httpx.Response) -> PublishFailure:
        kind = classify_status(response.status_code)
        message = f"{self.label} answered {response.status_code}: {self.error_message(response)}"
        if kind is RateLimited:
            return RateLimited(message, retry_after=self.retry_after(response))
        return kind(message)

    def error_message(self, response: httpx.Response) -> str:
        data = self.data(response)
        for key in ("detail", "message", "error_description", "title"):
            if isinstance(data.get(key), str) and data[key]:
                return str(data[key])
        return response.text[:300]

    def retry_after(self, response: httpx.Response) -> float:
        return retry_after_seconds(response.headers.get("Retry-After"))

    @staticmethod
    def data(response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def partial_thread(self, done: list[Published], total: int, error: PublishFailure) -> OutcomeUnknown:
        """A thread cut short: resending would repeat the posts already out, so the user finishes it by hand."""
        first = done[0].url or done[0].external_id
        return OutcomeUnknown(
            f"{len(done)} of {total} posts of the thread went out ({first}); the next failed: {error.message} "
            f"Not retried, so nothing is posted twice: finish the thread on {self.label}."
        )


def full_text(content: Content) -> str:
    """The text with the post's link at the end, unless the text already carries it."""
    if content.link and content.link not in content.text:
        return f"{content.text.rstrip()}\n\n{content.link}".strip()
    return content.text


def thread_parts(platform: str, text: str) -> list[str]:
    """How a text goes out on a platform with threads: one post if it fits, else a thread (`split_into_thread`)."""
    return split_into_thread(platform, text) or [""]


def thread_problems(platform: str, text: str) -> list[str]:
    parts = len(thread_parts(platform, text))
    if parts > MAX_THREAD_PARTS:
        return [
            f"This text would make a thread of {parts} posts on {platform_name(platform)}; "
            f"Tidings sends at most {MAX_THREAD_PARTS}. Shorten it."
        ]
    return []


def publish_timeout() -> httpx.Timeout:
    """Each phase of a platform call bounded on its own: a server that does not accept the connection is given
    up on sooner than one that is working on its answer (`TIDINGS_PUBLISH_TIMEOUT`)."""
    whole = settings.TIDINGS_PUBLISH_TIMEOUT
    return httpx.Timeout(whole, connect=min(whole, 10.0), pool=min(whole, 10.0))


def upload_timeout() -> httpx.Timeout:
    """For a request that carries a file: each write of the body (one block of the file) may take up to
    `TIDINGS_UPLOAD_WRITE_TIMEOUT`, so a large file on a slow link is not cut off by a limit on the whole
    transfer, while a link that stops moving is; the answer after the body gets `TIDINGS_PUBLISH_TIMEOUT`."""
    whole = settings.TIDINGS_PUBLISH_TIMEOUT
    return httpx.Timeout(whole, connect=min(whole, 10.0), write=settings.TIDINGS_UPLOAD_WRITE_TIMEOUT, pool=10.0)


def open_stored(item: MediaItem) -> IO[bytes]:
    """The file in the media store, opened for reading in blocks: no upload holds a whole video in memory."""
    try:
        return default_storage.open(item.path, "rb")
    except OSError:
        raise PermanentError(
            f"The {item.kind} {item.path.rsplit('/', 1)[-1]} is missing from the media store."
        ) from None


# The block an upload body is read and sent in.
BLOCK_BYTES = 256 * 1024


class FileRange:
    """`length` bytes of an open file from `start`, read in blocks as httpx sends them: the body (`content=`) or
    multipart file of one chunk of a chunked upload. Its `seek`/`tell` give httpx the range's own length."""

    def __init__(self, handle: IO[bytes], start: int, length: int) -> None:
        self.handle, self.start, self.length, self.position = handle, start, length, 0

    def read(self, size: int = -1) -> bytes:
        left = self.length - self.position
        size = left if size < 0 else min(size, left)
        if size <= 0:
            return b""
        self.handle.seek(self.start + self.position)
        block = self.handle.read(size)
        if not block:
            raise PermanentError("The file in the media store is shorter than when it was uploaded.")
        self.position += len(block)
        return block

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self.position, os.SEEK_END: self.length}[whence]
        self.position = min(max(base + offset, 0), self.length)
        return self.position

    def tell(self) -> int:
        return self.position

    def __iter__(self) -> Iterator[bytes]:
        self.seek(0)
        while block := self.read(BLOCK_BYTES):
            yield block


def stored_size(item: MediaItem) -> int:
    """The file's size in the media store; a file gone from it cannot be sent, now or later."""
    try:
        return default_storage.size(item.path)
    except OSError:
        raise PermanentError(
            f"The {item.kind} {item.path.rsplit('/', 1)[-1]} is missing from the media store."
        ) from None
