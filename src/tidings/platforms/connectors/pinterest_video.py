"""Pinterest video Pins: the video goes up through Pinterest's media upload before the Pin is made.

POST /v5/media {"media_type": "video"} registers the upload and answers with `media_id`, an `upload_url` and the
`upload_parameters` of a one-time S3 form; the file is POSTed there as a multipart form (the parameters as fields,
the file last, as `file`), streamed from the media store; GET /v5/media/{media_id} tells `registered`,
`processing`, `succeeded` or `failed`. The Pin then names it: `media_source` {"source_type": "video_id", "media_id",
"cover_image_key_frame_time"}. https://developers.pinterest.com/docs/api/v5/media-create, .../media-get and
.../pins-create; "Creating video Pins" in https://developers.pinterest.com/docs/solutions/content-apps/.

Each step takes what the one before made (the registration, the media id), so a resumed publish can go on.
"""

from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage

from tidings.platforms.base import PermanentError
from tidings.platforms.connectors.api import ApiConnector
from tidings.platforms.media import MediaItem

API = "https://api.pinterest.com/v5"


@dataclass(frozen=True)
class Registration:
    media_id: str
    upload_url: str
    parameters: dict[str, str]


def upload_video(api: ApiConnector, item: MediaItem, *, token: str) -> str:
    """The video registered, uploaded and processed by Pinterest; its media id for the Pin."""
    registration = register_video(api, token=token)
    send_file(api, registration, item)
    wait_processed(api, registration.media_id, token=token)
    return registration.media_id


def register_video(api: ApiConnector, *, token: str) -> Registration:
    headers = {"Authorization": f"Bearer {token}"}
    data = api.data(api.request("POST", f"{API}/media", json={"media_type": "video"}, headers=headers))
    parameters = data.get("upload_parameters")
    if not data.get("media_id") or not data.get("upload_url") or not isinstance(parameters, dict):
        raise PermanentError("Pinterest did not say where to upload the video.")
    fields = {str(key): str(value) for key, value in parameters.items()}
    return Registration(str(data["media_id"]), str(data["upload_url"]), fields)


def send_file(api: ApiConnector, registration: Registration, item: MediaItem) -> None:
    """The S3 form, the file streamed last; no Pinterest token goes to S3 (the form's policy is the permission)."""
    name = item.path.rsplit("/", 1)[-1]
    try:
        with default_storage.open(item.path, "rb") as handle:
            files = {"file": (name, handle, item.mime_type)}
            api.request("POST", registration.upload_url, data=registration.parameters, files=files)
    except OSError:
        raise PermanentError(f"The video {name} is missing from the media store.") from None


def wait_processed(api: ApiConnector, media_id: str, *, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}

    def ready() -> bool:
        status = api.data(api.request("GET", f"{API}/media/{media_id}", headers=headers)).get("status")
        if status == "failed":
            raise PermanentError("Pinterest could not process the video.")
        return status == "succeeded"

    api.wait_until_processed(ready, what="video")


def video_source(media_id: str, options: dict[str, Any]) -> dict[str, Any]:
    """The Pin's `media_source` for an uploaded video; the cover is the frame at `cover_seconds` (0: the first)."""
    seconds = options.get("cover_seconds")
    frame = int(seconds) if isinstance(seconds, int | float) and seconds >= 0 else 0
    return {"source_type": "video_id", "media_id": media_id, "cover_image_key_frame_time": frame}
