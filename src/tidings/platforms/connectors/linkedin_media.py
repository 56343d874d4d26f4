"""LinkedIn video and document uploads, each owned by the post's author and invisible until a post uses it.

- Video (Videos API): POST /rest/videos?action=initializeUpload with the file's size gives the video URN and one
  upload address per part (`uploadInstructions`, byte ranges of at most 4 MB); each part is PUT from disk in turn and
  its `ETag` kept; POST ?action=finalizeUpload with those ETags in order; GET /rest/videos/{urn} until AVAILABLE.
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api ("Upload a Video",
  "Finalize Video Upload", "Get a Video": WAITING_UPLOAD, PROCESSING, AVAILABLE, PROCESSING_FAILED).
- Document (Documents API): POST /rest/documents?action=initializeUpload, PUT the file to `uploadUrl`, then
  GET /rest/documents/{urn} until AVAILABLE. PDF, PPT(X), DOC(X) up to 100 MB and 300 pages.
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/documents-api
- A post carries either in `content.media` (`id` the URN; `title` required for a document):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api ("Video Post",
  "Document Post").

Each step takes what the step before made (a URN, the ETags), so a resumed publish can go on from there.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.core.files.storage import default_storage

from tidings.platforms.base import PermanentError
from tidings.platforms.connectors.api import ApiConnector, stored_size
from tidings.platforms.media import MediaItem

API = "https://api.linkedin.com"
READY, FAILED = "AVAILABLE", "PROCESSING_FAILED"


@dataclass(frozen=True)
class VideoUpload:
    """A video LinkedIn is waiting for: its URN, the token finalize needs, and where each byte range goes."""

    urn: str
    token: str
    parts: tuple[tuple[str, int, int], ...]  # (upload URL, first byte, last byte), in order


def upload_video(api: ApiConnector, item: MediaItem, *, author: str, headers: dict[str, str]) -> str:
    """The video uploaded, finalized and processed; its URN for the post."""
    upload = start_video(api, item, author=author, headers=headers)
    etags = [upload_part(api, item, url, first, last) for url, first, last in upload.parts]
    finish_video(api, upload, etags, headers=headers)
    wait_available(api, f"{API}/rest/videos/{quote(upload.urn, safe='')}", headers=headers, what="video")
    return upload.urn


def start_video(api: ApiConnector, item: MediaItem, *, author: str, headers: dict[str, str]) -> VideoUpload:
    init = {
        "initializeUploadRequest": {
            "owner": author,
            "fileSizeBytes": stored_size(item),
            "uploadCaptions": False,
            "uploadThumbnail": False,
        }
    }
    value = _initialize(api, "videos", init, headers)
    instructions = value.get("uploadInstructions")
    if not value.get("video") or not isinstance(instructions, list) or not instructions:
        raise PermanentError("LinkedIn did not say where to upload the video.")
    parts = tuple((str(i["uploadUrl"]), int(i["firstByte"]), int(i["lastByte"])) for i in instructions)
    return VideoUpload(str(value["video"]), str(value.get("uploadToken") or ""), parts)


def upload_part(api: ApiConnector, item: MediaItem, url: str, first: int, last: int) -> str:
    """One byte range read from the media store and PUT to its address (pre-signed: no token goes with it)."""
    try:
        with default_storage.open(item.path, "rb") as handle:
            handle.seek(first)
            chunk = handle.read(last - first + 1)
    except OSError:
        raise PermanentError(f"The video {item.path.rsplit('/', 1)[-1]} is missing from the media store.") from None
    response = api.request("PUT", url, content=chunk, headers={"Content-Type": "application/octet-stream"})
    etag = response.headers.get("etag", "")
    if not etag:
        raise PermanentError("LinkedIn took a part of the video without confirming it (no ETag).")
    return etag


def finish_video(api: ApiConnector, upload: VideoUpload, etags: list[str], *, headers: dict[str, str]) -> None:
    body = {"finalizeUploadRequest": {"video": upload.urn, "uploadToken": upload.token, "uploadedPartIds": etags}}
    api.request("POST", f"{API}/rest/videos", params={"action": "finalizeUpload"}, json=body, headers=headers)


def upload_document(api: ApiConnector, item: MediaItem, *, author: str, headers: dict[str, str]) -> str:
    """The document uploaded (streamed from the media store) and processed; its URN for the post."""
    value = _initialize(api, "documents", {"initializeUploadRequest": {"owner": author}}, headers)
    if not value.get("uploadUrl") or not value.get("document"):
        raise PermanentError("LinkedIn did not give an address to upload the document to.")
    urn = str(value["document"])
    put_headers = {"Authorization": headers["Authorization"], "Content-Type": item.mime_type}
    try:
        with default_storage.open(item.path, "rb") as handle:
            api.request("PUT", str(value["uploadUrl"]), content=handle, headers=put_headers)
    except OSError:
        raise PermanentError(f"The document {item.path.rsplit('/', 1)[-1]} is missing from the media store.") from None
    wait_available(api, f"{API}/rest/documents/{quote(urn, safe='')}", headers=headers, what="document")
    return urn


# What LinkedIn says a document must be; a PDF over 300 pages is refused only once LinkedIn has processed it.
DOCUMENT_HINT = " It takes PDFs of up to 100 MB and 300 pages."


def wait_available(api: ApiConnector, url: str, *, headers: dict[str, str], what: str) -> None:
    def ready() -> bool:
        status = api.data(api.request("GET", url, headers=headers)).get("status")
        if status == FAILED:
            hint = DOCUMENT_HINT if what == "document" else ""
            raise PermanentError(f"LinkedIn could not process the {what}.{hint}")
        return status == READY

    api.wait_until_processed(ready, what=what)


def _initialize(api: ApiConnector, resource: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    response = api.request(
        "POST", f"{API}/rest/{resource}", params={"action": "initializeUpload"}, json=body, headers=headers
    )
    value = api.data(response).get("value")
    return value if isinstance(value, dict) else {}
