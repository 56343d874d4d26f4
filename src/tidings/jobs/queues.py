"""One DBOS queue per platform, with bounded concurrency in each worker process.

The platforms' quotas (per account and per app, `tidings.platforms.quotas`) are kept by the dispatcher, which
claims a due target only while both have room, counted from the posts table; a queue only bounds how many
publishes a worker runs at once. A 429 that still comes back makes the workflow wait its Retry-After.
"""

from dbos import DBOS
from django.conf import settings

from tidings.platforms import quotas
from tidings.platforms.models import Platform

JOBS_QUEUE = "jobs"
# Event deliveries: each waits at most 10 seconds for its receiver, so a few slow ones cannot hold up the rest.
WEBHOOKS_QUEUE = "webhooks"


def publish_queue(platform: str) -> str:
    return f"publish-{platform}"


def rate_limit(platform: str) -> tuple[int, float] | None:
    """The platform's tightest app-wide pace (posts, seconds): no more than this reaches its queue."""
    return quotas.app_rate(platform)


def polling_interval(limit: tuple[int, float] | None) -> float:
    """How often a worker polls a platform's queue: no more often than the platform's app-wide pace can use.

    Every poll costs the worker a few milliseconds of CPU whether or not it finds work, and a worker has a queue
    per platform, so polling all of them at the fast rate spends a good share of a core on empty queues. A queue
    receives at most `starts / seconds` workflows a second, and one poll refills up to `worker_concurrency` slots,
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


def queue_polling_interval(platform: str) -> float:
    """A platform with quotas per account but no published app-wide pace polls at the slowest interval (its pace
    is unknown, and each fast poll costs every worker CPU); only a platform without any quota (the webhook) polls
    as fast as its pace allows."""
    limit = rate_limit(platform)
    if limit is None and quotas.account_windows(platform):
        return max(settings.TIDINGS_QUEUE_POLL_SECONDS, settings.TIDINGS_QUEUE_MAX_POLL_SECONDS)
    return polling_interval(limit)


def register_queues() -> None:
    quotas.check_overrides()
    for platform in Platform.values:
        DBOS.register_queue(
            publish_queue(platform),
            worker_concurrency=settings.TIDINGS_WORKER_CONCURRENCY,
            polling_interval_sec=queue_polling_interval(platform),
        )
    DBOS.register_queue(JOBS_QUEUE, worker_concurrency=4, polling_interval_sec=1.0)
    DBOS.register_queue(WEBHOOKS_QUEUE, worker_concurrency=8, polling_interval_sec=1.0)
