"""A model's answer made into a draft for one platform: split into a thread where the platform has threads and the
text is too long for one post; otherwise kept whole, with what is wrong said plainly. Never truncated."""

import re
from dataclasses import dataclass, field

from tidings.platforms.rules import rules_for, split_into_thread, text_length, text_problems

# Reasoning models served through OpenAI-compatible endpoints (DeepSeek R1, Qwen 3 on Ollama) may put their
# reasoning before the answer; it is not part of the post.
_REASONING = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_QUOTES = {'"': '"', "“": "”", "«": "»", "'": "'"}


@dataclass(frozen=True)
class Draft:
    platform: str
    text: str
    parts: tuple[str, ...]
    problems: tuple[str, ...] = field(default_factory=tuple)
    variant: int = 1

    @property
    def is_thread(self) -> bool:
        return len(self.parts) > 1

    @property
    def length(self) -> int:
        return text_length(self.platform, self.text)

    def as_dict(self) -> dict[str, object]:
        return {
            "platform": self.platform,
            "variant": self.variant,
            "text": self.text,
            "parts": list(self.parts),
            "problems": list(self.problems),
        }


def clean_output(text: str) -> str:
    """The answer without surrounding whitespace, reasoning blocks or quotation marks wrapped around all of it."""
    text = _REASONING.sub("", text).strip()
    if len(text) > 1 and _QUOTES.get(text[0]) == text[-1] and text[0] not in text[1:-1]:
        text = text[1:-1].strip()
    return text


TRUNCATED = "The AI provider stopped at its length budget, so the end may be cut off. Generate it again or shorten it."


def build_draft(
    platform: str, answer: str, *, variant: int = 1, truncated: bool = False, threads: bool = True
) -> Draft:
    """`threads=False` where the user asked for one post (shorten): a text still too long then says so."""
    text = clean_output(answer)
    rules = rules_for(platform)
    problems = text_problems(platform, text)
    if text and problems and rules.supports_threads and threads:
        parts = tuple(split_into_thread(platform, text))
        problems = list(dict.fromkeys(p for part in parts for p in text_problems(platform, part)))
    else:
        parts = (text,)
    if truncated:
        problems = [*problems, TRUNCATED]
    return Draft(platform=platform, text=text, parts=parts, problems=tuple(problems), variant=variant)
