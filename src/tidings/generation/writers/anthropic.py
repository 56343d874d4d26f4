"""Anthropic's Messages API. https://docs.anthropic.com/en/api/messages"""

from collections.abc import Callable, Generator, Sequence
from contextlib import AbstractContextManager
from typing import TypeVar

import anthropic
import httpx
from anthropic.types import MessageParam

from tidings import http
from tidings.generation.writers.base import (
    Completion,
    CompletionStream,
    Message,
    ProviderError,
    ProviderFailure,
    WriterConfig,
)
from tidings.generation.writers.retry import with_retries
from tidings.generation.writers.sdk_errors import sdk_errors_translated, translate_sdk_error

DEFAULT_BASE_URL = "https://api.anthropic.com"
T = TypeVar("T")
NAME = "Anthropic"


class AnthropicWriter:
    def __init__(self, config: WriterConfig) -> None:
        self.config = config

    def complete(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> Completion:
        system, turns = _split(messages)
        with self._client() as client:
            response = self._retried(
                lambda: client.messages.create(
                    model=self.config.model,
                    system=system,
                    messages=turns,
                    max_tokens=max_tokens,
                    temperature=temperature,
                ),
            )
        if not isinstance(response, anthropic.types.Message):  # the SDK hands back the text of a non-JSON answer
            raise ProviderError(f"{NAME} sent an answer that could not be read.")
        text = "".join(block.text for block in response.content if block.type == "text")
        if not text:
            raise ProviderError(f"{NAME} answered without any text.")
        return Completion(
            text=text,
            tokens_in=response.usage.input_tokens,
            tokens_out=response.usage.output_tokens,
            model=response.model or self.config.model,
            truncated=response.stop_reason == "max_tokens",
        )

    def stream(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> CompletionStream:
        return CompletionStream(self._stream(messages, max_tokens=max_tokens, temperature=temperature))

    def _stream(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float
    ) -> Generator[str, None, Completion]:
        system, turns = _split(messages)
        with self._client() as client:
            events = self._retried(
                lambda: client.messages.create(
                    model=self.config.model,
                    system=system,
                    messages=turns,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    stream=True,
                ),
            )
            text: list[str] = []
            tokens_in = tokens_out = 0
            model, truncated = self.config.model, False
            with events, self._translated():
                for event in events:
                    if event.type == "message_start":
                        tokens_in, model = event.message.usage.input_tokens, event.message.model or model
                    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                        text.append(event.delta.text)
                        yield event.delta.text
                    elif event.type == "message_delta":
                        tokens_out = event.usage.output_tokens
                        truncated = event.delta.stop_reason == "max_tokens"
        if not text:
            raise ProviderError(f"{NAME} answered without any text.")
        return Completion("".join(text), tokens_in, tokens_out, model, truncated)

    def _client(self) -> anthropic.Anthropic:
        timeout = httpx.Timeout(self.config.timeout, connect=min(5.0, self.config.timeout))
        return anthropic.Anthropic(
            base_url=self.config.base_url or DEFAULT_BASE_URL,
            api_key=self.config.api_key,
            timeout=timeout,
            max_retries=0,
            http_client=http.client(timeout=timeout, public_only=self.config.public_only),
        )

    def _retried(self, call: Callable[[], T]) -> T:
        """`call` with this provider's retry policy for transient failures."""
        return with_retries(call, translate=self._translate, attempts=self.config.attempts, backoff=self.config.backoff)

    def _translated(self) -> AbstractContextManager[None]:
        return sdk_errors_translated(
            sdk=anthropic, provider=NAME, api_key=self.config.api_key, timeout=self.config.timeout
        )

    def _translate(self, error: Exception) -> ProviderFailure | None:
        return translate_sdk_error(
            error, sdk=anthropic, provider=NAME, api_key=self.config.api_key, timeout=self.config.timeout
        )


def _split(messages: Sequence[Message]) -> tuple[str, list[MessageParam]]:
    """Anthropic takes the system prompt as a parameter of its own, and only user and assistant turns."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    turns: list[MessageParam] = [
        {"role": "assistant" if m.role == "assistant" else "user", "content": m.content}
        for m in messages
        if m.role != "system"
    ]
    return system, turns
