"""The Anthropic writer: the real `anthropic` client, its Messages API answered by respx."""

import json
import logging

import httpx
import pytest
import respx

from tests.generation.conftest import API_KEY
from tidings.generation.writers import build_writer
from tidings.generation.writers.base import (
    Completion,
    Message,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
    WriterConfig,
)

URL = "https://api.anthropic.com/v1/messages"
MODEL = "claude-sonnet-4-5"
MESSAGES = [Message("system", "You write posts."), Message("user", "Write about tea.")]


def writer():
    return build_writer(WriterConfig(kind="anthropic", model=MODEL, api_key=API_KEY))


def message(text: str, *, stop_reason: str = "end_turn") -> dict[str, object]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 31, "output_tokens": 9},
    }


def error(kind: str, text: str) -> dict[str, object]:
    return {"type": "error", "error": {"type": kind, "message": text}}


def sse(*events: dict[str, object]) -> bytes:
    return "".join(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n" for event in events).encode()


@respx.mock
def test_complete_sends_system_and_turns_with_the_key_and_returns_text_and_usage() -> None:
    route = respx.post(URL).mock(return_value=httpx.Response(200, json=message("Tea is good.")))
    completion = writer().complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert completion == Completion("Tea is good.", 31, 9, MODEL)
    request = route.calls.last.request
    assert request.headers["x-api-key"] == API_KEY
    assert request.headers["anthropic-version"]
    assert json.loads(request.content) == {
        "model": MODEL,
        "system": "You write posts.",
        "messages": [{"role": "user", "content": "Write about tea."}],
        "max_tokens": 300,
        "temperature": 0.5,
    }


@respx.mock
def test_stopping_at_max_tokens_is_marked_truncated() -> None:
    respx.post(URL).mock(return_value=httpx.Response(200, json=message("Tea is", stop_reason="max_tokens")))
    assert writer().complete(MESSAGES, max_tokens=2, temperature=0.5).truncated


@respx.mock
def test_stream_yields_text_deltas_and_usage() -> None:
    events = sse(
        {
            "type": "message_start",
            "message": {
                **message(""),
                "content": [],
                "stop_reason": None,
                "usage": {"input_tokens": 25, "output_tokens": 1},
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Tea "}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "time."}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 6},
        },
        {"type": "message_stop"},
    )
    respx.post(URL).mock(
        return_value=httpx.Response(200, content=events, headers={"content-type": "text/event-stream"})
    )
    stream = writer().stream(MESSAGES, max_tokens=300, temperature=0.5)
    assert list(stream) == ["Tea ", "time."]
    assert stream.completion == Completion("Tea time.", 25, 6, MODEL)


@respx.mock
def test_a_wrong_key_is_an_auth_error_without_retry(waits: list[float]) -> None:
    route = respx.post(URL).mock(
        return_value=httpx.Response(401, json=error("authentication_error", f"invalid x-api-key {API_KEY}"))
    )
    with pytest.raises(ProviderAuthError) as refusal:
        writer().complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert refusal.value.message.startswith("Anthropic refused the API key (HTTP 401).")
    assert API_KEY not in str(refusal.value)
    assert route.call_count == 1
    assert waits == []


@respx.mock
def test_overloaded_is_retried_then_succeeds(waits: list[float]) -> None:
    route = respx.post(URL).mock(
        side_effect=[
            httpx.Response(529, json=error("overloaded_error", "Overloaded")),
            httpx.Response(200, json=message("Made it.")),
        ]
    )
    assert writer().complete(MESSAGES, max_tokens=300, temperature=0.5).text == "Made it."
    assert route.call_count == 2
    assert waits == [1.0]


@respx.mock
def test_timeouts_are_unavailable_after_three_attempts(waits: list[float]) -> None:
    route = respx.post(URL).mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(ProviderUnavailable, match="did not answer within 60 seconds"):
        writer().complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert route.call_count == 3
    assert waits == [1.0, 2.0]


@respx.mock
def test_an_unknown_model_is_permanent_and_anthropics_words_go_only_to_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="tidings.generation.writers.sdk_errors")
    respx.post(URL).mock(return_value=httpx.Response(404, json=error("not_found_error", "model: claude-nope")))
    with pytest.raises(ProviderError) as refusal:
        writer().complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert refusal.value.message == "Anthropic answered 404 Not Found. Check the model name and the base URL."
    assert "Anthropic answered HTTP 404: model: claude-nope" in caplog.text


@respx.mock
def test_an_answer_that_is_not_the_api_is_an_error_that_does_not_repeat_it() -> None:
    page = httpx.Response(200, text="<h1>password hunter2</h1>", headers={"content-type": "text/html"})
    respx.post(URL).mock(return_value=page)
    with pytest.raises(ProviderError) as refusal:
        writer().complete(MESSAGES, max_tokens=300, temperature=0.5)
    assert refusal.value.message == "Anthropic sent an answer that could not be read."
