"""Which language model a workspace writes with: its own provider if it set one, else the site's, else none.

The site-wide provider comes from the environment, read on every call so a restart is not needed for a change:

TIDINGS_AI_PROVIDER  openai (any OpenAI-compatible endpoint) or anthropic
TIDINGS_AI_BASE_URL  the endpoint, e.g. http://localhost:11434/v1 for Ollama; blank for the vendor's own API
TIDINGS_AI_API_KEY   the key (local servers such as Ollama need none)
TIDINGS_AI_MODEL     the model name, e.g. gpt-4o-mini, llama3.1, claude-sonnet-4-5
TIDINGS_AI_TIMEOUT   seconds to wait for an answer (default 60)

The operator's provider may be on this machine; a workspace's own reaches only public addresses, as webhooks do.
"""

import logging
import os

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from tidings import http
from tidings.core.errors import DomainError, InvalidInput
from tidings.generation.models import AIProviderConfig, ProviderKind
from tidings.generation.writers import WRITERS, Writer, build_writer
from tidings.generation.writers.base import WriterConfig
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

DEFAULT_TIMEOUT = 60.0


class NoProviderConfigured(DomainError):
    code = "no_ai_provider"

    def __init__(self) -> None:
        super().__init__(
            "No AI provider is set up, so nothing can be written for you. Add your own provider (an "
            "OpenAI-compatible endpoint such as OpenAI, Ollama or OpenRouter, or Anthropic) in the AI provider "
            "settings, or ask the person who runs this server to set one up for everyone."
        )


class ProviderMisconfigured(DomainError):
    """The operator's settings are wrong: the message names the setting, for `tidings doctor` and the log only."""

    code = "ai_provider_misconfigured"


class SiteProviderBroken(DomainError):
    """What a member is told when the site's provider is misconfigured: whom to ask, never the setting's name."""

    code = "ai_provider_misconfigured"

    def __init__(self) -> None:
        super().__init__(
            "The AI provider of this server is not set up correctly, so nothing can be written for you right now. "
            "Ask the person who runs this server to check it, or add your own provider in the AI provider settings."
        )


logger = logging.getLogger("tidings.generation")


def site_config() -> WriterConfig | None:
    """The site-wide provider from the environment, or None when TIDINGS_AI_PROVIDER is unset."""
    kind = os.environ.get("TIDINGS_AI_PROVIDER", "").strip().lower()
    if not kind:
        return None
    if kind not in WRITERS:
        raise ProviderMisconfigured(
            f"TIDINGS_AI_PROVIDER is {kind!r}; it must be one of: {', '.join(WRITERS)}.", setting="TIDINGS_AI_PROVIDER"
        )
    model = os.environ.get("TIDINGS_AI_MODEL", "").strip()
    if not model:
        raise ProviderMisconfigured("TIDINGS_AI_MODEL is not set: name the model to write with.")
    raw_timeout = os.environ.get("TIDINGS_AI_TIMEOUT", "").strip()
    try:
        timeout = float(raw_timeout) if raw_timeout else DEFAULT_TIMEOUT
    except ValueError:
        timeout = -1.0
    if not timeout > 0:
        raise ProviderMisconfigured(f"TIDINGS_AI_TIMEOUT is {raw_timeout!r}; it must be a number of seconds above 0.")
    return WriterConfig(
        kind=kind,
        model=model,
        api_key=os.environ.get("TIDINGS_AI_API_KEY", "").strip(),
        base_url=os.environ.get("TIDINGS_AI_BASE_URL", "").strip(),
        timeout=timeout,
        source="site",
    )


def workspace_config(workspace: Workspace) -> WriterConfig | None:
    """The workspace's own provider, or None when it has set none."""
    row = AIProviderConfig.objects.filter(workspace=workspace).first()
    if row is None:
        return None
    site = site_config_or_none()
    return WriterConfig(
        kind=row.kind,
        model=row.model,
        api_key=row.api_key,
        base_url=row.base_url,
        timeout=site.timeout if site else DEFAULT_TIMEOUT,
        source="workspace",
    )


def site_config_or_none() -> WriterConfig | None:
    try:
        return site_config()
    except ProviderMisconfigured:
        return None


def provider_config(workspace: Workspace) -> WriterConfig | None:
    """The configuration `workspace` writes with, or None. A broken site setting is logged for the operator and
    reaches the member as `SiteProviderBroken`."""
    own = workspace_config(workspace)
    if own is not None:
        return own
    try:
        return site_config()
    except ProviderMisconfigured as error:
        logger.warning("site AI provider misconfigured", extra={"problem": error.message})
        raise SiteProviderBroken() from None


def resolve_writer(workspace: Workspace) -> Writer:
    """The writer for `workspace`. Raises NoProviderConfigured when neither the workspace nor the site has set one
    up."""
    config = provider_config(workspace)
    if config is None:
        raise NoProviderConfigured()
    return build_writer(config)


def save_provider_config(actor: Actor, *, kind: str, model: str, base_url: str = "", api_key: str = "") -> None:
    """Set the workspace's own provider (a setting: its admins and owner). A blank `api_key` keeps the stored key,
    if the kind and base URL stay."""
    actor.require(Action.SETTINGS)
    if kind not in ProviderKind.values:
        raise InvalidInput(f"Choose a provider kind: {', '.join(ProviderKind.values)}.", field="kind")
    if not model.strip() or len(model) > 200:
        raise InvalidInput("Name the model to write with (at most 200 characters).", field="model")
    if base_url:
        try:
            URLValidator(schemes=["http", "https"])(base_url)
        except ValidationError:
            raise InvalidInput("The base URL must be an http:// or https:// address.", field="base_url") from None
        # Checked again on every call, at the address dialled (see tidings.http): DNS may change after this.
        if problem := http.address_problem(base_url):
            raise InvalidInput(f"That base URL is not allowed: {problem}", field="base_url")
    workspace = actor.workspace
    row = AIProviderConfig.objects.filter(workspace=workspace).first() or AIProviderConfig(workspace=workspace)
    # A stored key only ever goes to the endpoint it was entered for: moving it elsewhere needs the key again.
    same_endpoint = row.pk is not None and (row.kind, row.base_url) == (kind, base_url.strip())
    row.kind, row.model, row.base_url = kind, model.strip(), base_url.strip()
    row.api_key = api_key.strip() or (row.api_key if same_endpoint else "")
    row.save()


def remove_provider_config(actor: Actor) -> bool:
    """Forget the workspace's own provider (it falls back to the site's). True when there was one."""
    actor.require(Action.SETTINGS)
    deleted, _ = AIProviderConfig.objects.filter(workspace=actor.workspace).delete()
    return bool(deleted)
