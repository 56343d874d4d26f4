"""Reading a published target's counts and keeping them: the latest on `TargetMetrics`, each reading as a
`MetricsSample`, and the time of the next read. The job that calls these (and spreads them over the platforms'
budgets) lives in `jobs`."""

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tidings.analytics.fetchers import PostCounts, fetch_counts
from tidings.analytics.models import MetricsSample, TargetMetrics
from tidings.analytics.schedule import FOLLOW_FOR, after_failure, next_fetch_at
from tidings.platforms.base import PublishFailure, RateLimited, ReauthRequired, TransientError
from tidings.platforms.models import AccountStatus
from tidings.posts.models import PostTarget, TargetStatus

logger = logging.getLogger("tidings.analytics")


def sync_metrics(target_id: int, *, now: datetime | None = None) -> TargetMetrics | None:
    """Read one published target's counts from its platform and store them, with a sample, and plan the next read.

    A failed read keeps the counts already known and says why (`last_error`): a passing failure is tried again
    soon (a rate limit after the wait the platform asked for), a refusal at the regular time. Nothing here marks
    the account or the post: publishing owns those. None when the target is gone or no longer published."""
    now = now or timezone.now()
    target = PostTarget.objects.select_related("account").filter(pk=target_id, status=TargetStatus.PUBLISHED).first()
    if target is None:
        return None
    published_at = target.published_at or now
    metrics, _ = TargetMetrics.objects.get_or_create(target=target)
    if target.account.status == AccountStatus.DISCONNECTED:
        metrics.next_fetch_at, metrics.last_error = None, "The account is disconnected; its counts are not read."
        metrics.save(update_fields=["next_fetch_at", "last_error", "updated_at"])
        return metrics
    if target.account.status != AccountStatus.ACTIVE:
        return _failed(metrics, published_at, now=now, error="The account needs reconnecting to read its counts.")
    try:
        counts = fetch_counts(target.account, target.external_id, published_at=published_at)
    except RateLimited as error:
        return _failed(metrics, published_at, now=now, error=error.message, wait=timedelta(seconds=error.retry_after))
    except TransientError as error:
        return _failed(metrics, published_at, now=now, error=error.message, soon=True)
    except ReauthRequired as error:
        return _failed(
            metrics, published_at, now=now, error=f"{error.message} Reconnect the account to see its counts."
        )
    except PublishFailure as error:
        return _failed(metrics, published_at, now=now, error=error.message)
    return _store(metrics, counts, published_at, now=now)


def _store(metrics: TargetMetrics, counts: PostCounts, published_at: datetime, *, now: datetime) -> TargetMetrics:
    values = counts.as_fields()
    following = None if counts.lasting else next_fetch_at(published_at, now=now)
    with transaction.atomic():
        # A platform that stops giving counts (the operator's access level changed) leaves those known before.
        if not counts.unavailable:
            for name, value in values.items():
                setattr(metrics, name, value)
        metrics.fetched_at, metrics.next_fetch_at = now, following
        metrics.unavailable_reason, metrics.last_error = counts.reason, ""
        metrics.save()
        if not counts.unavailable:
            MetricsSample.objects.create(target_id=metrics.target_id, fetched_at=now, **values)
    logger.info("metrics.synced target=%s unavailable=%s", metrics.target_id, counts.unavailable)
    return metrics


def _failed(
    metrics: TargetMetrics,
    published_at: datetime,
    *,
    now: datetime,
    error: str,
    soon: bool = False,
    wait: timedelta | None = None,
) -> TargetMetrics:
    if wait is not None:
        # A rate limit: wait as asked, even past the regular time, but not past the 30 days.
        following: datetime | None = (
            min(now + wait, published_at + FOLLOW_FOR) if now < published_at + FOLLOW_FOR else None
        )
    elif soon:
        following = after_failure(published_at, now=now)
    else:
        following = next_fetch_at(published_at, now=now)
    metrics.next_fetch_at, metrics.last_error = following, error[:2000]
    metrics.save(update_fields=["next_fetch_at", "last_error", "updated_at"])
    logger.warning("metrics.failed target=%s", metrics.target_id)
    return metrics


def due_for_sync(now: datetime, limit: int, *, skip_accounts: Collection[int] = ()) -> list[int]:
    """Published targets whose counts are due, oldest due first: those whose next read has come, then those
    published in the last 30 days and never read. Only targets of active accounts, and none of `skip_accounts`."""
    base = PostTarget.objects.filter(status=TargetStatus.PUBLISHED, account__status=AccountStatus.ACTIVE)
    if skip_accounts:
        base = base.exclude(account_id__in=list(skip_accounts))
    due = list(
        base.filter(metrics__next_fetch_at__lte=now)
        .order_by("metrics__next_fetch_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if len(due) < limit:
        due += list(
            base.filter(metrics__isnull=True, published_at__gt=now - FOLLOW_FOR, published_at__lte=now)
            .order_by("published_at", "pk")
            .values_list("pk", flat=True)[: limit - len(due)]
        )
    return due
