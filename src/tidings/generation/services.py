"""Writing posts with the workspace's language model: generate from a brief, rewrite, shorten, stream.

Every request needs a role that may write drafts, resolves the workspace's provider (NoProviderConfigured when
there is none), takes its generations from the workspace's daily limit before calling the provider (see quota.py:
a failed request gives them back), and logs one GenerationLog row per provider call. Generation never touches
credits.
"""

import time
from collections.abc import Sequence

from tidings.core.errors import InvalidInput
from tidings.generation.brief import Brief, clean_brief, clean_platforms, clean_text, clean_variants
from tidings.generation.config import resolve_writer
from tidings.generation.drafts import Draft, build_draft
from tidings.generation.logs import elapsed_ms, error_text, record_generation
from tidings.generation.models import GenerationOutcome
from tidings.generation.prompts import generate_messages, rewrite_messages, shorten_messages
from tidings.generation.quota import generations_reserved, reserve_or_refuse
from tidings.generation.streaming import GenerationStream
from tidings.generation.writers.base import Completion, Message, Writer
from tidings.platforms.rules import rules_for, text_length
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

GENERATE, REWRITE, SHORTEN = "generate", "rewrite", "shorten"
TEMPERATURE = {GENERATE: 0.8, REWRITE: 0.7, SHORTEN: 0.3}


def max_tokens_for(platform: str) -> int:
    """Room for one post or a short thread, and no more: a runaway answer costs tokens and time."""
    limit = rules_for(platform).max_length
    return 2000 if limit is None else min(4000, max(400, limit))


def generate_posts(actor: Actor, *, brief: Brief, platforms: list[str], variants: int = 1) -> list[Draft]:
    """`variants` drafts for each platform, each written for that platform's rules. Each draft is one
    generation of the workspace's daily limit; the request takes all of them or none."""
    actor.require(Action.DRAFT)
    brief, platforms = clean_brief(brief), clean_platforms(platforms)
    variants = clean_variants(variants, platforms=len(platforms))
    writer = resolve_writer(actor.workspace)
    jobs = [(platform, n) for platform in platforms for n in range(1, variants + 1)]
    single = platforms[0] if len(platforms) == 1 else ""
    with generations_reserved(actor, writer.config, amount=len(jobs), action=GENERATE, platform=single):
        drafts = []
        for platform, n in jobs:
            messages = generate_messages(brief, platform=platform, variant=n, variants=variants)
            completion = call_writer(actor.workspace, writer, action=GENERATE, platform=platform, messages=messages)
            drafts.append(build_draft(platform, completion.text, variant=n, truncated=completion.truncated))
    return drafts


def rewrite_text(actor: Actor, *, text: str, instruction: str, platform: str) -> Draft:
    """`text` rewritten as the member instructs ("more formal", "add a question"), for `platform`."""
    actor.require(Action.DRAFT)
    text, platform = clean_text(text), _platform(platform)
    instruction = instruction.strip()
    if not instruction or len(instruction) > 500:
        raise InvalidInput("Say how to rewrite the text (at most 500 characters).", field="instruction")
    messages = rewrite_messages(text=text, instruction=instruction, platform=platform)
    return _revise(actor, action=REWRITE, platform=platform, messages=messages)


def shorten_text(actor: Actor, *, text: str, platform: str) -> Draft:
    """`text` made to fit one post on `platform`; text that already fits is cut to about two thirds."""
    actor.require(Action.DRAFT)
    text, platform = clean_text(text), _platform(platform)
    limit, length = rules_for(platform).max_length, text_length(platform, text)
    # Models count characters loosely: aim a tenth under the limit.
    target = int(limit * 0.9) if limit is not None and length > limit else max(20, length * 2 // 3)
    messages = shorten_messages(text=text, platform=platform, target=target)
    return _revise(actor, action=SHORTEN, platform=platform, messages=messages)


def stream_generation(actor: Actor, *, brief: Brief, platform: str) -> GenerationStream:
    """One draft for one platform, streamed as it is written. Checks, resolves the provider and takes the
    generation now, so refusals raise here, before a response starts; iterate the result for the text."""
    actor.require(Action.DRAFT)
    brief, platform = clean_brief(brief), _platform(platform)
    writer = resolve_writer(actor.workspace)
    reservation = reserve_or_refuse(actor, writer.config, amount=1, action=GENERATE, platform=platform)
    return GenerationStream(
        actor.workspace,
        writer,
        reservation,
        action=GENERATE,
        platform=platform,
        messages=generate_messages(brief, platform=platform),
        max_tokens=max_tokens_for(platform),
        temperature=TEMPERATURE[GENERATE],
    )


def call_writer(
    workspace: Workspace, writer: Writer, *, action: str, platform: str, messages: Sequence[Message]
) -> Completion:
    """One provider call, timed and logged whatever its outcome."""
    started = time.monotonic()
    try:
        completion = writer.complete(messages, max_tokens=max_tokens_for(platform), temperature=TEMPERATURE[action])
    except Exception as error:
        record_generation(
            workspace,
            writer.config,
            action=action,
            platform=platform,
            outcome=GenerationOutcome.ERROR,
            latency_ms=elapsed_ms(started),
            error=error_text(error),
        )
        raise
    record_generation(
        workspace,
        writer.config,
        action=action,
        platform=platform,
        outcome=GenerationOutcome.OK,
        completion=completion,
        latency_ms=elapsed_ms(started),
    )
    return completion


def _revise(actor: Actor, *, action: str, platform: str, messages: Sequence[Message]) -> Draft:
    writer = resolve_writer(actor.workspace)
    with generations_reserved(actor, writer.config, amount=1, action=action, platform=platform):
        completion = call_writer(actor.workspace, writer, action=action, platform=platform, messages=messages)
    return build_draft(platform, completion.text, truncated=completion.truncated, threads=action != SHORTEN)


def _platform(platform: str) -> str:
    return clean_platforms([platform])[0]
