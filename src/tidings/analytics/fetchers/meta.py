"""Threads, Instagram and Facebook Pages: Graph API reads with the account's token, errors read as the connectors
read them (`GraphConnector.failure`: error.code decides, not the HTTP status).

Insights need a permission Tidings does not ask for at sign-in (threads_manage_insights, instagram_manage_insights,
read_insights): where the account's scopes are known and lack it, nothing is asked; where a refusal says the
permission is missing, the counts the post object itself carries are kept and the reason is told.
"""

from datetime import datetime
from typing import Any

from tidings.analytics.fetchers.base import PostCounts, count, granted
from tidings.analytics.fetchers.http import json_object, read
from tidings.platforms.base import PermanentError, PublishFailure, ReauthRequired
from tidings.platforms.connectors.facebook import FacebookConnector
from tidings.platforms.connectors.instagram import InstagramConnector
from tidings.platforms.connectors.meta import GRAPH
from tidings.platforms.connectors.threads import API as THREADS_API
from tidings.platforms.connectors.threads import ThreadsConnector
from tidings.platforms.models import SocialAccount

_threads, _instagram, _facebook = ThreadsConnector(), InstagramConnector(), FacebookConnector()


def insight_values(data: dict[str, Any]) -> dict[str, int | None]:
    """An insights answer, `{"data": [{"name": ..., "values": [{"value": n}]}]}` (or `total_value` for totals),
    as metric name to count."""
    found: dict[str, int | None] = {}
    for metric in data.get("data") or []:
        if not isinstance(metric, dict) or not metric.get("name"):
            continue
        values = metric.get("values") or []
        total = metric.get("total_value")
        if isinstance(total, dict):
            found[str(metric["name"])] = count(total.get("value"))
        elif values and isinstance(values[-1], dict):
            found[str(metric["name"])] = count(values[-1].get("value"))
    return found


def _permission_refused(error: PublishFailure) -> bool:
    """A refusal for a permission not granted (code 10 or 200-299), as against an expired token or a limit."""
    return isinstance(error, ReauthRequired) and not error.refreshable


def fetch_threads(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    """GET /{threads-media-id}/insights?metric=views,likes,replies,reposts,quotes ("Media Insights" in
    https://developers.facebook.com/docs/threads/insights): needs threads_manage_insights. Nested replies are not
    counted; a reply's `replies` are its direct replies only."""
    reason = (
        "Threads gives post insights only with the threads_manage_insights permission, which this account's "
        "sign-in did not grant; reconnect the account once the server asks for it."
    )
    if granted(account, "threads_manage_insights") is False:
        return PostCounts(reason=reason)
    params = {"metric": "views,likes,replies,reposts,quotes", "access_token": account.access_token}
    try:
        response = read(
            "GET", f"{THREADS_API}/{external_id}/insights", label="Threads", failure=_threads.failure, params=params
        )
    except ReauthRequired as error:
        if _permission_refused(error):
            return PostCounts(reason=reason)
        raise
    values = insight_values(json_object(response, label="Threads"))
    return PostCounts(
        likes=values.get("likes"),
        reposts=values.get("reposts"),
        replies=values.get("replies"),
        quotes=values.get("quotes"),
        views=values.get("views"),
        reason="Threads does not count clicks on a post.",
    )


def fetch_instagram(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    """The media's own like_count and comments_count (IG Media fields, instagram_basic:
    https://developers.facebook.com/docs/instagram-platform/reference/instagram-media), then its insights, views and
    shares (GET /{ig-media-id}/insights, "Instagram Media Insights": needs instagram_manage_insights; data can lag
    up to 48 hours, and a metric with no data yet is left out rather than given as 0)."""
    fields = {"fields": "like_count,comments_count", "access_token": account.access_token}
    media = json_object(
        read("GET", f"{GRAPH}/{external_id}", label="Instagram", failure=_instagram.failure, params=fields),
        label="Instagram",
    )
    likes, replies = count(media.get("like_count")), count(media.get("comments_count"))
    missing = (
        "Instagram gives views and shares only with the instagram_manage_insights permission, which this account's "
        "sign-in did not grant; likes and comments are shown."
    )
    if granted(account, "instagram_manage_insights") is False:
        return PostCounts(likes=likes, replies=replies, reason=missing)
    params = {"metric": "views,shares", "access_token": account.access_token}
    try:
        response = read(
            "GET", f"{GRAPH}/{external_id}/insights", label="Instagram", failure=_instagram.failure, params=params
        )
    except (ReauthRequired, PermanentError) as error:
        # A refused permission, or a media type whose insights are not given (an album's children): keep the rest.
        if isinstance(error, ReauthRequired) and not _permission_refused(error):
            raise
        return PostCounts(likes=likes, replies=replies, reason=missing if _permission_refused(error) else error.message)
    values = insight_values(json_object(response, label="Instagram"))
    return PostCounts(
        likes=likes,
        replies=replies,
        reposts=values.get("shares"),
        views=values.get("views"),
        reason="Instagram does not count quotes or clicks on a post.",
    )


# A Page post's id is "{page-id}_{post-id}"; a video published through /{page-id}/videos is known by its video id.
_POST_FIELDS = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
_VIDEO_FIELDS = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"


def fetch_facebook(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    """Reactions and comments from the post's edges with `summary(total_count)`, shares from its `shares.count`
    (pages_read_engagement; https://developers.facebook.com/docs/graph-api/reference/post). Facebook leaves
    `shares` out of a post nobody shared, so a post object without it has 0 shares.

    Views: the post's `post_total_media_view_unique` insight, Meta's replacement for the post impressions it
    retired in 2025 (https://developers.facebook.com/docs/platforminsights/page/deprecated-metrics); it needs the
    Page's ANALYZE task and read_insights, so a refusal keeps the other counts."""
    is_post = "_" in external_id
    params = {"fields": _POST_FIELDS if is_post else _VIDEO_FIELDS, "access_token": account.access_token}
    data = json_object(
        read("GET", f"{GRAPH}/{external_id}", label="Facebook", failure=_facebook.failure, params=params),
        label="Facebook",
    )
    likes = count(_summary(data, "reactions"))
    replies = count(_summary(data, "comments"))
    shares = data.get("shares")
    reposts = count(shares.get("count")) if isinstance(shares, dict) else (0 if is_post else None)
    if not is_post:
        return PostCounts(
            likes=likes,
            replies=replies,
            reason="Facebook gives a video's views through video insights, which Tidings does not read yet.",
        )
    views, reason = None, "Facebook does not count quotes; clicks are not read."
    try:
        response = read(
            "GET",
            f"{GRAPH}/{external_id}/insights",
            label="Facebook",
            failure=_facebook.failure,
            params={"metric": "post_total_media_view_unique", "access_token": account.access_token},
        )
        views = insight_values(json_object(response, label="Facebook")).get("post_total_media_view_unique")
    except (ReauthRequired, PermanentError) as error:
        if isinstance(error, ReauthRequired) and not _permission_refused(error):
            raise
        reason = (
            "Facebook gives a post's views only to people who may analyse the Page (read_insights); likes, "
            "comments and shares are shown."
        )
    return PostCounts(likes=likes, reposts=reposts, replies=replies, views=views, reason=reason)


def _summary(data: dict[str, Any], edge: str) -> Any:
    found = data.get(edge)
    summary = found.get("summary") if isinstance(found, dict) else None
    return summary.get("total_count") if isinstance(summary, dict) else None
