"""What a member asks for: the brief of a post, and the checks every generation request passes first."""

import re
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from tidings.core.errors import InvalidInput
from tidings.platforms.models import Platform

MAX_VARIANTS = 5
# Drafts are written one after another within the request: keep a request to a bearable wait.
MAX_DRAFTS = 20
MAX_TEXT = 20_000
_HASHTAG = re.compile(r"^\w+$")
_LIMITS = {"topic": 1000, "tone": 200, "audience": 200, "call_to_action": 300, "language": 50, "link": 2000}


@dataclass(frozen=True)
class Brief:
    topic: str
    tone: str = ""
    audience: str = ""
    call_to_action: str = ""
    language: str = "English"
    link: str = ""
    hashtags: tuple[str, ...] = field(default_factory=tuple)


def clean_brief(brief: Brief) -> Brief:
    """The brief with whitespace trimmed and hashtags as "#tag"; raises InvalidInput naming the field at fault."""
    values = {name: str(getattr(brief, name)).strip() for name in _LIMITS}
    if not values["topic"]:
        raise InvalidInput("Say what the post is about.", field="topic")
    for name, limit in _LIMITS.items():
        if len(values[name]) > limit:
            raise InvalidInput(f"{name.replace('_', ' ').capitalize()} is too long (at most {limit}).", field=name)
    if values["link"]:
        try:
            URLValidator(schemes=["http", "https"])(values["link"])
        except ValidationError:
            raise InvalidInput("The link must be a full http:// or https:// address.", field="link") from None
    tags: list[str] = []
    for raw in brief.hashtags:
        tag = raw.strip().lstrip("#")
        if not tag:
            continue
        if not _HASHTAG.match(tag) or len(tag) > 100:
            raise InvalidInput(f"#{tag} is not a hashtag: use letters, digits and underscores only.", field="hashtags")
        if f"#{tag}" not in tags:
            tags.append(f"#{tag}")
    values["language"] = values["language"] or "English"
    return replace(brief, **values, hashtags=tuple(tags))


def parse_hashtags(raw: str) -> tuple[str, ...]:
    """Hashtags typed as one line: separated by spaces or commas, with or without "#"."""
    return tuple(tag for tag in re.split(r"[\s,]+", raw) if tag.strip("#"))


def clean_platforms(platforms: list[str]) -> list[str]:
    """Known platforms, each once, in the order given."""
    unknown = [p for p in platforms if p not in Platform.values]
    if unknown:
        raise InvalidInput(f"Unknown platform: {unknown[0]}.", field="platforms")
    cleaned = list(dict.fromkeys(platforms))
    if not cleaned:
        raise InvalidInput("Choose at least one platform.", field="platforms")
    return cleaned


def clean_variants(variants: int, *, platforms: int = 1) -> int:
    if not 1 <= variants <= MAX_VARIANTS:
        raise InvalidInput(f"Ask for 1 to {MAX_VARIANTS} variants.", field="variants")
    if variants * platforms > MAX_DRAFTS:
        raise InvalidInput(
            f"That is {variants * platforms} drafts; ask for at most {MAX_DRAFTS} at once (fewer platforms or "
            "variants).",
            field="variants",
        )
    return variants


def clean_text(text: str, *, field_name: str = "text") -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("There is no text to work on.", field=field_name)
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"The text is too long to work on (at most {MAX_TEXT} characters).", field=field_name)
    return text
