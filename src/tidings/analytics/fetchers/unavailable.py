"""Platforms whose counts this app cannot read: said plainly, so the UI shows the reason instead of zeros."""

from datetime import datetime

from tidings.analytics.fetchers.base import PostCounts, unavailable
from tidings.platforms.models import SocialAccount

LINKEDIN_MEMBER = (
    "LinkedIn gives a member's post statistics only to apps approved for its Community Management API, with the "
    "member's permission to read post analytics; this server's LinkedIn app does not ask for it."
)
LINKEDIN_ORGANIZATION = (
    "LinkedIn gives a Page's post statistics only to apps approved for its Community Management API; Tidings does "
    "not read them yet."
)
WEBHOOK = "A webhook hands the post to your own system: there is nothing to count on a platform."


def fetch_linkedin(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    """Member posts need r_member_postAnalytics and Page posts organizationalEntityShareStatistics, both products
    of LinkedIn's Community Management API (https://learn.microsoft.com/linkedin/marketing/community-management/)."""
    if account.options.get("kind") == "organization" or account.external_id.startswith("urn:li:organization:"):
        return unavailable(LINKEDIN_ORGANIZATION)
    return unavailable(LINKEDIN_MEMBER)


def fetch_webhook(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    return unavailable(WEBHOOK, lasting=True)
