"""A loopback OpenAI-compatible server for the real `openai` client, the site's provider pointed at it, and the
retry waits recorded instead of slept."""

from collections.abc import Iterator

import pytest

from tests.generation.fake_openai import FakeOpenAI
from tidings.generation.writers import retry

API_KEY = "sk-test-S3CRET-do-not-leak-0123456789"
MODEL = "test-model"
AI_VARIABLES = (
    "TIDINGS_AI_PROVIDER",
    "TIDINGS_AI_BASE_URL",
    "TIDINGS_AI_API_KEY",
    "TIDINGS_AI_MODEL",
    "TIDINGS_AI_TIMEOUT",
)


@pytest.fixture(autouse=True)
def no_site_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the machine's environment says, tests start with no AI provider configured."""
    for name in AI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def local_servers_not_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's provider is held to public addresses unless a test allows local servers itself."""
    monkeypatch.delenv("TIDINGS_ALLOW_LOCAL_SERVERS", raising=False)


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff waits the retries asked for, in order (nothing actually sleeps)."""
    recorded: list[float] = []
    monkeypatch.setattr(retry, "sleep", recorded.append)
    return recorded


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


@pytest.fixture
def site_provider(monkeypatch: pytest.MonkeyPatch, server: FakeOpenAI) -> FakeOpenAI:
    """The site-wide provider: an OpenAI-compatible endpoint at the loopback server, with a 1-second timeout."""
    monkeypatch.setenv("TIDINGS_AI_PROVIDER", "openai")
    monkeypatch.setenv("TIDINGS_AI_BASE_URL", server.url)
    monkeypatch.setenv("TIDINGS_AI_API_KEY", API_KEY)
    monkeypatch.setenv("TIDINGS_AI_MODEL", MODEL)
    monkeypatch.setenv("TIDINGS_AI_TIMEOUT", "1")
    return server
