"""Which provider a workspace writes with: its own, else the site's, else none (and then nothing pretends)."""

import logging

import pytest
from django.db import connection

from tests.generation.conftest import API_KEY, MODEL
from tests.generation.fake_openai import FakeOpenAI, Reply
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import InvalidInput
from tidings.generation.brief import Brief
from tidings.generation.config import (
    NoProviderConfigured,
    ProviderMisconfigured,
    SiteProviderBroken,
    provider_config,
    remove_provider_config,
    resolve_writer,
    save_provider_config,
    site_config,
)
from tidings.generation.models import AIProviderConfig, GenerationLog
from tidings.generation.services import generate_posts, rewrite_text, shorten_text, stream_generation
from tidings.generation.writers.anthropic import AnthropicWriter
from tidings.generation.writers.base import WriterConfig
from tidings.generation.writers.openai_compatible import OpenAICompatibleWriter
from tidings.usage.models import DailyUsage

pytestmark = pytest.mark.django_db

BRIEF = Brief(topic="A new bakery")


def test_without_any_provider_every_action_says_so_and_nothing_is_counted(alice: User) -> None:
    calls = [
        lambda: generate_posts(owner(alice), brief=BRIEF, platforms=["x"]),
        lambda: rewrite_text(owner(alice), text="Hi", instruction="warmer", platform="x"),
        lambda: shorten_text(owner(alice), text="Hi", platform="x"),
        lambda: stream_generation(owner(alice), brief=BRIEF, platform="x"),
    ]
    for call in calls:
        with pytest.raises(NoProviderConfigured) as refusal:
            call()
        assert refusal.value.code == "no_ai_provider"
        assert refusal.value.message.startswith("No AI provider is set up, so nothing can be written for you.")
        # Whom to ask, never which setting: `tidings doctor` names those to the operator.
        assert "ask the person who runs this server" in refusal.value.message
        assert "TIDINGS_" not in refusal.value.message
    assert not DailyUsage.objects.exists()
    assert not GenerationLog.objects.exists()


def test_the_site_provider_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert site_config() is None
    monkeypatch.setenv("TIDINGS_AI_PROVIDER", "Anthropic")
    monkeypatch.setenv("TIDINGS_AI_MODEL", "claude-sonnet-4-5")
    monkeypatch.setenv("TIDINGS_AI_API_KEY", API_KEY)
    config = site_config()
    assert config == WriterConfig(kind="anthropic", model="claude-sonnet-4-5", api_key=API_KEY, timeout=60.0)
    assert API_KEY not in repr(config)
    monkeypatch.setenv("TIDINGS_AI_TIMEOUT", "12.5")
    assert site_config() == WriterConfig(kind="anthropic", model="claude-sonnet-4-5", api_key=API_KEY, timeout=12.5)


@pytest.mark.parametrize(
    ("variables", "complaint"),
    [
        ({"TIDINGS_AI_PROVIDER": "gemini", "TIDINGS_AI_MODEL": "m"}, "one of: openai, anthropic"),
        ({"TIDINGS_AI_PROVIDER": "openai"}, "TIDINGS_AI_MODEL is not set"),
        (
            {"TIDINGS_AI_PROVIDER": "openai", "TIDINGS_AI_MODEL": "m", "TIDINGS_AI_TIMEOUT": "soon"},
            "TIDINGS_AI_TIMEOUT",
        ),
        ({"TIDINGS_AI_PROVIDER": "openai", "TIDINGS_AI_MODEL": "m", "TIDINGS_AI_TIMEOUT": "0"}, "above 0"),
    ],
)
def test_a_wrong_site_setting_is_named_to_the_operator_only(
    alice: User,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    variables: dict[str, str],
    complaint: str,
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ProviderMisconfigured, match=complaint) as named:
        site_config()  # what `tidings doctor` shows the operator
    with caplog.at_level(logging.WARNING, logger="tidings.generation"), pytest.raises(SiteProviderBroken) as refused:
        generate_posts(owner(alice), brief=BRIEF, platforms=["x"])
    # The user is told whom to ask; the setting's name is for the operator, in the log.
    assert "TIDINGS_" not in refused.value.message
    assert "Ask the person who runs this server" in refused.value.message
    assert [record.problem for record in caplog.records] == [named.value.message]  # type: ignore[attr-defined]
    assert not DailyUsage.objects.exists()


def test_the_registry_builds_the_writer_for_each_kind(alice: User, bob: User, site_provider: FakeOpenAI) -> None:
    assert isinstance(resolve_writer(workspace_of(alice)), OpenAICompatibleWriter)
    save_provider_config(owner(bob), kind="anthropic", model="claude-sonnet-4-5", api_key="sk-ant-bob")
    assert isinstance(resolve_writer(workspace_of(bob)), AnthropicWriter)


def test_a_workspaces_own_provider_wins_over_the_sites(
    alice: User, bob: User, site_provider: FakeOpenAI, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")  # bob's own model server is on this machine
    own = FakeOpenAI().start()
    try:
        own.then(Reply("From bob's own model."))
        save_provider_config(owner(bob), kind="openai", model="bobs-llama", base_url=own.url, api_key="sk-bob")
        [draft] = generate_posts(owner(bob), brief=BRIEF, platforms=["x"])
        assert draft.text == "From bob's own model."
        [request] = own.requests
        assert request.body["model"] == "bobs-llama"
        assert request.headers["authorization"] == "Bearer sk-bob"
        assert GenerationLog.objects.get(workspace=workspace_of(bob)).model == "bobs-llama"
        generate_posts(owner(alice), brief=BRIEF, platforms=["x"])
        assert [r.body["model"] for r in server.requests] == [MODEL]
    finally:
        own.stop()


def test_the_stored_key_is_encrypted_and_only_kept_for_the_same_endpoint(bob: User) -> None:
    save_provider_config(owner(bob), kind="openai", model="gpt-4o-mini", api_key="sk-bob-secret")
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM generation_aiproviderconfig")
        [(stored,)] = cursor.fetchall()
    assert "sk-bob-secret" not in stored
    save_provider_config(owner(bob), kind="openai", model="gpt-4.1-mini")
    assert AIProviderConfig.objects.get(workspace=workspace_of(bob)).api_key == "sk-bob-secret"
    save_provider_config(owner(bob), kind="openai", model="gpt-4.1-mini", base_url="https://elsewhere.example/v1")
    config = provider_config(workspace_of(bob))
    assert config is not None
    assert (config.base_url, config.api_key, config.source) == ("https://elsewhere.example/v1", "", "workspace")
    assert remove_provider_config(owner(bob))
    assert provider_config(workspace_of(bob)) is None
    assert not remove_provider_config(owner(bob))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "gemini", "model": "m"}, "kind"),
        ({"kind": "openai", "model": "  "}, "model"),
        ({"kind": "openai", "model": "m", "base_url": "file:///etc/passwd"}, "base_url"),
    ],
)
def test_a_bad_provider_setting_is_refused(bob: User, kwargs: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as refusal:
        save_provider_config(owner(bob), **kwargs)
    assert refusal.value.details == {"field": field}
    assert not AIProviderConfig.objects.exists()
