"""/metrics: exact figures for a known dataset, scraped over HTTP the way Prometheus does, and who may scrape."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import create_account, make_user
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.generation.models import GenerationLog
from tidings.jobs.models import JobLog, JobStatus
from tidings.ops import prometheus
from tidings.platforms.models import Platform, SocialAccount
from tidings.posts.models import PostTarget, PublishAttempt, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TOKEN = "t0ken-for-the-scraper-0123456789"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(autouse=True)
def _fresh_snapshot() -> Iterator[None]:
    prometheus.COLLECTOR.clear()
    yield
    prometheus.COLLECTOR.clear()


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def scheduled(user: User, account: SocialAccount, when: datetime) -> PostTarget:
    with at(min(when, NOW) - timedelta(minutes=30)):
        post = create_post(owner(user), text="Hello", account_ids=[account.pk])
        schedule_post(owner(user), post.pk, at=when)
    return PostTarget.objects.get(post=post)


def ended(user: User, account: SocialAccount, status: TargetStatus, *, due: datetime, late: float) -> PostTarget:
    """Scheduled for `due`, then taken along the product's own moves to `status`, `late` seconds after `due`."""
    target = scheduled(user, account, due)
    with at(due + timedelta(seconds=late)):
        return bring_to(target, status)


def attempt(target: PostTarget, outcome: str, started: datetime) -> None:
    PublishAttempt.objects.create(target=target, number=1, started_at=started, duration_ms=5, outcome=outcome)


@pytest.fixture
def dataset() -> dict[str, PostTarget]:
    with at(NOW - timedelta(hours=5)):
        bob = make_user("bob", Tier.PRO)
        hook, mastodon = create_account(bob, Platform.WEBHOOK), create_account(bob, Platform.MASTODON)
    minutes = lambda n: NOW - timedelta(minutes=n)  # noqa: E731
    targets = {
        "published_3s": ended(bob, hook, TargetStatus.PUBLISHED, due=minutes(30), late=3),
        "published_40s": ended(bob, hook, TargetStatus.PUBLISHED, due=minutes(20), late=40),
        "published_long_ago": ended(bob, hook, TargetStatus.PUBLISHED, due=minutes(180), late=5),
        "skipped": ended(bob, hook, TargetStatus.SKIPPED, due=minutes(15), late=1),
        "failed": ended(bob, mastodon, TargetStatus.FAILED, due=minutes(10), late=2),
        "unconfirmed": ended(bob, mastodon, TargetStatus.UNCONFIRMED, due=minutes(8), late=1),
        "later": scheduled(bob, hook, NOW + timedelta(hours=1)),
        "due": scheduled(bob, mastodon, NOW - timedelta(seconds=90)),
        "queued": ended(bob, hook, TargetStatus.QUEUED, due=minutes(5), late=60),
    }
    attempt(targets["published_40s"], "transient", minutes(25))
    attempt(targets["published_40s"], "published", minutes(20))
    attempt(targets["failed"], "permanent", minutes(10))
    attempt(targets["published_long_ago"], "published", minutes(180))

    for event, status, finished in [
        ("post/scheduled.process", JobStatus.COMPLETED, minutes(10)),
        ("post/scheduled.process", JobStatus.COMPLETED, minutes(9)),
        ("post/scheduled.process", JobStatus.FAILED, minutes(5)),
        ("post/scheduled.process", JobStatus.FAILED, minutes(120)),
        ("post/scheduled.process", JobStatus.RUNNING, None),
        ("credits/check.low", JobStatus.PENDING, None),
    ]:
        JobLog.objects.create(event=event, status=status, finished_at=finished)

    for provider, latency_ms, outcome, created in [
        ("openai", 300, "ok", minutes(50)),
        ("openai", 1500, "ok", minutes(40)),
        ("openai", 50, "error", minutes(30)),
        ("openai", 0, "refused", minutes(20)),
        ("anthropic", 400, "ok", minutes(10)),
        ("anthropic", 9000, "ok", minutes(90)),
    ]:
        with at(created):
            GenerationLog.objects.create(
                workspace=workspace_of(bob), provider=provider, model="m", latency_ms=latency_ms, outcome=outcome
            )
    return targets


