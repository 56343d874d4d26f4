"""The OpenAI-compatible writer: the real `openai` client against the loopback server."""

import logging
import socket

import pytest

from tests.generation.conftest import API_KEY, MODEL
from tests.generation.fake_openai import Fail, FakeOpenAI, Hang, Raw, Reply
from tidings.generation.writers import build_writer
from tidings.generation.writers.base import (
    Completion,
    Message,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
    WriterConfig,
)

MESSAGES = [Message("system", "You write posts."), Message("user", "Write about tea.")]


def writer_for(url: str, *, timeout: float = 1.0, api_key: str = API_KEY):
    return build_writer(WriterConfig(kind="openai", model=MODEL, api_key=api_key, base_url=url, timeout=timeout))


def test_complete_sends_the_messages_model_and_key_and_returns_text_and_usage(server: FakeOpenAI) -> None:
    server.then(Reply("Tea is good.", tokens_in=12, tokens_out=4))
    completion = writer_for(server.url).complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert completion == Completion("Tea is good.", 12, 4, MODEL, truncated=False)
    [request] = server.requests
    assert request.body["model"] == MODEL
    assert request.body["messages"] == [
        {"role": "system", "content": "You write posts."},
        {"role": "user", "content": "Write about tea."},
    ]
    assert request.body["max_tokens"] == 300
    assert request.body["temperature"] == 0.5
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["user-agent"]


def test_an_answer_cut_at_the_token_budget_is_marked_truncated(server: FakeOpenAI) -> None:
    server.then(Reply("Tea is", finish_reason="length"))
    assert writer_for(server.url).complete(MESSAGES, max_tokens=2, temperature=0.5).truncated


def test_stream_yields_chunks_then_the_completion_with_usage(server: FakeOpenAI) -> None:
    server.then(Reply("Tea is very good.", tokens_in=9, tokens_out=5))
    stream = writer_for(server.url).stream(MESSAGES, max_tokens=300, temperature=0.5)
    assert list(stream) == ["Tea ", "is ", "very ", "good."]
    assert stream.completion == Completion("Tea is very good.", 9, 5, MODEL)
    assert server.requests[0].body["stream"] is True
    assert server.requests[0].body["stream_options"] == {"include_usage": True}


def test_a_wrong_key_is_a_clear_auth_error_and_is_not_retried(server: FakeOpenAI, waits: list[float]) -> None:
    server.then(Fail(401, f"Incorrect API key provided: {API_KEY}", type="invalid_request_error"))
    with pytest.raises(ProviderAuthError) as error:
        writer_for(server.url).complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert error.value.message == (
        "The AI provider refused the API key (HTTP 401). Check the key and the account in the AI provider settings."
    )
    assert error.value.details == {"status": 401}
    assert API_KEY not in str(error.value)
    assert error.value.__cause__ is None
    assert error.value.__suppress_context__
    assert len(server.requests) == 1
    assert waits == []


def test_a_server_error_is_retried_and_then_succeeds(server: FakeOpenAI, waits: list[float]) -> None:
    server.then(Fail(500), Reply("Second time lucky."))
    completion = writer_for(server.url).complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert completion.text == "Second time lucky."
    assert len(server.requests) == 2
    assert waits == [1.0]


def test_a_server_that_keeps_failing_is_unavailable_after_three_attempts(
    server: FakeOpenAI, waits: list[float]
) -> None:
    server.then(Fail(500), Fail(502), Fail(503))
    with pytest.raises(ProviderUnavailable) as error:
        writer_for(server.url).complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert error.value.message == "The AI provider is not answering properly (HTTP 503). Try again in a minute."
    assert len(server.requests) == 3
    assert waits == [1.0, 2.0]


def test_rate_limits_wait_as_long_as_retry_after_says(server: FakeOpenAI, waits: list[float]) -> None:
    server.then(Fail(429, "Slow down", headers={"Retry-After": "3"}), Reply("Done."))
    assert writer_for(server.url).complete(MESSAGES, max_tokens=300, temperature=0.5).text == "Done."
    assert waits == [3.0]


