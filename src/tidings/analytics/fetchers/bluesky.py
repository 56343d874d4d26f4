"""Bluesky: the post's view from the app view, through the account's own PDS (which forwards `app.bsky.*` reads).

app.bsky.feed.getPosts (https://docs.bsky.app/docs/api/app-bsky-feed-get-posts) answers `{"posts": [postView]}`;
a postView (lexicon app.bsky.feed.defs#postView) carries likeCount, repostCount, replyCount and quoteCount. Bluesky
shows no views or clicks. A post the app view does not know (deleted, or not indexed yet) is left out of `posts`.
"""

from datetime import datetime

from tidings.analytics.fetchers.base import PostCounts, count
from tidings.platforms.base import PermanentError, ReauthRequired
from tidings.platforms.connectors.bluesky import BlueskyConnector, xrpc
from tidings.platforms.models import SocialAccount
from tidings.platforms.tokens import store_tokens

GET_POSTS = "app.bsky.feed.getPosts"


def fetch_bluesky(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    try:
        answer = _get_posts(account, external_id)
    except xrpc.ExpiredToken:
        # As when publishing: an expired session is renewed once with the refresh token, then read again.
        store_tokens(account, tokens=BlueskyConnector().refresh_credentials(account))
        try:
            answer = _get_posts(account, external_id)
        except xrpc.ExpiredToken:
            raise ReauthRequired("Bluesky refused the new session; reconnect the account.") from None
    posts = answer.get("posts")
    post = (
        next((p for p in posts if isinstance(p, dict) and p.get("uri") == external_id), None)
        if isinstance(posts, list)
        else None
    )
    if post is None:
        raise PermanentError("Bluesky does not show this post any more (deleted, or hidden from its app view).")
    return PostCounts(
        likes=count(post.get("likeCount")),
        reposts=count(post.get("repostCount")),
        replies=count(post.get("replyCount")),
        quotes=count(post.get("quoteCount")),
        reason="Bluesky does not count views or clicks.",
    )


def _get_posts(account: SocialAccount, uri: str) -> dict[str, object]:
    return xrpc.call("GET", account.base_url, GET_POSTS, token=account.access_token, params={"uris": uri})
