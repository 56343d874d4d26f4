"""LinkedIn: a Page's post statistics from organizationalEntityShareStatistics, part of the Community Management
API that posting as a Page already needs, with rw_organization_admin ("Organization Share Statistics",
https://learn.microsoft.com/linkedin/marketing/community-management/organizations/share-statistics). The post is
named in `shares=List(...)` or `ugcPosts=List(...)` by its kind of URN; the lifetime totals come in
`elements[].totalShareStatistics` (likeCount, commentCount, shareCount, impressionCount, clickCount).

A member's own posts have statistics only for apps approved to read member post analytics, which this server's
app does not ask for: those are said to be unavailable.
"""

from datetime import datetime
from urllib.parse import quote

from tidings.analytics.fetchers.base import PostCounts, count, granted, mapping, unavailable
from tidings.analytics.fetchers.http import json_object, read
from tidings.platforms.base import PermanentError
from tidings.platforms.connectors.linkedin import API, LINKEDIN_VERSION, LinkedInConnector, author_urn
from tidings.platforms.models import SocialAccount

_linkedin = LinkedInConnector()
MEMBER = (
    "LinkedIn gives statistics of a member's own posts only to apps approved to read member post analytics "
    "(Community Management API); this server's LinkedIn app does not ask for it."
)
NO_ADMIN_SCOPE = (
    "LinkedIn gives a Page's post statistics only with the rw_organization_admin permission, which this "
    "account's sign-in did not grant; reconnect it as an administrator of the Page."
)


def fetch_linkedin(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    organization = author_urn(account)
    if not organization.startswith("urn:li:organization:"):
        return unavailable(MEMBER)
    if granted(account, "rw_organization_admin") is False:
        return unavailable(NO_ADMIN_SCOPE)
    kind = "ugcPosts" if external_id.startswith("urn:li:ugcPost:") else "shares"
    # Rest.li 2.0: the URNs are encoded inside List(...), whose parentheses stay as they are.
    url = (
        f"{API}/rest/organizationalEntityShareStatistics?q=organizationalEntity"
        f"&organizationalEntity={quote(organization, safe='')}&{kind}=List({quote(external_id, safe='')})"
    )
    response = read("GET", url, label="LinkedIn", failure=_linkedin.failure, headers=_headers(account.access_token))
    elements = json_object(response, label="LinkedIn").get("elements") or []
    found = next(
        (e for e in elements if isinstance(e, dict) and external_id in (e.get("share"), e.get("ugcPost"))), None
    )
    if found is None:
        raise PermanentError("LinkedIn has no statistics for this post (deleted, or not the Page's own).")
    totals = mapping(found.get("totalShareStatistics"))
    return PostCounts(
        likes=count(totals.get("likeCount")),
        replies=count(totals.get("commentCount")),
        reposts=count(totals.get("shareCount")),
        views=count(totals.get("impressionCount")),
        clicks=count(totals.get("clickCount")),
        reason="LinkedIn does not count quotes.",
    )


def _headers(token: str) -> dict[str, str]:
    """What every call of LinkedIn's versioned REST API carries (https://learn.microsoft.com/linkedin/marketing/versioning)."""
    return {
        "Authorization": f"Bearer {token}",
        "LinkedIn-Version": LINKEDIN_VERSION,
        "X-Restli-Protocol-Version": "2.0.0",
    }
