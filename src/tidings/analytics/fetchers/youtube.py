"""YouTube: videos.list with part=statistics (https://developers.google.com/youtube/v3/docs/videos/list; the
fields in https://developers.google.com/youtube/v3/docs/videos#statistics). Counts come as strings; likeCount is
left out when the owner hides likes and commentCount when comments are off, so those stay unknown, not 0.
"""

from datetime import datetime

import httpx

from tidings.analytics.fetchers.base import PostCounts, count, mapping
from tidings.analytics.fetchers.http import json_object, read
from tidings.platforms.base import PermanentError, PublishFailure
from tidings.platforms.connectors.youtube import API, youtube_failure
from tidings.platforms.models import SocialAccount


def _failure(response: httpx.Response) -> PublishFailure:
    return youtube_failure(response, refused="the statistics request")


def fetch_youtube(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    response = read(
        "GET",
        f"{API}/videos",
        label="YouTube",
        failure=_failure,
        params={"part": "statistics", "id": external_id},
        headers={"Authorization": f"Bearer {account.access_token}"},
    )
    items = json_object(response, label="YouTube").get("items") or []
    video = next((item for item in items if isinstance(item, dict) and item.get("id") == external_id), None)
    if video is None:
        raise PermanentError("YouTube does not show this video any more (deleted, or made private by YouTube).")
    statistics = mapping(video.get("statistics"))
    return PostCounts(
        likes=count(statistics.get("likeCount")),
        replies=count(statistics.get("commentCount")),
        views=count(statistics.get("viewCount")),
        reason="YouTube's public statistics have no shares or clicks.",
    )
