"""One DBOS queue per platform, with an app-wide rate limit and bounded concurrency in each worker process.

The limits guard the app-level quotas platforms give one client; per-account limits answer with 429 and the
workflow waits the Retry-After. Override one with TIDINGS_RATE_<PLATFORM>="<starts>/<seconds>" or "none".
"""

import os

from dbos import DBOS
from django.conf import settings

from tidings.platforms.models import Platform

# (workflow starts, per seconds); None for no app-wide limit.
DEFAULT_RATE_LIMITS: dict[str, tuple[int, float] | None] = {
    Platform.BLUESKY: (25, 1.0),
    Platform.MASTODON: (5, 1.0),
    Platform.X: (100, 900.0),
    Platform.LINKEDIN: (100, 60.0),
    Platform.FACEBOOK: (50, 60.0),
    Platform.INSTAGRAM: (25, 60.0),
    Platform.THREADS: (25, 60.0),
    Platform.TIKTOK: (6, 60.0),
    Platform.YOUTUBE: (10, 60.0),
    Platform.PINTEREST: (100, 60.0),
    Platform.WEBHOOK: None,
}
JOBS_QUEUE = "jobs"


def publish_queue(platform: str) -> str:
    return f"publish-{platform}"


def rate_limit(platform: str) -> tuple[int, float] | None:
    override = os.environ.get(f"TIDINGS_RATE_{platform.upper()}")
    if override is None:
        return DEFAULT_RATE_LIMITS.get(platform)
    if override.strip().lower() == "none":
        return None
    starts, _, seconds = override.partition("/")
    return int(starts), float(seconds or 1)


def polling_interval(limit: tuple[int, float] | None) -> float:
    """How often a worker polls a platform's queue: no more often than the queue's rate limit can use.

    Every poll costs the worker a few milliseconds of CPU whether or not it finds work, and a worker has a queue
    per platform, so polling all of them at the fast rate spends a good share of a core on empty queues. A queue
    may start at most `starts / seconds` workflows a second, and one poll refills up to `worker_concurrency` slots,
    so polling every `concurrency / (2 * rate)` seconds still keeps its slots busy. The interval stays between
    TIDINGS_QUEUE_POLL_SECONDS (unlimited queues) and TIDINGS_QUEUE_MAX_POLL_SECONDS (what a due post may wait).
    """
    fast = settings.TIDINGS_QUEUE_POLL_SECONDS
    slowest = max(fast, settings.TIDINGS_QUEUE_MAX_POLL_SECONDS)
    if limit is None:
        return fast
    starts, seconds = limit
    enough = settings.TIDINGS_WORKER_CONCURRENCY * seconds / (2 * max(starts, 1))
    return min(slowest, max(fast, enough))


def register_queues() -> None:
    for platform in Platform.values:
        limit = rate_limit(platform)
        DBOS.register_queue(
            publish_queue(platform),
            worker_concurrency=settings.TIDINGS_WORKER_CONCURRENCY,
            limiter={"limit": limit[0], "period": limit[1]} if limit else None,
            polling_interval_sec=polling_interval(limit),
        )
    DBOS.register_queue(JOBS_QUEUE, worker_concurrency=4, polling_interval_sec=1.0)
