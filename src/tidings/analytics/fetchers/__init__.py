"""One reader per platform: a published post's counts over the platform's own API, with the account's token."""

from datetime import datetime
from typing import Protocol

from tidings.analytics.fetchers.base import PostCounts
from tidings.analytics.fetchers.bluesky import fetch_bluesky
from tidings.analytics.fetchers.linkedin import fetch_linkedin
from tidings.analytics.fetchers.mastodon import fetch_mastodon
from tidings.analytics.fetchers.meta import fetch_facebook, fetch_instagram, fetch_threads
from tidings.analytics.fetchers.pinterest import fetch_pinterest
from tidings.analytics.fetchers.tiktok import fetch_tiktok
from tidings.analytics.fetchers.webhook import fetch_webhook
from tidings.analytics.fetchers.x import fetch_x
from tidings.analytics.fetchers.youtube import fetch_youtube
from tidings.platforms.models import Platform, SocialAccount


class Fetcher(Protocol):
    """Reads one published post's counts; raises the publish errors' classes (`tidings.platforms.base`)."""

    def __call__(self, account: SocialAccount, external_id: str, /, *, published_at: datetime) -> PostCounts: ...


FETCHERS: dict[str, Fetcher] = {
    Platform.BLUESKY: fetch_bluesky,
    Platform.MASTODON: fetch_mastodon,
    Platform.THREADS: fetch_threads,
    Platform.INSTAGRAM: fetch_instagram,
    Platform.FACEBOOK: fetch_facebook,
    Platform.YOUTUBE: fetch_youtube,
    Platform.PINTEREST: fetch_pinterest,
    Platform.LINKEDIN: fetch_linkedin,
    Platform.X: fetch_x,
    Platform.TIKTOK: fetch_tiktok,
    Platform.WEBHOOK: fetch_webhook,
}


def fetch_counts(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    """The post's counts on its account's platform; a PublishFailure subclass when the read failed."""
    fetcher = FETCHERS.get(account.platform)
    if fetcher is None:
        return PostCounts(reason=f"Tidings cannot read counts from {account.platform}.", lasting=True)
    return fetcher(account, external_id, published_at=published_at)


__all__ = ["FETCHERS", "PostCounts", "fetch_counts"]
