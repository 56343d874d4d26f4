"""One GenerationLog row for every call to a provider (and for every request a limit refused)."""

import time

from tidings.core.errors import DomainError
from tidings.generation.models import GenerationLog, GenerationOutcome
from tidings.generation.prompts import PROMPT_VERSION
from tidings.generation.writers.base import Completion, WriterConfig, redact
from tidings.workspaces.models import Workspace


def record_generation(
    workspace: Workspace,
    config: WriterConfig,
    *,
    action: str,
    platform: str,
    outcome: GenerationOutcome,
    completion: Completion | None = None,
    latency_ms: int = 0,
    error: str = "",
) -> GenerationLog:
    """Errors arrive as our own user-safe messages; the key is taken out once more all the same."""
    return GenerationLog.objects.create(
        workspace=workspace,
        provider=config.kind,
        model=((completion.model if completion else "") or config.model)[:200],
        action=action,
        platform=platform,
        prompt_version=PROMPT_VERSION,
        tokens_in=completion.tokens_in if completion else 0,
        tokens_out=completion.tokens_out if completion else 0,
        latency_ms=max(0, latency_ms),
        outcome=outcome,
        error=redact(error, config.api_key)[:2000],
    )


def elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def error_text(error: BaseException) -> str:
    """What a log row says about a failure: our own user-safe message, or only the type of anything else (an
    unexpected exception's text may hold anything, including a request's headers)."""
    if isinstance(error, DomainError):
        return f"{error.code}: {error.message}"
    return f"Unexpected error: {type(error).__name__}"
