"""Webhooks: the post goes to the user's own system, so there are no counts to read, and none are shown as 0."""

from datetime import datetime

from tidings.analytics.fetchers.base import PostCounts, unavailable
from tidings.platforms.models import SocialAccount

WEBHOOK = "A webhook hands the post to your own system: there is nothing to count on a platform."


def fetch_webhook(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    return unavailable(WEBHOOK, lasting=True)
