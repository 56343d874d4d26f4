"""The analytics cron: due reads made within the budgets, one step each, and failures kept to their target."""

from datetime import timedelta

import pytest
import respx
from dbos import DBOS
from django.utils import timezone

from tests.analytics import recorded
from tests.analytics.conftest import connected, published
from tests.analytics.test_reads import publish_due, second
from tidings.accounts.models import User
from tidings.analytics.fetchers import FETCHERS
from tidings.analytics.models import MetricsSample, TargetMetrics
from tidings.analytics.reads import CLAIM
from tidings.jobs.models import JobLog, JobStatus
from tidings.jobs.workflows import analytics as analytics_jobs
from tidings.platforms.models import Platform, SocialAccount
from tidings.posts.models import PostTarget

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]
STATUS = "https://mastodon.example/api/v1/statuses"


def due(account_id: int, external_id: str) -> PostTarget:
    target = published(
        SocialAccount.objects.get(pk=account_id),
        external_id,
        at=timezone.now() - timedelta(hours=3),
    )
    TargetMetrics.objects.create(target=target, next_fetch_at=timezone.now() - timedelta(minutes=1))
    return target


def tick() -> dict[str, int] | None:
    """Run one tick now; how its reads went, from its job log (None: it read nothing and left none)."""
    analytics_jobs.sync_due_metrics(timezone.now())
    log = JobLog.objects.filter(event="analytics/metrics.sync").order_by("-pk").first()
    if log is None:
        return None
    assert log.status == JobStatus.COMPLETED
    return log.data


def test_the_cron_is_registered_every_minute() -> None:
    schedules = {s["schedule_name"]: s for s in DBOS.list_schedules()}
    assert schedules["analytics-sync-metrics"]["schedule"] == "20 * * * * *"
    assert schedules["analytics-sync-metrics"]["workflow_name"] == "analytics/metrics.sync"


@respx.mock
def test_a_tick_reads_what_is_due_and_a_failed_read_waits_alone(carol: User) -> None:
    good = connected(carol, Platform.MASTODON, base_url="https://mastodon.example")
    down = connected(carol, Platform.MASTODON, external_id="down", handle="@down", base_url="https://down.example")
    read, failing = due(good.pk, "103270115826048975"), due(down.pk, "2")
    respx.get(f"{STATUS}/103270115826048975").respond(json=recorded.MASTODON_STATUS)
    respx.get("https://down.example/api/v1/statuses/2").respond(503)
    before = timezone.now()

    assert tick() == {"claimed": 2, "synced": 1, "failed": 1, "error": 0, "gone": 0}
    assert list(MetricsSample.objects.values_list("target_id", "likes", "reposts", "replies")) == [(read.pk, 11, 6, 5)]
    kept = TargetMetrics.objects.get(target=failing)
    assert kept.likes is None
    assert kept.last_error == "Mastodon: 503 Service Unavailable"
    assert before + timedelta(minutes=14) < kept.next_fetch_at < timezone.now() + timedelta(minutes=16)


@respx.mock
def test_publishing_due_on_an_account_holds_its_reads_not_the_others(carol: User) -> None:
    busy = connected(carol, Platform.MASTODON, base_url="https://mastodon.example")
    calm = second(carol, Platform.MASTODON, base_url="https://mastodon.example")
    held = due(busy.pk, "1")
    read = due(calm.pk, "103270115826048975")
    publish_due(carol, busy, 2)
    route = respx.get(f"{STATUS}/103270115826048975").respond(json=recorded.MASTODON_STATUS)

    assert tick() == {"claimed": 1, "synced": 1, "failed": 0, "error": 0, "gone": 0}
    assert route.call_count == 1
    assert TargetMetrics.objects.get(target=read).likes == 11
    assert TargetMetrics.objects.get(target=held).fetched_at is None


def test_an_unexpected_error_keeps_to_its_target_and_comes_back_after_its_claim(
    carol: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = connected(carol, Platform.MASTODON, base_url="https://mastodon.example")
    broken = due(account.pk, "1")

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setitem(FETCHERS, Platform.MASTODON, explode)
    before = timezone.now()

    assert tick() == {"claimed": 1, "synced": 0, "failed": 0, "error": 1, "gone": 0}
    assert before + CLAIM <= TargetMetrics.objects.get(target=broken).next_fetch_at <= timezone.now() + CLAIM
    assert MetricsSample.objects.count() == 0


def test_a_tick_with_nothing_due_leaves_no_job_log() -> None:
    assert tick() is None
