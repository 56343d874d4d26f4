"""The API key never shows: not in log output (even at DEBUG), errors, GenerationLog rows or pages."""

import logging

import httpx
import pytest
import respx

from tests.generation.conftest import API_KEY
from tests.generation.fake_openai import Fail, FakeOpenAI, Hang, Reply
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import DomainError
from tidings.generation.brief import Brief
from tidings.generation.config import save_provider_config
from tidings.generation.models import GenerationLog
from tidings.generation.services import generate_posts, stream_generation

pytestmark = pytest.mark.django_db

BRIEF = Brief(topic="A new bakery")


def every_log_value() -> str:
    return "\n".join(str(value) for row in GenerationLog.objects.values_list() for value in row)


def test_the_key_appears_nowhere_whatever_the_provider_does(
    bob: User, site_provider: FakeOpenAI, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("TIDINGS_AI_TIMEOUT", "0.2")
    site_provider.then(
        Reply("Fine."),
        Fail(401, f"Incorrect API key provided: {API_KEY}"),
        Fail(403, f"Key {API_KEY} may not use this model"),
        Fail(400, f"Bad request made with {API_KEY}"),
        Fail(500, API_KEY),
        Fail(500, API_KEY),
        Fail(500, API_KEY),
        Hang(),
        Hang(),
        Hang(),
        Fail(401, API_KEY),
    )
    errors: list[DomainError] = []
    generate_posts(owner(bob), brief=BRIEF, platforms=["x"])
    for _ in range(5):
        with pytest.raises(DomainError) as error:
            generate_posts(owner(bob), brief=BRIEF, platforms=["x"])
        errors.append(error.value)
    with pytest.raises(DomainError) as error:
        list(stream_generation(owner(bob), brief=BRIEF, platform="x"))
    errors.append(error.value)

    assert len(site_provider.requests) == 11
    assert all(r.headers["authorization"] == f"Bearer {API_KEY}" for r in site_provider.requests)  # it was sent
    assert [e.code for e in errors] == [
        "ai_provider_auth",
        "ai_provider_auth",
        "ai_provider_error",
        "ai_provider_unavailable",
        "ai_provider_unavailable",
        "ai_provider_auth",
    ]
    for failure in errors:
        assert API_KEY not in f"{failure} {failure!r} {failure.as_dict()} {failure.__context__!r}"
    assert GenerationLog.objects.filter(workspace=workspace_of(bob)).count() == 7
    assert API_KEY not in every_log_value()
    assert "The AI provider answered HTTP 400: Bad request made with [redacted]" in caplog.text  # the operator's log
    assert "Request options" in caplog.text  # the SDK's own DEBUG logging was captured too
    assert API_KEY not in caplog.text


@respx.mock
def test_anthropic_errors_do_not_carry_the_key(bob: User, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    save_provider_config(owner(bob), kind="anthropic", model="claude-sonnet-4-5", api_key=API_KEY)
    body = {"type": "error", "error": {"type": "invalid_request_error", "message": f"echo {API_KEY}"}}
    respx.post("https://api.anthropic.com/v1/messages").mock(return_value=httpx.Response(400, json=body))
    with pytest.raises(DomainError) as error:
        generate_posts(owner(bob), brief=BRIEF, platforms=["x"])
    assert error.value.message == "Anthropic answered 400 Bad Request. Check the model name and the base URL."
    assert "Anthropic answered HTTP 400: echo [redacted]" in caplog.text
    assert API_KEY not in every_log_value()
    assert API_KEY not in caplog.text
