"""Prometheus metrics for the operator's monitoring, read from the database when they are scraped.

In scale-out the web and worker processes are separate, and counters kept in one process's memory would tell only
what that process did; so every figure here is computed from the database at scrape time by one collector, and any
web process answers the same. The queries are bounded: live state (the queue) is read through the status indexes,
and activity over the last hour (`WINDOW`) through the time indexes, never a scan of all history. A snapshot is kept
for `CACHE_SECONDS`, so several scrapers, or a scrape that lands on a busy moment, cost one set of queries.

Windowed figures are gauges (and gauge histograms) of the last hour, not counters: they go down as the hour moves
on, and alert rules read them directly (`tidings_publish_attempts_1h{outcome="permanent"} > 0`).
"""

import threading
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.utils import timezone
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from prometheus_client.utils import floatToGoString

from tidings.credits.models import Balance, CreditLedgerEntry, LedgerKind
from tidings.generation.models import GenerationLog, GenerationOutcome
from tidings.jobs.models import JobLog, JobStatus
from tidings.platforms.models import Platform
from tidings.posts.models import AttemptOutcome, PostTarget, PublishAttempt, TargetStatus

WINDOW = timedelta(hours=1)
CACHE_SECONDS = 10.0
S = TargetStatus
# Waiting or in flight (unconfirmed holds its credit until someone settles it).
QUEUE_STATES = (S.SCHEDULED, S.QUEUED, S.PUBLISHING, S.UNCONFIRMED)
# How a publish ends; cancelling is the user's doing, not an outcome.
ENDINGS = (S.PUBLISHED, S.FAILED, S.SKIPPED, S.UNCONFIRMED)
LATENESS_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600)
GENERATION_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 20, 30, 60)
UNFINISHED_JOBS = (JobStatus.PENDING, JobStatus.RUNNING)
FINISHED_JOBS = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


def _platforms(*seen: Iterable[str]) -> list[str]:
    """Every platform, each with a series even at zero (a series that appears only when non-zero breaks rate and
    absence alerts), plus any platform found in the rows that this version no longer knows."""
    return sorted(set(Platform.values).union(*seen))


def queue_metrics(now: datetime) -> Iterator[Metric]:
    rows = PostTarget.objects.filter(status__in=QUEUE_STATES).values("platform", "status").annotate(n=Count("id"))
    counts = {(row["platform"], row["status"]): row["n"] for row in rows}
    depth = GaugeMetricFamily(
        "tidings_queue_targets",
        "Post targets waiting or in flight, by platform and status.",
        labels=["platform", "status"],
    )
    due_rows = (
        PostTarget.objects.filter(status__in=(S.SCHEDULED, S.QUEUED), scheduled_at__lte=now)
        .values("platform")
        .annotate(due=Count("id", filter=Q(status=S.SCHEDULED)), oldest=Min("scheduled_at"))
    )
    due = {row["platform"]: row for row in due_rows}
    due_gauge = GaugeMetricFamily(
        "tidings_queue_due_targets", "Scheduled targets whose time has come, not yet claimed.", labels=["platform"]
    )
    oldest = GaugeMetricFamily(
        "tidings_queue_oldest_due_seconds",
        "How late the oldest due target not yet sent (scheduled or queued) is now; 0 when none is.",
        labels=["platform"],
    )
    for platform in _platforms({p for p, _ in counts}, due):
        for status in QUEUE_STATES:
            depth.add_metric([platform, status], counts.get((platform, status), 0))
        row = due.get(platform)
        due_gauge.add_metric([platform], row["due"] if row else 0)
        oldest.add_metric([platform], max(0.0, (now - row["oldest"]).total_seconds()) if row else 0.0)
    yield from (depth, due_gauge, oldest)


