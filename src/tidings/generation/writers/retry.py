"""Retries with exponential backoff for transient provider failures; the SDKs' own retries are switched off so
that every attempt is ours to count, time and bound."""

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx

from tidings.generation.writers.base import ProviderFailure, ProviderUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

# A provider that asks us to wait longer than this is treated as down for now rather than waited on.
MAX_WAIT_SECONDS = 20.0
sleep = time.sleep  # tests replace it to record the waits


def with_retries(
    call: Callable[[], T],
    *,
    translate: Callable[[Exception], ProviderFailure | None],
    attempts: int,
    backoff: float,
) -> T:
    """Run `call`, retrying transient failures up to `attempts` times in all, waiting backoff, 2x backoff, ...
    (or what the provider's Retry-After asks, if that is sooner than MAX_WAIT_SECONDS).

    `translate` turns the vendor's exceptions into ours and returns None for anything else, which is re-raised.
    The vendor's exception is dropped from the chain: it holds the request, and its text may quote the key.
    """
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as error:
            failure = translate(error)
            if failure is None:
                raise
        wait = failure.retry_after if isinstance(failure, ProviderUnavailable) else None
        if wait is None:
            wait = backoff * 2 ** (attempt - 1)
        retry = isinstance(failure, ProviderUnavailable) and attempt < attempts and wait <= MAX_WAIT_SECONDS
        log.warning("AI provider attempt %d/%d failed: %s (%s)", attempt, attempts, failure.code, failure.details)
        if not retry:
            raise failure from None
        sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def retry_after(response: httpx.Response | None) -> float | None:
    """Seconds the provider asked us to wait, from retry-after-ms or Retry-After (seconds or an HTTP date)."""
    if response is None:
        return None
    milliseconds = response.headers.get("retry-after-ms")
    value = response.headers.get("retry-after")
    try:
        if milliseconds is not None:
            return max(0.0, float(milliseconds) / 1000)
        if value is None:
            return None
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value or "") - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None
