"""The one interface for writing with a language model, and the errors every provider reports in.

A writer knows its vendor's API and nothing about users, limits or credits. Its errors carry the retry decision
and a message that is safe to show: never the API key, never the provider's own text (a user's base URL may point
at a service that is not a provider at all, and its answer is not for them to read).
"""

from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import httpx

from tidings.core.errors import DomainError

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class Completion:
    text: str
    tokens_in: int
    tokens_out: int
    model: str
    # The provider stopped at the token budget, so the end of `text` may be cut off.
    truncated: bool = False


@dataclass(frozen=True)
class WriterConfig:
    """Where and how to reach a provider. The key is left out of repr, so it never lands in a log by accident."""

    kind: str
    model: str
    api_key: str = field(default="", repr=False)
    base_url: str = ""
    timeout: float = 60.0
    attempts: int = 3
    backoff: float = 1.0
    source: str = "site"

    @property
    def public_only(self) -> bool:
        """A workspace's own provider reaches only public addresses (see tidings.http); the operator's may be local."""
        return self.source != "site"


class ProviderFailure(DomainError):
    """A provider call that did not produce text."""

    code = "ai_provider_failure"


class ProviderUnavailable(ProviderFailure):
    """Transient: the provider could not be reached, timed out, was rate limited or failed on its side. Retried."""

    code = "ai_provider_unavailable"

    def __init__(self, message: str, *, retry_after: float | None = None, **details: object) -> None:
        super().__init__(message, **details)
        self.retry_after = retry_after


class ProviderAuthError(ProviderFailure):
    """The provider refused the credentials. Not retried: only a new key helps."""

    code = "ai_provider_auth"


class ProviderError(ProviderFailure):
    """Permanent: the provider refused the request itself (unknown model, bad parameter, content policy)."""

    code = "ai_provider_error"


class CompletionStream:
    """Text chunks as they arrive. Once exhausted, `completion` holds the whole text and the token usage."""

    def __init__(self, chunks: Generator[str, None, Completion]) -> None:
        self._chunks = chunks
        self.completion: Completion | None = None

    def __iter__(self) -> Iterator[str]:
        self.completion = yield from self._chunks

    def close(self) -> None:
        """Stop early: closes the provider's connection."""
        self._chunks.close()


class Writer(Protocol):
    config: WriterConfig

    def complete(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> Completion:
        """The whole answer at once. Raises a ProviderFailure subclass."""
        ...

    def stream(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> CompletionStream:
        """The answer as it is written. Connecting is retried like `complete`; a failure once text has started
        to flow is raised as it is, since the text already shown cannot be taken back."""
        ...


def redact(text: str, secret: str) -> str:
    """`text` with the secret taken out, for the rare provider that echoes a key in an error message."""
    if secret:
        text = text.replace(secret, "[redacted]")
    return text


def provider_message(body: object, fallback: str) -> str:
    """The provider's own words from an error body: {"error": {"message": ...}} (both vendors) or {"message": ...}."""
    for candidate in (body, body.get("error") if isinstance(body, dict) else None):
        if isinstance(candidate, dict) and isinstance(candidate.get("message"), str):
            return str(candidate["message"])
    return fallback


def failure_for_status(status: int, *, provider: str, retry_after: float | None = None) -> ProviderFailure:
    """The failure an HTTP status from the provider means, said without the provider's own text."""
    if status in (401, 403):
        return ProviderAuthError(
            f"{provider} refused the API key (HTTP {status}). Check the key and the account in the AI provider "
            "settings.",
            status=status,
        )
    if status in (408, 409, 429) or status >= 500:
        busy = "is rate limiting requests" if status == 429 else "is not answering properly"
        return ProviderUnavailable(
            f"{provider} {busy} (HTTP {status}). Try again in a minute.", retry_after=retry_after, status=status
        )
    if status < 400:
        # An error event inside a stream that had started well (Anthropic's overloaded_error, for one).
        return ProviderUnavailable(f"{provider} broke off its answer. Try again.", status=status)
    answered = f"{status} {httpx.codes.get_reason_phrase(status)}".strip()
    return ProviderError(f"{provider} answered {answered}. Check the model name and the base URL.", status=status)


def failure_for_connection(*, provider: str, timed_out: bool, timeout: float) -> ProviderUnavailable:
    if timed_out:
        return ProviderUnavailable(f"{provider} did not answer within {timeout:g} seconds. Try again later.")
    return ProviderUnavailable(f"{provider} cannot be reached. Check that it is running and the base URL is right.")


def broken_off(error: httpx.HTTPError, *, provider: str, timeout: float) -> ProviderUnavailable:
    """A connection that failed after the answer had started to arrive (the SDKs pass these on unwrapped)."""
    if isinstance(error, httpx.TimeoutException):
        return failure_for_connection(provider=provider, timed_out=True, timeout=timeout)
    return ProviderUnavailable(f"{provider} broke off its answer. Try again.")