def test_a_retry_after_too_long_to_wait_fails_at_once(server: FakeOpenAI, waits: list[float]) -> None:
    server.then(Fail(429, "Slow down", headers={"Retry-After": "3600"}))
    with pytest.raises(ProviderUnavailable) as error:
        writer_for(server.url).complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert "rate limiting" in error.value.message
    assert error.value.retry_after == 3600
    assert len(server.requests) == 1
    assert waits == []


def test_a_provider_that_hangs_times_out_three_times(server: FakeOpenAI, waits: list[float]) -> None:
    server.then(Hang(), Hang(), Hang())
    with pytest.raises(ProviderUnavailable) as error:
        writer_for(server.url, timeout=0.3).complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert error.value.message == "The AI provider did not answer within 0.3 seconds. Try again later."
    assert len(server.requests) == 3
    assert waits == [1.0, 2.0]


def test_a_hang_then_an_answer_is_retried(server: FakeOpenAI) -> None:
    server.then(Hang(), Reply("Awake now."))
    assert writer_for(server.url, timeout=0.3).complete(MESSAGES, max_tokens=300, temperature=0.5).text == "Awake now."


def test_nothing_listening_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ProviderUnavailable) as error:
        writer_for(f"http://127.0.0.1:{port}/v1").complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert "cannot be reached" in error.value.message


def test_a_bad_request_is_permanent_and_the_providers_words_go_only_to_the_log(
    server: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tidings.generation.writers.sdk_errors")
    server.then(Fail(404, f"The model `nope` does not exist (key {API_KEY}) " + "x" * 400))
    with pytest.raises(ProviderError) as error:
        writer_for(server.url).complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert error.value.message == "The AI provider answered 404 Not Found. Check the model name and the base URL."
    assert error.value.as_dict() == {"code": "ai_provider_error", "message": error.value.message, "status": 404}
    assert len(server.requests) == 1
    [logged] = [r.getMessage() for r in caplog.records if r.name == "tidings.generation.writers.sdk_errors"]
    assert logged.startswith("The AI provider answered HTTP 404: The model `nope` does not exist (key [redacted]) x")
    assert len(logged) == len("The AI provider answered HTTP 404: ") + 300
    assert API_KEY not in caplog.text


def test_an_answer_that_is_not_the_api_is_an_error_that_does_not_repeat_it(server: FakeOpenAI) -> None:
    server.then(Raw("<h1>Router admin: password hunter2</h1>"))
    with pytest.raises(ProviderError) as error:
        writer_for(server.url).complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert error.value.message == "The AI provider sent an answer that could not be read."


def test_an_empty_answer_is_an_error_not_an_empty_post(server: FakeOpenAI) -> None:
    server.then(Reply(""))
    with pytest.raises(ProviderError, match="without any text"):
        writer_for(server.url).complete(MESSAGES, max_tokens=300, temperature=0.5)


def test_a_keyless_local_server_gets_a_placeholder_key(server: FakeOpenAI) -> None:
    writer_for(server.url, api_key="").complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert server.requests[0].headers["authorization"] == "Bearer no-key"


def test_a_stream_that_fails_to_start_is_retried(server: FakeOpenAI, waits: list[float]) -> None:
    server.then(Fail(503), Reply("Streamed."))
    stream = writer_for(server.url).stream(MESSAGES, max_tokens=300, temperature=0.5)
    assert "".join(stream) == "Streamed."
    assert len(server.requests) == 2
    assert waits == [1.0]


def test_a_stream_that_stalls_mid_answer_times_out_as_unavailable(server: FakeOpenAI, waits: list[float]) -> None:
    server.then(Reply("one two three four", stall_after=2))
    stream = writer_for(server.url, timeout=0.3).stream(MESSAGES, max_tokens=300, temperature=0.5)
    chunks = iter(stream)
    assert [next(chunks), next(chunks)] == ["one ", "two "]
    with pytest.raises(ProviderUnavailable, match=r"did not answer within 0\.3 seconds"):
        next(chunks)
    assert len(server.requests) == 1  # text already shown is not asked for again
    assert waits == []
