"""UTM tags and how they are added to links: the campaign parameters analytics tools read from a link's query.

Tagging keeps everything the link already has (its query, in its own encoding, and its fragment) and never replaces
a utm_* parameter already there, so tagging a tagged link changes nothing. Only http(s) links are tagged.
"""

from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode, urlsplit

from tidings.platforms.base import Content
from tidings.platforms.rules import URL_RE

FIELDS = ("source", "medium", "campaign", "term", "content")
DEFAULT_MEDIUM = "social"


@dataclass(frozen=True)
class Tags:
    source: str
    medium: str
    campaign: str = ""
    term: str = ""
    content: str = ""

    def params(self) -> list[tuple[str, str]]:
        """The utm_* pairs in their usual order, blank ones left out."""
        return [(f"utm_{name}", value) for name in FIELDS if (value := getattr(self, name))]


def tag_url(url: str, tags: Tags | None) -> str:
    """`url` with the tags it lacks added to its query, before any fragment; anything but http(s) as it is."""
    if tags is None:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced IPv6 bracket, say: not a link we can tag
        return url
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return url
    present = {key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    missing = [(key, value) for key, value in tags.params() if key not in present]
    if not missing:
        return url
    # Edited as text, not rebuilt from parts, so the rest of the address stays exactly as written.
    head, hash_mark, fragment = url.partition("#")
    joiner = "" if head.endswith(("?", "&")) else ("&" if "?" in head else "?")
    return f"{head}{joiner}{urlencode(missing)}{hash_mark}{fragment}"


def tag_text(text: str, tags: Tags | None) -> str:
    """Every http(s) link written in `text` tagged, where the platforms' rules see a link."""
    if tags is None or not text:
        return text
    return URL_RE.sub(lambda found: tag_url(found.group(), tags), text)


def tag_content(content: Content, tags: Tags | None) -> Content:
    """What goes out with every link tagged: the post's link, and those in its text, thread and first comment."""
    if tags is None:
        return content
    return replace(
        content,
        text=tag_text(content.text, tags),
        link=tag_url(content.link, tags) if content.link else "",
        parts=tuple(replace(part, text=tag_text(part.text, tags)) for part in content.parts),
        first_comment=tag_text(content.first_comment, tags),
    )
