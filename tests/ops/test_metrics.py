"""The dashboard's numbers are exact for a known dataset."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.utils import timezone

from tests.conftest import create_account, make_user
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import LedgerKind
from tidings.credits.services import adjust_credits, lock_workspace, write_ledger
from tidings.generation.models import GenerationLog, GenerationOutcome
from tidings.jobs.models import JobLog, JobStatus
from tidings.ops import charts, metrics
from tidings.platforms.models import Platform
from tidings.platforms.services import mark_reconnect_needed
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db


def target(user: User, account, status: TargetStatus, **times) -> PostTarget:  # type: ignore[no-untyped-def]
    post = create_post(owner(user), text=f"{status}", account_ids=[account.pk])
    PostTarget.objects.filter(post=post).update(status=status, **times)
    return PostTarget.objects.get(post=post)


@pytest.fixture
def dataset(alice: User, bob: User) -> dict[str, object]:
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=40), tick=False):
        make_user("carol", Tier.BUSINESS)  # her first grant is in an earlier month
    adjust_credits(workspace_of(alice), amount=5, reason="Goodwill")
    adjust_credits(workspace_of(bob), amount=-3, reason="Correction")
    with transaction.atomic():
        write_ledger(lock_workspace(workspace_of(bob).pk), kind=LedgerKind.EXPIRE, amount=-4, reason="Test expiry")
    with transaction.atomic():
        write_ledger(lock_workspace(workspace_of(alice).pk), kind=LedgerKind.CONSUME, amount=-1, reason="Published")

    hook, mastodon = create_account(alice, Platform.WEBHOOK), create_account(bob, Platform.MASTODON)
    today, day = timezone.localdate(now), timedelta(days=1)
    at = now - timedelta(hours=1)
    for late in (1, 2, 3):
        target(alice, hook, TargetStatus.PUBLISHED, published_at=at, scheduled_at=at - timedelta(seconds=late))
    target(bob, mastodon, TargetStatus.PUBLISHED, published_at=at, scheduled_at=at - timedelta(seconds=10))
    target(alice, hook, TargetStatus.PUBLISHED, published_at=now - 3 * day, scheduled_at=now - 3 * day)
    target(alice, hook, TargetStatus.PUBLISHED, published_at=now - 20 * day, scheduled_at=now - 20 * day)
    target(alice, hook, TargetStatus.FAILED, updated_at=at)
    target(alice, hook, TargetStatus.SKIPPED, updated_at=now - 2 * day)
    target(alice, hook, TargetStatus.SCHEDULED, scheduled_at=now + day)
    target(bob, mastodon, TargetStatus.SCHEDULED, scheduled_at=now - timedelta(seconds=5))
    target(bob, mastodon, TargetStatus.QUEUED, scheduled_at=now - timedelta(seconds=5))
    target(bob, mastodon, TargetStatus.DRAFT)

    for event, status in [
        ("post/scheduled.process", JobStatus.COMPLETED),
        ("post/scheduled.process", JobStatus.COMPLETED),
        ("post/scheduled.process", JobStatus.FAILED),
        ("post/scheduled.process", JobStatus.RUNNING),
        ("credits/check.low", JobStatus.COMPLETED),
    ]:
        JobLog.objects.create(event=event, status=status)
    old = JobLog.objects.create(event="credits/check.low", status=JobStatus.FAILED)
    JobLog.objects.filter(pk=old.pk).update(created_at=now - 2 * day)

    for provider, latency, outcome in [
        ("openai", 100, GenerationOutcome.OK),
        ("openai", 300, GenerationOutcome.OK),
        ("openai", 200, GenerationOutcome.OK),
        ("openai", 50, GenerationOutcome.ERROR),
        ("openai", 0, GenerationOutcome.REFUSED),
        ("anthropic", 400, GenerationOutcome.OK),
    ]:
        GenerationLog.objects.create(
            workspace=workspace_of(alice), provider=provider, model="m", latency_ms=latency, outcome=outcome
        )
    stale = GenerationLog.objects.create(
        workspace=workspace_of(alice), provider="anthropic", model="m", latency_ms=9, outcome="ok"
    )
    GenerationLog.objects.filter(pk=stale.pk).update(created_at=now - 2 * day)

    mark_reconnect_needed(mastodon.pk, reason="Token revoked")
    return {"now": timezone.now(), "today": today}


def test_plans_and_credits(dataset: dict[str, object]) -> None:
    now = dataset["now"]
    assert metrics.workspaces_per_tier() == {"free": 1, "pro": 1, "business": 1}
    flow = metrics.credits_this_month(now)  # type: ignore[arg-type]
    assert flow.as_dict() == {"granted": 510, "used": 1, "expired": 4, "adjusted": 2}


def test_outcomes_per_platform_per_day(dataset: dict[str, object]) -> None:
    table = metrics.outcomes_per_platform_per_day(dataset["now"])  # type: ignore[arg-type]
    today: date = dataset["today"]  # type: ignore[assignment]
    assert list(table) == ["mastodon", "webhook"]
    assert len(table["webhook"]) == 14
    assert min(table["webhook"]) == today - timedelta(days=13)
    nonzero = {
        (platform, day): counts
        for platform, per_day in table.items()
        for day, counts in per_day.items()
        if any(counts.values())
    }
    one_hour_ago = timezone.localdate(dataset["now"] - timedelta(hours=1))  # type: ignore[operator]
    assert nonzero == {
        ("webhook", one_hour_ago): {"published": 3, "failed": 1, "skipped": 0},
        ("webhook", today - timedelta(days=3)): {"published": 1, "failed": 0, "skipped": 0},
        ("webhook", today - timedelta(days=2)): {"published": 0, "failed": 0, "skipped": 1},
        ("mastodon", one_hour_ago): {"published": 1, "failed": 0, "skipped": 0},
    }
    chart = charts.daily_bars("webhook", table["webhook"])
    assert (chart.peak, chart.totals) == (4, {"published": 4, "failed": 1, "skipped": 1})
    busiest = next(bar for bar in chart.bars if bar.total == 4)
    assert [(s.series, s.value, s.height) for s in busiest.segments] == [
        ("published", 3, 90.0),
        ("failed", 1, 30.0),
        ("skipped", 0, 0.0),
    ]
    assert busiest.segments[1].y == 0.0


def test_queue_and_lateness(dataset: dict[str, object]) -> None:
    now = dataset["now"]
    assert metrics.queue_depth(now) == {"scheduled": 2, "due": 1, "queued": 1, "publishing": 0}  # type: ignore[arg-type]
    # Latenesses in the last 24 h: 1, 2, 3 and 10 s. Nearest rank: p50 is the 2nd, p95 the 4th.
    assert metrics.publishing_lateness(now) == {"count": 4, "p50": 2.0, "p95": 10.0}  # type: ignore[arg-type]


def test_jobs_generation_and_reconnects(dataset: dict[str, object]) -> None:
    now = dataset["now"]
    assert metrics.job_runs(now) == [  # type: ignore[arg-type]
        {"event": "credits/check.low", "runs": 1, "completed": 1, "failed": 0, "cancelled": 0, "unfinished": 0},
        {"event": "post/scheduled.process", "runs": 4, "completed": 2, "failed": 1, "cancelled": 0, "unfinished": 1},
    ]
    assert metrics.generation_by_provider(now) == [  # type: ignore[arg-type]
        {"provider": "anthropic", "calls": 1, "errors": 0, "p50_ms": 400},
        {"provider": "openai", "calls": 4, "errors": 1, "p50_ms": 100},
    ]
    count, accounts = metrics.accounts_needing_reconnect()
    assert count == 1
    assert [a.handle for a in accounts] == ["@bob1"]


def test_the_numbers_reach_the_page(
    dataset: dict[str, object], staff_client: Client, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    with django_assert_max_num_queries(40):
        page = staff_client.get("/ops/").content.decode()
    for cell, value in [
        ('id="workspaces-free">2<', "staff sam's own workspace is on Free"),
        ('id="credits-granted">520<', "510 plus sam's 10"),
        ('id="credits-used">1<', ""),
        ('id="credits-expired">4<', ""),
        ('id="credits-adjusted">2<', ""),
        ('id="video-credits-granted">34<', "first months' video credits: alice 2, bob 30, sam 2"),
        ('id="video-credits-used">0<', ""),
        ('id="queue-scheduled">2<', ""),
        ('id="queue-due">1<', ""),
        ('id="queue-queued">1<', ""),
        ('id="late-p50">2.0 s<', ""),
        ('id="late-p95">10.0 s<', ""),
        ('id="reconnect-count">1<', ""),
    ]:
        assert cell in page, value or cell
    assert page.count('<svg role="img"') == 2
    assert 'class="published"' in page
    assert "<td>post/scheduled.process</td><td>4</td><td>2</td><td>1</td><td>0</td><td>1</td>" in page
    assert "<td>openai</td><td>4</td><td>1</td><td>100 ms</td>" in page
