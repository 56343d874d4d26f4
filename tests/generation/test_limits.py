"""The daily generation limit: exact at the edge, in the workspace's own day, and under concurrent requests."""

import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connections

from tests.conftest import make_user
from tests.generation.fake_openai import Fail, FakeOpenAI
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation
from tidings.generation.brief import Brief
from tidings.generation.models import GenerationLog
from tidings.generation.services import generate_posts, rewrite_text
from tidings.generation.writers.base import ProviderUnavailable
from tidings.notifications.models import Notification, NotificationType
from tidings.tiers.plans import Tier
from tidings.tiers.services import TierLimitReached
from tidings.usage.models import DailyUsage, Metric
from tidings.usage.services import count_usage, local_day, usage_on

BRIEF = Brief(topic="A new bakery")


def used(user: User) -> int:
    return usage_on(workspace_of(user), metric=Metric.GENERATIONS, day=local_day(workspace_of(user)))


@pytest.mark.django_db
def test_free_allows_five_generations_a_day_and_refuses_the_sixth(alice: User, site_provider: FakeOpenAI) -> None:
    for _ in range(5):
        generate_posts(owner(alice), brief=BRIEF, platforms=["bluesky"])
    assert used(alice) == 5
    with pytest.raises(TierLimitReached) as refusal:
        generate_posts(owner(alice), brief=BRIEF, platforms=["bluesky"])
    assert refusal.value.as_dict() == {
        "code": "tier_limit_reached",
        "message": "Today's AI generations are used up: 5 of 5 used on the Free plan.",
        "check": "can_generate",
        "limit_name": "generations_per_day",
        "limit": 5,
        "used": 5,
        "tier": "free",
    }
    assert len(site_provider.requests) == 5
    assert used(alice) == 5
    refused = GenerationLog.objects.get(workspace=workspace_of(alice), outcome="refused")
    assert (refused.platform, refused.tokens_in, refused.error) == ("bluesky", 0, refusal.value.message)
    with pytest.raises(TierLimitReached):
        rewrite_text(owner(alice), text="Hello", instruction="shorter", platform="x")
    assert Notification.objects.filter(user=alice, type=NotificationType.TIER_LIMIT_REACHED).count() == 1
    assert workspace_of(alice).credits == 10
    assert not CreditReservation.objects.exists()


@pytest.mark.django_db
def test_a_request_needing_more_than_is_left_is_refused_whole(alice: User, site_provider: FakeOpenAI) -> None:
    count_usage(workspace_of(alice), metric=Metric.GENERATIONS, amount=4)
    with pytest.raises(TierLimitReached) as refusal:
        generate_posts(owner(alice), brief=BRIEF, platforms=["bluesky", "x"])
    assert refusal.value.details["used"] == 4
    assert site_provider.requests == []
    assert used(alice) == 4
    [draft] = generate_posts(owner(alice), brief=BRIEF, platforms=["x"])
    assert draft.platform == "x"
    assert used(alice) == 5


@pytest.mark.django_db
def test_a_personal_override_raises_the_limit(site_provider: FakeOpenAI) -> None:
    dora = make_user("dora", Tier.FREE, tier_limits={"generations_per_day": 7})
    generate_posts(owner(dora), brief=BRIEF, platforms=["bluesky"], variants=5)
    generate_posts(owner(dora), brief=BRIEF, platforms=["bluesky"], variants=2)
    with pytest.raises(TierLimitReached):
        generate_posts(owner(dora), brief=BRIEF, platforms=["bluesky"])
    assert used(dora) == 7


@pytest.mark.django_db
def test_failed_calls_do_not_use_up_the_day(alice: User, site_provider: FakeOpenAI) -> None:
    for _ in range(3):
        site_provider.then(Fail(503), Fail(503), Fail(503))
        with pytest.raises(ProviderUnavailable):
            generate_posts(owner(alice), brief=BRIEF, platforms=["bluesky"])
    assert used(alice) == 0
    for _ in range(5):
        generate_posts(owner(alice), brief=BRIEF, platforms=["bluesky"])
    assert used(alice) == 5


@pytest.mark.django_db
def test_the_day_is_the_workspaces_own(site_provider: FakeOpenAI) -> None:
    kiri = make_user("kiri", Tier.FREE, time_zone="Pacific/Auckland")  # UTC+13 in November
    london = make_user("lou", Tier.FREE, time_zone="Europe/London")
    with time_machine.travel(datetime(2026, 11, 26, 10, 30, tzinfo=UTC)):  # 23:30 in Auckland
        for user in (kiri, london):
            generate_posts(owner(user), brief=BRIEF, platforms=["bluesky"], variants=5)
            with pytest.raises(TierLimitReached):
                generate_posts(owner(user), brief=BRIEF, platforms=["bluesky"])
    with time_machine.travel(datetime(2026, 11, 26, 11, 30, tzinfo=UTC)):  # 00:30 on the 27th in Auckland
        generate_posts(owner(kiri), brief=BRIEF, platforms=["bluesky"])
        with pytest.raises(TierLimitReached):
            generate_posts(owner(london), brief=BRIEF, platforms=["bluesky"])
    rows = DailyUsage.objects.filter(metric=Metric.GENERATIONS).order_by("workspace__name", "day")
    assert [(row.workspace.name, row.day.isoformat(), row.count) for row in rows] == [
        ("kiri's workspace", "2026-11-26", 5),
        ("kiri's workspace", "2026-11-27", 1),
        ("lou's workspace", "2026-11-26", 5),
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_exceed_the_limit(site_provider: FakeOpenAI) -> None:
    alice = make_user("alice", Tier.FREE)
    threads, barrier, lock = 12, threading.Barrier(12), threading.Lock()
    outcomes: Counter[str] = Counter()

    def generate() -> None:
        barrier.wait()
        try:
            generate_posts(owner(alice), brief=BRIEF, platforms=["bluesky"])
            outcome = "ok"
        except Exception as error:
            outcome = type(error).__name__
        finally:
            connections.close_all()
        with lock:
            outcomes[outcome] += 1

    workers = [threading.Thread(target=generate) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(worker.is_alive() for worker in workers)
    assert outcomes == Counter({"ok": 5, "TierLimitReached": 7})
    assert len(site_provider.requests) == 5
    assert used(alice) == 5
    assert GenerationLog.objects.filter(workspace=workspace_of(alice), outcome="ok").count() == 5
    assert GenerationLog.objects.filter(workspace=workspace_of(alice), outcome="refused").count() == 7
    assert Notification.objects.filter(user=alice, type=NotificationType.TIER_LIMIT_REACHED).count() == 1
