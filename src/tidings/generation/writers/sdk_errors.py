"""Errors of the vendor SDKs mapped to ours. The openai and anthropic SDKs share one generated error hierarchy
(APIStatusError, APIConnectionError, APITimeoutError under a base error), so one mapping serves both."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import httpx

from tidings import http
from tidings.generation.writers.base import (
    ProviderError,
    ProviderFailure,
    broken_off,
    failure_for_connection,
    failure_for_status,
    provider_message,
    redact,
)
from tidings.generation.writers.retry import retry_after

log = logging.getLogger(__name__)


def _base_error(sdk: ModuleType) -> type[Exception]:
    """The SDK's root error class: openai.OpenAIError, anthropic.AnthropicError."""
    base: type[Exception] = getattr(sdk, "OpenAIError", None) or sdk.AnthropicError
    return base


def translate_sdk_error(
    error: Exception, *, sdk: ModuleType, provider: str, api_key: str, timeout: float
) -> ProviderFailure | None:
    if isinstance(error, sdk.APIStatusError):
        # The provider's words go to the operator's log only, cut short and without the key.
        detail = redact(provider_message(error.body, error.message), api_key)[:300]
        log.info("%s answered HTTP %d: %s", provider, error.status_code, detail)
        return failure_for_status(error.status_code, provider=provider, retry_after=retry_after(error.response))
    cause = error.__cause__  # the SDKs raise their connection error from httpx's
    refused = http.refused_reason(cause) if isinstance(cause, Exception) else None
    if refused:
        # The public-only guard refused the address: permanent, so not retried.
        return ProviderError(f"{provider}'s address is not allowed: {refused}")
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
