"""Any endpoint that speaks OpenAI's Chat Completions API: OpenAI, Ollama, vLLM, OpenRouter, LM Studio, ...

https://platform.openai.com/docs/api-reference/chat
"""

from collections.abc import Callable, Generator, Sequence
from contextlib import AbstractContextManager
from typing import TypeVar

import httpx
import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

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

DEFAULT_BASE_URL = "https://api.openai.com/v1"
T = TypeVar("T")
NAME = "The AI provider"


class OpenAICompatibleWriter:
    def __init__(self, config: WriterConfig) -> None:
        self.config = config

    def complete(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> Completion:
        with self._client() as client:
            response = self._retried(
                lambda: client.chat.completions.create(
                    model=self.config.model,
                    messages=_messages(messages),
                    max_tokens=max_tokens,
                    temperature=temperature,
                ),
            )
        if not isinstance(response, ChatCompletion):  # the SDK hands back the text of an answer that is not JSON
            raise ProviderError(f"{NAME} sent an answer that could not be read.")
        choice = response.choices[0] if response.choices else None
        if choice is None or not choice.message.content:
            raise ProviderError(f"{NAME} answered without any text.")
        usage = response.usage
        return Completion(
            text=choice.message.content,
            tokens_in=usage.prompt_tokens if usage else 0,
            tokens_out=usage.completion_tokens if usage else 0,
            model=response.model or self.config.model,
            truncated=choice.finish_reason == "length",
        )

    def stream(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> CompletionStream:
        return CompletionStream(self._stream(messages, max_tokens=max_tokens, temperature=temperature))

    def _stream(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float
    ) -> Generator[str, None, Completion]:
        with self._client() as client:
            chunks = self._retried(
                lambda: client.chat.completions.create(
                    model=self.config.model,
                    messages=_messages(messages),
                    max_tokens=max_tokens,
                    temperature=temperature,
                    stream=True,
                    # The final chunk then carries the token usage (servers that do not know it send none).
                    stream_options={"include_usage": True},
                ),
            )
            text: list[str] = []
            tokens_in = tokens_out = 0
            model, truncated = self.config.model, False
            with chunks, self._translated():
                for chunk in chunks:
                    model = chunk.model or model
                    if chunk.usage:
                        tokens_in, tokens_out = chunk.usage.prompt_tokens, chunk.usage.completion_tokens
                    for choice in chunk.choices:
                        truncated = truncated or choice.finish_reason == "length"
                        if choice.delta.content:
                            text.append(choice.delta.content)
                            yield choice.delta.content
        if not text:
            raise ProviderError(f"{NAME} answered without any text.")
        return Completion("".join(text), tokens_in, tokens_out, model, truncated)

    def _client(self) -> openai.OpenAI:
        timeout = httpx.Timeout(self.config.timeout, connect=min(5.0, self.config.timeout))
        return openai.OpenAI(
            base_url=self.config.base_url or DEFAULT_BASE_URL,
            # Local servers (Ollama, LM Studio) need no key, but the SDK insists on one; they ignore it.
            api_key=self.config.api_key or "no-key",
            timeout=timeout,
            max_retries=0,
            http_client=http.client(timeout=timeout, public_only=self.config.public_only),
        )

    def _retried(self, call: Callable[[], T]) -> T:
        """`call` with this provider's retry policy for transient failures."""
        return with_retries(call, translate=self._translate, attempts=self.config.attempts, backoff=self.config.backoff)

    def _translated(self) -> AbstractContextManager[None]:
        return sdk_errors_translated(
            sdk=openai, provider=NAME, api_key=self.config.api_key, timeout=self.config.timeout
        )

    def _translate(self, error: Exception) -> ProviderFailure | None:
        return translate_sdk_error(
            error, sdk=openai, provider=NAME, api_key=self.config.api_key, timeout=self.config.timeout
        )


def _messages(messages: Sequence[Message]) -> list[ChatCompletionMessageParam]:
    converted: list[ChatCompletionMessageParam] = []
    # One branch per role: the SDK types each role's message separately.
    for message in messages:
        if message.role == "system":
            converted.append({"role": "system", "content": message.content})
        elif message.role == "assistant":
            converted.append({"role": "assistant", "content": message.content})
        else:
            converted.append({"role": "user", "content": message.content})
    return converted
