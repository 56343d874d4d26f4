"""The staff dashboard's numbers from our own tables: every figure is one aggregate query (or a bounded few)."""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from tidings.credits.models import Balance, CreditLedgerEntry, LedgerKind
from tidings.generation.models import GenerationLog, GenerationOutcome
from tidings.jobs.models import JobLog, JobStatus
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.posts.models import PostTarget, TargetStatus
from tidings.tiers.plans import Tier
from tidings.workspaces.models import Workspace

OUTCOMES = (TargetStatus.PUBLISHED, TargetStatus.FAILED, TargetStatus.SKIPPED)


def workspaces_per_tier() -> dict[str, int]:
    """Workspaces on each plan (a plan is a workspace's, and every person has their own)."""
    counts = dict(Workspace.objects.values_list("tier").annotate(n=Count("id")).values_list("tier", "n"))
    return {tier.value: counts.get(tier.value, 0) for tier in Tier}


def month_start(now: datetime) -> datetime:
    """The first instant of the current calendar month in the site's time zone."""
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class CreditFlow:
    granted: int  # first-month grants, grants and renewals
    used: int  # consumed by published posts
    expired: int
    adjusted: int  # staff adjustments, net

    def as_dict(self) -> dict[str, int]:
        return {"granted": self.granted, "used": self.used, "expired": self.expired, "adjusted": self.adjusted}


def credits_this_month(now: datetime, balance: str = Balance.CREDITS) -> CreditFlow:
    """From the ledger alone, so it agrees with the balances; one balance at a time."""
    month = CreditLedgerEntry.objects.filter(created_at__gte=month_start(now), created_at__lte=now, balance=balance)
    rows = month.aggregate(
        granted=Coalesce(Sum("amount", filter=Q(kind__in=(LedgerKind.GRANT, LedgerKind.RENEWAL))), 0),
        used=Coalesce(Sum("amount", filter=Q(kind=LedgerKind.CONSUME)), 0),
        expired=Coalesce(Sum("amount", filter=Q(kind=LedgerKind.EXPIRE)), 0),
        adjusted=Coalesce(Sum("amount", filter=Q(kind=LedgerKind.ADJUST)), 0),
    )
    return CreditFlow(rows["granted"], -rows["used"], -rows["expired"], rows["adjusted"])


def outcomes_per_platform_per_day(now: datetime, *, days: int = 14) -> dict[str, dict[date, dict[str, int]]]:
    """platform -> day -> {published, failed, skipped} for the last `days` days (today included), by the day the
    target ended: published_at for published ones, the last update for the others. Days without any are zeros."""
    first = timezone.localdate(now) - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    rows = (
        PostTarget.objects.filter(status__in=OUTCOMES)
        .annotate(ended=Coalesce("published_at", "updated_at"))
        .filter(ended__gte=since, ended__lte=now)
        .annotate(day=TruncDate("ended"))
        .values("platform", "day", "status")
        .annotate(n=Count("id"))
    )
    table: dict[str, dict[date, dict[str, int]]] = {}
    for row in rows:
        per_day = table.setdefault(
            row["platform"],
            {first + timedelta(days=i): {s.value: 0 for s in OUTCOMES} for i in range(days)},
        )
        per_day[row["day"]][row["status"]] = row["n"]
    return dict(sorted(table.items()))


def queue_depth(now: datetime) -> dict[str, int]:
    """Targets waiting to be published: scheduled (later or due) and queued for a worker."""
    return PostTarget.objects.aggregate(
        scheduled=Count("id", filter=Q(status=TargetStatus.SCHEDULED)),
        due=Count("id", filter=Q(status=TargetStatus.SCHEDULED, scheduled_at__lte=now)),
        queued=Count("id", filter=Q(status=TargetStatus.QUEUED)),
        publishing=Count("id", filter=Q(status=TargetStatus.PUBLISHING)),
    )


def percentile(queryset: QuerySet[Any], field: str, p: float, *, count: int | None = None) -> Any:
    """The nearest-rank `p`th percentile of `field` (None for no rows): a count and one ordered row at an offset,
    in the database, whatever the number of rows."""
    n = queryset.count() if count is None else count
    if n == 0:
        return None
    rank = max(1, math.ceil(p / 100 * n))
    return queryset.order_by(field).values_list(field, flat=True)[rank - 1]


def publishing_lateness(now: datetime, *, hours: int = 24) -> dict[str, Any]:
    """How late posts went out (published_at - scheduled_at) over the last `hours`: p50 and p95 in seconds."""
    published = PostTarget.objects.filter(
        status=TargetStatus.PUBLISHED,
        published_at__gte=now - timedelta(hours=hours),
        published_at__lte=now,
        scheduled_at__isnull=False,
    ).annotate(late=ExpressionWrapper(F("published_at") - F("scheduled_at"), output_field=DurationField()))
    n = published.count()
    result: dict[str, Any] = {"count": n}
    for p in (50, 95):
        value = percentile(published, "late", p, count=n)
        result[f"p{p}"] = value.total_seconds() if value is not None else None
    return result


def job_runs(now: datetime, *, hours: int = 24) -> list[dict[str, Any]]:
    """Per event, the job logs created in the last `hours`: runs, and how many ended each way."""
    return list(
        JobLog.objects.filter(created_at__gte=now - timedelta(hours=hours))
        .values("event")
        .annotate(
            runs=Count("id"),
            completed=Count("id", filter=Q(status=JobStatus.COMPLETED)),
            failed=Count("id", filter=Q(status=JobStatus.FAILED)),
            cancelled=Count("id", filter=Q(status=JobStatus.CANCELLED)),
            unfinished=Count("id", filter=Q(status__in=(JobStatus.PENDING, JobStatus.RUNNING))),
        )
        .order_by("event")
    )


def generation_by_provider(now: datetime, *, hours: int = 24) -> list[dict[str, Any]]:
    """Per provider over the last `hours`: calls, errors and the median latency of the calls that reached it."""
    recent = GenerationLog.objects.filter(created_at__gte=now - timedelta(hours=hours))
    rows = list(
        recent.exclude(outcome=GenerationOutcome.REFUSED)
        .values("provider")
        .annotate(calls=Count("id"), errors=Count("id", filter=Q(outcome=GenerationOutcome.ERROR)))
        .order_by("provider")
    )
    # One ordered lookup per provider: providers are the few kinds in the writers registry, not rows.
    for row in rows:
        of_provider = recent.filter(provider=row["provider"]).exclude(outcome=GenerationOutcome.REFUSED)
        row["p50_ms"] = percentile(of_provider, "latency_ms", 50, count=row["calls"])
    return rows


def accounts_needing_reconnect(*, limit: int = 50) -> tuple[int, list[SocialAccount]]:
    waiting = SocialAccount.objects.filter(status=AccountStatus.RECONNECT_NEEDED)
    return waiting.count(), list(waiting.select_related("workspace").order_by("-updated_at")[:limit])
