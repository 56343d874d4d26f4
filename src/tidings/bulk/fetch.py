"""Fetching an import row's media from the addresses it gives: through the address guard (public addresses only),
with a size cap, into a temporary file that then goes through the same upload checks as a file sent from the
composer (`tidings.posts.media.attach_media`)."""

import logging
import posixpath

import httpx
from django.core.files.uploadedfile import TemporaryUploadedFile

from tidings import http
from tidings.core.errors import InvalidInput

logger = logging.getLogger(__name__)

# The largest file an import fetches: room for a short video; longer ones are uploaded in the composer.
MAX_FETCH_BYTES = 200 * 1024 * 1024
TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=10.0, pool=5.0)


def fetch_media(url: str) -> TemporaryUploadedFile:
    """The file at `url`; refused with the reason (a private address, a redirect, an error answer, too large)."""
    name = posixpath.basename(httpx.URL(url).path) or "media"
    upload = TemporaryUploadedFile(name[:100], "application/octet-stream", 0, None)
    try:
        with http.client(timeout=TIMEOUT, public_only=True) as client, client.stream("GET", url) as answer:
            _check_answer(url, answer)
            size = 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > MAX_FETCH_BYTES:
                    raise InvalidInput(_too_large(url), field="media")
                upload.write(chunk)
    except httpx.HTTPError as error:
        upload.close()
        reason = http.refused_reason(error) or "it could not be reached"
        logger.info("bulk.media_refused reason=%s", type(error).__name__)
        raise InvalidInput(f"The media at {url} could not be fetched: {reason}.", field="media") from None
    except InvalidInput:
        upload.close()
        raise
    upload.size = size
    upload.seek(0)
    return upload


def _check_answer(url: str, answer: httpx.Response) -> None:
    if answer.is_redirect:
        raise InvalidInput(f"The media at {url} redirects elsewhere; give the file's own address.", field="media")
    if answer.status_code != 200:
        raise InvalidInput(f"The media at {url} answered {answer.status_code}, not the file.", field="media")
    length = answer.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_FETCH_BYTES:
        raise InvalidInput(_too_large(url), field="media")


def _too_large(url: str) -> str:
    return f"The media at {url} is larger than the {MAX_FETCH_BYTES // (1024 * 1024)} MB an import fetches."
