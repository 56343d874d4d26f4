"""X: GET /2/tweets/:id with tweet.fields=public_metrics (https://docs.x.com/x-api/posts/post-lookup-by-post-id;
the fields are in "Metrics", https://docs.x.com/x-api/fundamentals/metrics): like_count, retweet_count, reply_count,
quote_count and impression_count. Reading posts is not in every API access level: X answers 403 (problem type
client-forbidden) to an app whose level lacks it, which is the operator's plan, not an error of this post.
"""

from datetime import datetime

from tidings.analytics.fetchers.base import PostCounts, count, mapping
from tidings.analytics.fetchers.http import json_object, read
from tidings.platforms.base import PermanentError
from tidings.platforms.connectors.x import API, XConnector
from tidings.platforms.errors import operator_problem
from tidings.platforms.models import SocialAccount

_x = XConnector()
FORBIDDEN_REASON = (
    "This server's X API access level does not include reading posts, so X gives it no counts (X answered 403). "
    "The server's operator can change the app's access level in the X developer portal."
)


def fetch_x(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    response = read(
        "GET",
        f"{API}/tweets/{external_id}",
        label="X",
        failure=_x.failure,
        passes=(403,),
        params={"tweet.fields": "public_metrics"},
        headers={"Authorization": f"Bearer {account.access_token}"},
    )
    if response.status_code == 403:
        operator_problem("x", "metrics-forbidden", status=403)
        return PostCounts(reason=FORBIDDEN_REASON)
    answer = json_object(response, label="X")
    post = answer.get("data")
    if not isinstance(post, dict):
        # A deleted or protected post comes back as 200 with only `errors` (resource-not-found).
        raise PermanentError(f"X does not show this post any more: {_x.error_message(response)}")
    metrics = mapping(post.get("public_metrics"))
    return PostCounts(
        likes=count(metrics.get("like_count")),
        reposts=count(metrics.get("retweet_count")),
        replies=count(metrics.get("reply_count")),
        quotes=count(metrics.get("quote_count")),
        views=count(metrics.get("impression_count")),
        reason="X gives link clicks only as private metrics, which Tidings does not read.",
    )
