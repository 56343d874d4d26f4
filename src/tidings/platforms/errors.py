"""HTTP answers mapped to the publish error classes, shared by every connector."""

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tidings import http
from tidings.platforms.base import PermanentError, PublishFailure, RateLimited, ReauthRequired, TransientError

DEFAULT_RETRY_AFTER = 60.0
MAX_RETRY_AFTER = 3600.0

logger = logging.getLogger("tidings.platforms")


def operator_problem(platform: str, problem: str, *, status: int) -> None:
    """A refusal only the server's operator can fix (the app lacks an API product or access level, a spent usage
    cap): one warning line for them, beside the user's message. Ids and codes only."""
    fields = {"platform": platform, "problem": problem, "status": status}
    line = " ".join(f"{key}={value}" for key, value in fields.items())
    logger.warning("platform.app_problem %s", line, extra={"platform_problem": fields})


def classify_status(status: int) -> type[PublishFailure]:
    if status == 429:
        return RateLimited
    if status in (401, 403):
        return ReauthRequired
    if status == 408 or status >= 500:
        return TransientError
    return PermanentError


def unreachable(error: Exception, *, server: str, detail: str) -> PublishFailure:
    """A connection that could not be made. Refused by the public-address guard (`tidings.http`) it is permanent:
    the address will not become allowed by retrying, and a retry would only knock on the inside again. Anything
    else (down, unresolvable, timed out) is transient, and `detail` says so."""
    if refused := http.refused_reason(error):
        return PermanentError(f"{server}'s address is not allowed: {refused}")
    return TransientError(detail)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; bounded to an hour."""
    if not value:
        return DEFAULT_RETRY_AFTER
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return DEFAULT_RETRY_AFTER
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