def scrape(client: Client, **headers: Any) -> Samples:
    with at(NOW):
        response = client.get("/metrics", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def nonzero(samples: Samples, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {tuple(sorted(labels)): v for (n, labels), v in samples.items() if n == name and v}


@override_settings(TIDINGS_METRICS_TOKEN=TOKEN)
def test_a_scrape_reports_exactly_the_dataset(dataset: dict[str, PostTarget], client: Client) -> None:
    samples = scrape(client, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert nonzero(samples, "tidings_queue_targets") == {
        (("platform", "mastodon"), ("status", "scheduled")): 1,
        (("platform", "mastodon"), ("status", "unconfirmed")): 1,
        (("platform", "webhook"), ("status", "queued")): 1,
        (("platform", "webhook"), ("status", "scheduled")): 1,
    }
    # Every platform has its series, at zero when idle.
    assert value(samples, "tidings_queue_targets", platform="bluesky", status="publishing") == 0
    assert nonzero(samples, "tidings_queue_due_targets") == {(("platform", "mastodon"),): 1}
    # The queued target was due 5 minutes ago and is not sent yet; the scheduled one 90 seconds ago.
    assert nonzero(samples, "tidings_queue_oldest_due_seconds") == {
        (("platform", "mastodon"),): 90.0,
        (("platform", "webhook"),): 300.0,
    }

    assert nonzero(samples, "tidings_targets_ended_1h") == {
        (("platform", "mastodon"), ("status", "failed")): 1,
        (("platform", "mastodon"), ("status", "unconfirmed")): 1,
        (("platform", "webhook"), ("status", "published")): 2,
        (("platform", "webhook"), ("status", "skipped")): 1,
    }
    assert nonzero(samples, "tidings_publish_attempts_1h") == {
        (("outcome", "permanent"), ("platform", "mastodon")): 1,
        (("outcome", "published"), ("platform", "webhook")): 1,
        (("outcome", "transient"), ("platform", "webhook")): 1,
    }

    # Published 3 s and 40 s late in the hour (the one three hours ago is outside it).
    lateness = {
        labels["le"]: v
        for (n, frozen), v in samples.items()
        if n == "tidings_publish_lateness_1h_seconds_bucket"
        for labels in [dict(frozen)]
        if labels["platform"] == "webhook"
    }
    assert lateness == {
        "1.0": 0,
        "5.0": 1,
        "15.0": 1,
        "30.0": 1,
        "60.0": 2,
        "120.0": 2,
        "300.0": 2,
        "600.0": 2,
        "1800.0": 2,
        "3600.0": 2,
        "+Inf": 2,
    }
    assert value(samples, "tidings_publish_lateness_1h_seconds_gsum", platform="webhook") == 43.0
    assert value(samples, "tidings_publish_lateness_1h_seconds_gcount", platform="webhook") == 2
    assert value(samples, "tidings_publish_lateness_1h_seconds_gcount", platform="mastodon") == 0

    assert nonzero(samples, "tidings_jobs_unfinished") == {
        (("event", "credits/check.low"), ("status", "pending")): 1,
        (("event", "post/scheduled.process"), ("status", "running")): 1,
    }
    assert nonzero(samples, "tidings_jobs_finished_1h") == {
        (("event", "post/scheduled.process"), ("status", "completed")): 2,
        (("event", "post/scheduled.process"), ("status", "failed")): 1,
    }

    assert nonzero(samples, "tidings_generations_1h") == {
        (("outcome", "error"), ("provider", "openai")): 1,
        (("outcome", "ok"), ("provider", "anthropic")): 1,
        (("outcome", "ok"), ("provider", "openai")): 2,
        (("outcome", "refused"), ("provider", "openai")): 1,
    }
    openai = {
        dict(frozen)["le"]: v
        for (n, frozen), v in samples.items()
        if n == "tidings_generation_latency_1h_seconds_bucket" and ("provider", "openai") in frozen
    }
    assert openai == {
        "0.25": 1,
        "0.5": 2,
        "1.0": 2,
        "2.0": 3,
        "5.0": 3,
        "10.0": 3,
        "20.0": 3,
        "30.0": 3,
        "60.0": 3,
        "+Inf": 3,
    }
    assert value(samples, "tidings_generation_latency_1h_seconds_gsum", provider="openai") == pytest.approx(1.85)
    assert value(samples, "tidings_generation_latency_1h_seconds_gcount", provider="anthropic") == 1

    # The two posts published in the hour consumed a credit each, on the ledger.
    assert nonzero(samples, "tidings_credits_consumed_1h") == {(("balance", "credits"), ("platform", "webhook")): 2}


def test_the_queries_are_a_fixed_few_and_a_snapshot_is_reused(dataset: dict[str, PostTarget]) -> None:
    collector = prometheus.DatabaseCollector(cache_seconds=60)
    with at(NOW), CaptureQueriesContext(connection) as first:
        before = {family.name: family for family in collector.collect()}
    # One query per group of figures, whatever the number of rows.
    assert len(first.captured_queries) == 10
    with at(NOW):
        bring_to(dataset["due"], TargetStatus.PUBLISHED)
    with at(NOW), CaptureQueriesContext(connection) as second:
        again = {family.name: family for family in collector.collect()}
    assert len(second.captured_queries) == 0
    assert again == before
    collector.clear()
    with at(NOW):
        fresh = {family.name: family for family in collector.collect()}
    published = [
        s.value
        for s in fresh["tidings_targets_ended_1h"].samples
        if s.labels == {"platform": "mastodon", "status": "published"}
    ]
    assert published == [1]


def test_without_a_token_only_staff_can_read_it(staff_client: Client, alice: User) -> None:
    client = Client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything-at-all-long-enough").status_code == 404
    client.force_login(alice)
    assert client.get("/metrics").status_code == 404
    assert staff_client.get("/metrics").status_code == 200


@override_settings(TIDINGS_METRICS_TOKEN=TOKEN)
def test_with_a_token_the_scraper_presents_it(staff_client: Client) -> None:
    client = Client()
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    refusals: list[dict[str, Any]] = [
        {},
        {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}x"},
        {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
    ]
    for refused in refusals:
        response = client.get("/metrics", **refused)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    # Never in the address, where proxies and logs would keep it.
    assert client.get(f"/metrics?token={TOKEN}").status_code == 401
    assert staff_client.get("/metrics").status_code == 200
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_openmetrics_is_served_to_a_scraper_that_asks_for_it(staff_client: Client) -> None:
    response = staff_client.get("/metrics", HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    assert response["Content-Type"].startswith("application/openmetrics-text")
    body = response.content.decode()
    assert "# TYPE tidings_publish_lateness_1h_seconds gaugehistogram" in body
    assert body.endswith("# EOF\n")
    assert response["Cache-Control"].startswith("max-age=0")