def outcome_metrics(since: datetime) -> Iterator[Metric]:
    # `updated_at` is set by every status move, so "ended in the window" reads only the window's rows of the index.
    ended_rows = (
        PostTarget.objects.filter(status__in=ENDINGS, updated_at__gte=since)
        .values("platform", "status")
        .annotate(n=Count("id"))
    )
    ended = {(row["platform"], row["status"]): row["n"] for row in ended_rows}
    attempt_rows = (
        PublishAttempt.objects.filter(started_at__gte=since)
        .values("target__platform", "outcome")
        .annotate(n=Count("id"))
    )
    attempts = {(row["target__platform"], row["outcome"]): row["n"] for row in attempt_rows}
    ended_gauge = GaugeMetricFamily(
        "tidings_targets_ended_1h", "Post targets that ended in the last hour, by how.", labels=["platform", "status"]
    )
    attempts_gauge = GaugeMetricFamily(
        "tidings_publish_attempts_1h",
        "Calls to the platforms in the last hour (sends and look-ups of earlier sends), by outcome.",
        labels=["platform", "outcome"],
    )
    for platform in _platforms({p for p, _ in ended}, {p for p, _ in attempts}):
        for status in ENDINGS:
            ended_gauge.add_metric([platform, status], ended.get((platform, status), 0))
        for outcome in AttemptOutcome.values:
            attempts_gauge.add_metric([platform, outcome], attempts.get((platform, outcome), 0))
    yield from (ended_gauge, attempts_gauge)


def lateness_metrics(since: datetime) -> Iterator[Metric]:
    """published_at - scheduled_at of the targets published in the last hour, as a histogram counted in the
    database: one row per platform, whatever the number of posts."""
    late = ExpressionWrapper(F("published_at") - F("scheduled_at"), output_field=DurationField())
    buckets = {
        f"le_{i}": Count("id", filter=Q(published_at__lte=F("scheduled_at") + timedelta(seconds=bound)))
        for i, bound in enumerate(LATENESS_BUCKETS)
    }
    rows = (
        # Publishing sets updated_at with published_at, so the first filter narrows through the index.
        PostTarget.objects.filter(
            status=S.PUBLISHED, updated_at__gte=since, published_at__gte=since, scheduled_at__isnull=False
        )
        .values("platform")
        .annotate(n=Count("id"), total=Sum(late), **buckets)
    )
    by_platform = {row["platform"]: row for row in rows}
    family = GaugeHistogramMetricFamily(
        "tidings_publish_lateness_1h_seconds",
        "How late the posts published in the last hour went out (published_at - scheduled_at).",
        labels=["platform"],
    )
    for platform in _platforms(by_platform):
        row = by_platform.get(platform)
        counts = [(floatToGoString(bound), row[f"le_{i}"] if row else 0) for i, bound in enumerate(LATENESS_BUCKETS)]
        total = row["total"].total_seconds() if row and row["total"] is not None else 0.0
        family.add_metric([platform], [*counts, ("+Inf", row["n"] if row else 0)], gsum_value=total)
    yield family


def job_metrics(since: datetime) -> Iterator[Metric]:
    unfinished = GaugeMetricFamily(
        "tidings_jobs_unfinished", "Job runs pending or running now, by event.", labels=["event", "status"]
    )
    rows = JobLog.objects.filter(status__in=UNFINISHED_JOBS).values("event", "status").annotate(n=Count("id"))
    for row in rows.order_by("event", "status"):
        unfinished.add_metric([row["event"], row["status"]], row["n"])
    finished = GaugeMetricFamily(
        "tidings_jobs_finished_1h",
        "Job runs that finished in the last hour, by event and how.",
        labels=["event", "status"],
    )
    rows = (
        JobLog.objects.filter(status__in=FINISHED_JOBS, finished_at__gte=since)
        .values("event", "status")
        .annotate(n=Count("id"))
    )
    counts = {(row["event"], row["status"]): row["n"] for row in rows}
    for event in sorted({event for event, _ in counts}):
        for status in FINISHED_JOBS:
            finished.add_metric([event, status], counts.get((event, status), 0))
    yield from (unfinished, finished)


