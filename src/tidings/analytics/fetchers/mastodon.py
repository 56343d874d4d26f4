"""Mastodon: the status itself, GET /api/v1/statuses/:id (https://docs.joinmastodon.org/methods/statuses/#get),
whose Status entity (https://docs.joinmastodon.org/entities/Status/) counts favourites_count, reblogs_count and
replies_count. Counts are as the account's own server knows them; Mastodon has no views, quotes or clicks.
"""

from datetime import datetime
from urllib.parse import quote

from tidings.analytics.fetchers.base import PostCounts, count
from tidings.platforms.connectors.mastodon import api
from tidings.platforms.models import SocialAccount


def fetch_mastodon(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    url = f"{account.base_url}/api/v1/statuses/{quote(external_id, safe='')}"
    status = api.json_of(api.request("GET", url, token=account.access_token))
    return PostCounts(
        likes=count(status.get("favourites_count")),
        reposts=count(status.get("reblogs_count")),
        replies=count(status.get("replies_count")),
        reason="Mastodon does not count views, quotes or clicks.",
    )
