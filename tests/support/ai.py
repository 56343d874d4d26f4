"""The site's AI provider pointed at a loopback OpenAI-compatible server (import the fixture where needed)."""

from collections.abc import Iterator

import pytest

from tests.generation.conftest import API_KEY, MODEL
from tests.generation.fake_openai import FakeOpenAI


@pytest.fixture
def ai_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    monkeypatch.setenv("TIDINGS_AI_PROVIDER", "openai")
    monkeypatch.setenv("TIDINGS_AI_BASE_URL", server.url)
    monkeypatch.setenv("TIDINGS_AI_API_KEY", API_KEY)
    monkeypatch.setenv("TIDINGS_AI_MODEL", MODEL)
    yield server
    server.stop()
