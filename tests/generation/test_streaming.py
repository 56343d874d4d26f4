"""Streaming one generation: chunks as they come, then the draft, with the limit and the log as for the rest."""

import pytest

from tests.generation.conftest import MODEL
from tests.generation.fake_openai import Fail, FakeOpenAI, Reply
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.generation.brief import Brief
from tidings.generation.models import GenerationLog
from tidings.generation.prompts import PROMPT_VERSION
from tidings.generation.services import stream_generation
from tidings.generation.streaming import CLOSED_EARLY
from tidings.generation.writers.base import ProviderAuthError
from tidings.tiers.services import TierLimitReached
from tidings.usage.models import Metric
from tidings.usage.services import count_usage, local_day, usage_on

pytestmark = pytest.mark.django_db

BRIEF = Brief(topic="A new bakery", tone="warm")


def used(user: User) -> int:
    return usage_on(workspace_of(user), metric=Metric.GENERATIONS, day=local_day(workspace_of(user)))


def test_chunks_arrive_in_order_and_the_draft_and_log_follow(alice: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply("Fresh bread at our new shop.", tokens_in=80, tokens_out=8))
    generation = stream_generation(owner(alice), brief=BRIEF, platform="mastodon")
    assert used(alice) == 1  # taken before the first word
    assert list(generation) == ["Fresh ", "bread ", "at ", "our ", "new ", "shop."]
    assert generation.draft is not None
    assert generation.draft.parts == ("Fresh bread at our new shop.",)
    row = GenerationLog.objects.get(workspace=workspace_of(alice))
    assert (row.provider, row.model, row.action, row.platform, row.prompt_version) == (
        "openai",
        MODEL,
        "generate",
        "mastodon",
        PROMPT_VERSION,
    )
    assert (row.tokens_in, row.tokens_out, row.outcome, row.error) == (80, 8, "ok", "")
    assert site_provider.requests[0].body["stream"] is True
    assert used(alice) == 1


def test_a_long_streamed_answer_becomes_a_thread(alice: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply("Bread. " * 80))
    generation = stream_generation(owner(alice), brief=BRIEF, platform="bluesky")
    assert "".join(generation) == "Bread. " * 80
    assert generation.draft is not None
    assert generation.draft.is_thread


def test_a_failure_is_raised_from_the_stream_logged_and_given_back(alice: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Fail(401, "bad key"))
    generation = stream_generation(owner(alice), brief=BRIEF, platform="x")
    with pytest.raises(ProviderAuthError):
        list(generation)
    assert GenerationLog.objects.get(workspace=workspace_of(alice)).outcome == "error"
    assert used(alice) == 0
    assert len(site_provider.requests) == 1


def test_a_reader_who_leaves_mid_answer_is_logged_and_keeps_the_count(alice: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply("one two three four"))
    generation = stream_generation(owner(alice), brief=BRIEF, platform="x")
    chunks = iter(generation)
    assert next(chunks) == "one "
    generation.close()
    row = GenerationLog.objects.get(workspace=workspace_of(alice))
    assert (row.outcome, row.error) == ("error", CLOSED_EARLY)
    assert used(alice) == 1


def test_a_stream_closed_before_it_began_gives_the_generation_back(alice: User, site_provider: FakeOpenAI) -> None:
    generation = stream_generation(owner(alice), brief=BRIEF, platform="x")
    generation.close()
    generation.close()
    assert used(alice) == 0
    assert site_provider.requests == []
    assert not GenerationLog.objects.exists()


def test_the_limit_refuses_before_streaming(alice: User, site_provider: FakeOpenAI) -> None:
    count_usage(workspace_of(alice), metric=Metric.GENERATIONS, amount=5)
    with pytest.raises(TierLimitReached):
        stream_generation(owner(alice), brief=BRIEF, platform="x")
    assert site_provider.requests == []
    assert used(alice) == 5
    assert GenerationLog.objects.get(workspace=workspace_of(alice)).outcome == "refused"
