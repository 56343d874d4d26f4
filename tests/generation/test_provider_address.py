"""A user's own provider reaches only public addresses, like a webhook: checked when saved and on every call, at
the address dialled. Only the operator's provider (from the environment) may be on this machine."""

import pytest

from tests.core.test_egress import resolve_to
from tests.generation.fake_openai import FakeOpenAI, Reply
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import InvalidInput
from tidings.generation.brief import Brief
from tidings.generation.config import save_provider_config
from tidings.generation.models import AIProviderConfig, GenerationLog
from tidings.generation.services import generate_posts, stream_generation
from tidings.generation.writers.base import ProviderError
from tidings.usage.models import Metric
from tidings.usage.services import local_day, usage_on

pytestmark = pytest.mark.django_db

BRIEF = Brief(topic="A new bakery")
PUBLIC = "93.184.215.14"


def port_of(server: FakeOpenAI) -> int:
    return int(server.url.rsplit(":", 1)[1].split("/", 1)[0])


@pytest.mark.parametrize(
    ("base_url", "resolves_to"),
    [
        ("http://127.0.0.1:11434/v1", None),
        ("http://localhost:11434/v1", None),
        ("https://llm.example.net/v1", "127.0.0.1"),  # a public-looking name that points at this machine
        ("http://[::ffff:127.0.0.1]:8080/v1", None),  # IPv4 loopback written as IPv6
        ("https://llm.example.net/v1", "64:ff9b::a9fe:a9fe"),  # the metadata service through NAT64
    ],
)
def test_a_provider_on_this_machine_is_refused_when_saved(
    bob: User, monkeypatch: pytest.MonkeyPatch, base_url: str, resolves_to: str | None
) -> None:
    if resolves_to:
        resolve_to(monkeypatch, resolves_to)
    with pytest.raises(InvalidInput) as refusal:
        save_provider_config(owner(bob), kind="openai", model="llama3.1", base_url=base_url, api_key="sk-bob")
    assert refusal.value.details == {"field": "base_url"}
    assert refusal.value.message.startswith("That base URL is not allowed: ")
    assert "on this machine or a private network" in refusal.value.message
    assert not AIProviderConfig.objects.exists()
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")  # the operator lets users name local servers
    save_provider_config(owner(bob), kind="openai", model="llama3.1", base_url=base_url)
    assert AIProviderConfig.objects.get(workspace=workspace_of(bob)).base_url == base_url


def test_a_name_that_turns_to_this_machine_after_saving_is_refused_when_called(
    alice: User, bob: User, site_provider: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    """DNS said public when bob saved; it now says 127.0.0.1, where the loopback fake listens: nothing reaches it,
    nothing is retried or counted. The operator's provider on the same loopback still works."""
    resolve_to(monkeypatch, PUBLIC)
    base_url = f"http://llm.example.net:{port_of(site_provider)}/v1"
    save_provider_config(owner(bob), kind="openai", model="bobs-llama", base_url=base_url, api_key="sk-bob")
    resolve_to(monkeypatch, "127.0.0.1")
    with pytest.raises(ProviderError) as refusal:
        generate_posts(owner(bob), brief=BRIEF, platforms=["x"])
    assert refusal.value.message == (
        "The AI provider's address is not allowed: llm.example.net is on this machine or a private network, "
        "which this server does not call."
    )
    with pytest.raises(ProviderError, match="address is not allowed"):
        list(stream_generation(owner(bob), brief=BRIEF, platform="x"))
    assert site_provider.requests == []
    assert waits == []
    assert usage_on(workspace_of(bob), metric=Metric.GENERATIONS, day=local_day(workspace_of(bob))) == 0
    assert list(GenerationLog.objects.filter(workspace=workspace_of(bob)).values_list("outcome", flat=True)) == [
        "error",
        "error",
    ]

    site_provider.then(Reply("From the operator's model."))
    [draft] = generate_posts(owner(alice), brief=BRIEF, platforms=["x"])
    assert draft.text == "From the operator's model."
    assert [r.body["model"] for r in site_provider.requests] == ["test-model"]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_a_provider_stored_at_this_machine_is_refused_when_called(
    bob: User, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, host: str, waits: list[float]
) -> None:
    """A row written before saving checked the address (or by hand) is stopped at the connection all the same."""
    base_url = f"http://{host}:{port_of(server)}/v1"
    AIProviderConfig.objects.create(workspace=workspace_of(bob), kind="openai", model="bobs-llama", base_url=base_url)
    with pytest.raises(ProviderError, match="address is not allowed"):
        generate_posts(owner(bob), brief=BRIEF, platforms=["x"])
    assert server.requests == []
    assert waits == []
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")
    server.then(Reply("From bob's local model."))
    [draft] = generate_posts(owner(bob), brief=BRIEF, platforms=["x"])
    assert draft.text == "From bob's local model."
    assert [r.body["model"] for r in server.requests] == ["bobs-llama"]
