"""Pinterest: GET /v5/pins/{pin_id}/analytics (https://developers.pinterest.com/docs/api/v5/pins-analytics, scope
pins:read) over a date range within the last 90 days; the answer is keyed by app type, `{"ALL": {"summary_metrics":
{...}, "daily_metrics": [...]}}`, and the summary adds up the range. The range starts on the day the Pin was
published (Tidings follows a post for 30 days, well inside the 90).

A save on Pinterest is its repost; clicks are Pin clicks (to the close-up) plus outbound clicks (to the link).
"""

from datetime import UTC, datetime

from django.utils import timezone

from tidings.analytics.fetchers.base import PostCounts, count
from tidings.analytics.fetchers.http import json_object, read
from tidings.platforms.connectors.pinterest import API, pinterest_failure
from tidings.platforms.models import SocialAccount

METRICS = ("IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK")


def fetch_pinterest(account: SocialAccount, external_id: str, *, published_at: datetime) -> PostCounts:
    today = timezone.now().astimezone(UTC).date()
    params = {
        "start_date": min(published_at.astimezone(UTC).date(), today).isoformat(),
        "end_date": today.isoformat(),
        "metric_types": ",".join(METRICS),
        "app_types": "ALL",
    }
    response = read(
        "GET",
        f"{API}/pins/{external_id}/analytics",
        label="Pinterest",
        failure=pinterest_failure,
        params=params,
        headers={"Authorization": f"Bearer {account.access_token}"},
    )
    answer = json_object(response, label="Pinterest")
    block = answer.get("ALL") or answer.get("all") or {}
    summary = block.get("summary_metrics") if isinstance(block, dict) else None
    summary = summary if isinstance(summary, dict) else {}
    pin_clicks, outbound = count(summary.get("PIN_CLICK")), count(summary.get("OUTBOUND_CLICK"))
    clicks = None if pin_clicks is None and outbound is None else (pin_clicks or 0) + (outbound or 0)
    return PostCounts(
        reposts=count(summary.get("SAVE")),
        views=count(summary.get("IMPRESSION")),
        clicks=clicks,
        reason="Pinterest's Pin analytics have no likes or comments.",
    )
