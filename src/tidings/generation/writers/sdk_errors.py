"""Errors of the vendor SDKs mapped to ours. The openai and anthropic SDKs share one generated error hierarchy
(APIStatusError, APIConnectionError, APITimeoutError under a base error), so one mapping serves both."""

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import httpx

from tidings.generation.writers.base import (
    ProviderError,
    ProviderFailure,
    broken_off,
    failure_for_connection,
    failure_for_status,
    provider_message,
)
from tidings.generation.writers.retry import retry_after


def _base_error(sdk: ModuleType) -> type[Exception]:
    """The SDK's root error class: openai.OpenAIError, anthropic.AnthropicError."""
    base: type[Exception] = getattr(sdk, "OpenAIError", None) or sdk.AnthropicError
    return base


def translate_sdk_error(
    error: Exception, *, sdk: ModuleType, provider: str, api_key: str, timeout: float
) -> ProviderFailure | None:
    if isinstance(error, sdk.APIStatusError):
        return failure_for_status(
            error.status_code,
            provider=provider,
            detail=provider_message(error.body, error.message),
            api_key=api_key,
            retry_after=retry_after(error.response),
        )
    if isinstance(error, sdk.APIConnectionError):
        timed_out = isinstance(error, sdk.APITimeoutError)
        return failure_for_connection(provider=provider, timed_out=timed_out, timeout=timeout)
    if isinstance(error, _base_error(sdk)):
        return ProviderError(f"{provider} sent an answer that could not be read.")
    return None


@contextmanager
def sdk_errors_translated(*, sdk: ModuleType, provider: str, api_key: str, timeout: float) -> Iterator[None]:
    """Within the block, an SDK or transport error comes out as one of our provider errors."""
    try:
        yield
    except _base_error(sdk) as error:
        failure = translate_sdk_error(error, sdk=sdk, provider=provider, api_key=api_key, timeout=timeout)
        raise failure or ProviderError(f"{provider} failed.") from None
    except httpx.HTTPError as error:
        raise broken_off(error, provider=provider, timeout=timeout) from None
