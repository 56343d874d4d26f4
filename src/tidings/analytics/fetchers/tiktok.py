"""TikTok: POST /v2/video/query/ with the video's id (https://developers.tiktok.com/doc/tiktok-api-v2-video-query;
fields of https://developers.tiktok.com/doc/tiktok-api-v2-video-object): like_count, comment_count, share_count,
view_count. It needs the video.list scope (Display API), and it knows a post only by its public video id, which
TikTok gives after moderation and never for a private post (then Tidings holds only the publish id).
"""

from datetime import datetime

from tidings.analytics.fetchers.base import PostCounts, count, granted, mapping
from tidings.analytics.fetchers.http import json_object, read
from tidings.platforms.base import PermanentError
from tidings.platforms.connectors.tiktok import API, tiktok_failure
from tidings.platforms.models import SocialAccount

FIELDS = "id,like_count,comment_count,share_count,view_count"
NO_SCOPE = (
    "TikTok gives a video's counts only with the video.list permission, which this account's sign-in did not grant; "
    "reconnect the account once the server asks for it."
)
NO_VIDEO_ID = "TikTok gave no public video id for this post (a private post, or one still in moderation)."


def fetch_tiktok(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    if not external_id.isdigit():
        return PostCounts(reason=NO_VIDEO_ID)
    if granted(account, "video.list") is False:
        return PostCounts(reason=NO_SCOPE)
    response = read(
        "POST",
        f"{API}/v2/video/query/",
        label="TikTok",
        failure=tiktok_failure,
        params={"fields": FIELDS},
        json={"filters": {"video_ids": [external_id]}},
        headers={"Authorization": f"Bearer {account.access_token}", "Content-Type": "application/json; charset=UTF-8"},
    )
    answer = json_object(response, label="TikTok")
    error = answer.get("error")
    # TikTok may answer 200 with an error code; "ok" is success.
    if isinstance(error, dict) and str(error.get("code") or "ok") != "ok":
        raise tiktok_failure(response)
    data = mapping(answer.get("data"))
    videos = data.get("videos") or []
    video = next((v for v in videos if isinstance(v, dict) and str(v.get("id")) == external_id), None)
    if video is None:
        raise PermanentError("TikTok does not show this video to Tidings any more (deleted or made private).")
    return PostCounts(
        likes=count(video.get("like_count")),
        replies=count(video.get("comment_count")),
        reposts=count(video.get("share_count")),
        views=count(video.get("view_count")),
        reason="TikTok does not count quotes or clicks.",
    )