def generation_metrics(since: datetime) -> Iterator[Metric]:
    recent = GenerationLog.objects.filter(created_at__gte=since)
    calls = GaugeMetricFamily(
        "tidings_generations_1h",
        "Requests to write with AI in the last hour, by provider and outcome (refused: a limit stopped it first).",
        labels=["provider", "outcome"],
    )
    for row in recent.values("provider", "outcome").annotate(n=Count("id")).order_by("provider", "outcome"):
        calls.add_metric([row["provider"], row["outcome"]], row["n"])
    buckets = {
        f"le_{i}": Count("id", filter=Q(latency_ms__lte=bound * 1000)) for i, bound in enumerate(GENERATION_BUCKETS)
    }
    rows = (
        recent.exclude(outcome=GenerationOutcome.REFUSED)
        .values("provider")
        .annotate(n=Count("id"), total=Sum("latency_ms"), **buckets)
        .order_by("provider")
    )
    latency = GaugeHistogramMetricFamily(
        "tidings_generation_latency_1h_seconds",
        "How long the calls to AI providers in the last hour took (refused requests made no call).",
        labels=["provider"],
    )
    for row in rows:
        counts = [(floatToGoString(bound), row[f"le_{i}"]) for i, bound in enumerate(GENERATION_BUCKETS)]
        latency.add_metric([row["provider"]], [*counts, ("+Inf", row["n"])], gsum_value=(row["total"] or 0) / 1000)
    yield from (calls, latency)


def credit_metrics(since: datetime) -> Iterator[Metric]:
    """The ledger's consume rows of the targets published in the last hour, reached through the targets' index
    (a consume row is written in the transaction that marks its target published)."""
    rows = (
        CreditLedgerEntry.objects.filter(
            kind=LedgerKind.CONSUME,
            reservation__target__status=S.PUBLISHED,
            reservation__target__updated_at__gte=since,
            reservation__target__published_at__gte=since,
        )
        .values("reservation__target__platform", "balance")
        .annotate(total=Sum("amount"))
    )
    consumed = {(row["reservation__target__platform"], row["balance"]): -row["total"] for row in rows}
    family = GaugeMetricFamily(
        "tidings_credits_consumed_1h",
        "Credits and video credits consumed by the posts published in the last hour.",
        labels=["platform", "balance"],
    )
    for platform in _platforms({platform for platform, _ in consumed}):
        for balance in Balance:
            family.add_metric([platform, balance.value], consumed.get((platform, balance.value), 0))
    yield family


def snapshot(now: datetime) -> list[Metric]:
    """Every metric as of `now`, and how long the queries took."""
    began = time.monotonic()
    since = now - WINDOW
    families = [
        *queue_metrics(now),
        *outcome_metrics(since),
        *lateness_metrics(since),
        *job_metrics(since),
        *generation_metrics(since),
        *credit_metrics(since),
    ]
    took = GaugeMetricFamily("tidings_metrics_query_seconds", "How long the database queries of this scrape took.")
    took.add_metric([], time.monotonic() - began)
    return [*families, took]


class DatabaseCollector(Collector):
    """One snapshot of the database's figures per `cache_seconds`, shared by the threads of this process."""

    def __init__(self, *, cache_seconds: float = CACHE_SECONDS) -> None:
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._metrics: list[Metric] = []
        self._expires = 0.0

    def describe(self) -> list[Metric]:
        # Without describe(), registering would run collect(), and so the queries, at import time.
        return []

    def collect(self) -> list[Metric]:
        with self._lock:
            if time.monotonic() >= self._expires:
                self._metrics = snapshot(timezone.now())
                self._expires = time.monotonic() + self.cache_seconds
            return self._metrics

    def clear(self) -> None:
        with self._lock:
            self._expires = 0.0


COLLECTOR = DatabaseCollector()
# Our own registry: the default one adds this process's own figures (memory, GC), which differ per process.
REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(COLLECTOR)
