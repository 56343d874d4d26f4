"""Language model providers behind one `Writer` interface, chosen by the `kind` of a provider configuration."""

from collections.abc import Callable

from tidings.generation.writers.anthropic import AnthropicWriter
from tidings.generation.writers.base import Writer, WriterConfig
from tidings.generation.writers.openai_compatible import OpenAICompatibleWriter

WRITERS: dict[str, Callable[[WriterConfig], Writer]] = {
    "openai": OpenAICompatibleWriter,
    "anthropic": AnthropicWriter,
}


def build_writer(config: WriterConfig) -> Writer:
    return WRITERS[config.kind](config)
