"""When a published post's counts are read again: often while it is fresh, when most engagement happens, then
daily, and not after 30 days, by which time the counts have settled and the platforms' quotas are better spent."""

from datetime import datetime, timedelta

FRESH_FOR = timedelta(hours=48)
FRESH_EVERY = timedelta(hours=1)
OLDER_EVERY = timedelta(days=1)
FOLLOW_FOR = timedelta(days=30)
# After a read that failed for a passing reason (the platform down, no answer).
RETRY_AFTER_FAILURE = timedelta(minutes=15)


def next_fetch_at(published_at: datetime, *, now: datetime) -> datetime | None:
    """The next read after one at `now`: hourly in the first 48 hours, then daily; a last read when the post
    turns 30 days old, then None."""
    end = published_at + FOLLOW_FOR
    if now >= end:
        return None
    step = FRESH_EVERY if now - published_at < FRESH_FOR else OLDER_EVERY
    return min(now + step, end)


def after_failure(published_at: datetime, *, now: datetime) -> datetime | None:
    """A read that failed for a passing reason is tried again soon, but never later than the schedule would have
    read anyway, and not past the 30 days."""
    regular = next_fetch_at(published_at, now=now)
    return None if regular is None else min(now + RETRY_AFTER_FAILURE, regular)
