"""Every word we send a language model, in one place. Change PROMPT_VERSION with any change to the text: it is
recorded on each GenerationLog row, so results can be compared across versions."""

from tidings.generation.brief import Brief
from tidings.generation.writers.base import Message
from tidings.platforms.rules import Counting, platform_name, rules_for

PROMPT_VERSION = "2026-12-1"

SYSTEM = (
    "You are an experienced social media writer. You write posts that are ready to publish on {platform}, "
    "following its rules below exactly.\n"
    "Reply with the text to publish and nothing else: no introduction, no title, no explanation, no quotation "
    "marks around it, no Markdown formatting.\n"
    "Use only the facts in the request. Do not invent numbers, quotes, names, dates or links.\n\n"
    "Rules for {platform}:\n{rules}"
)

# Several variants are separate requests; each leads with a different angle so they differ in more than wording.
ANGLES = (
    "Lead with the main point.",
    "Open with a question the audience cares about.",
    "Open with a short, concrete example or scene.",
    "Open with the benefit to the reader.",
    "Open with a surprising but true observation drawn from the topic.",
)

# Most platforms have no hard maximum; more than a few tags reads as spam.
SUGGESTED_HASHTAGS = 3


def length_rule(platform: str) -> str:
    rules = rules_for(platform)
    if rules.max_length is None:
        return f"- Length: no fixed limit; keep the {rules.field} concise."
    how = ""
    if rules.counting == Counting.X_WEIGHTED:
        how = " (every link counts as 23 characters; emoji and Chinese, Japanese or Korean characters count as 2)"
    elif rules.counting == Counting.EMOJI_BYTES:
        how = " (each emoji counts as its UTF-8 bytes, up to 4 characters; at most 5 different links)"
    elif rules.url_length is not None:
        how = f" (every link counts as {rules.url_length} characters)"
    unit = "bytes" if rules.counting == Counting.UTF8_BYTES else "characters"
    if unit == "bytes":
        how = " (an accented letter counts as 2, an emoji as 4)"
    return f"- Length: at most {rules.max_length} {unit} per {rules.field}{how}."


def hashtag_rule(platform: str, hashtags: tuple[str, ...] = ()) -> str:
    most = rules_for(platform).max_hashtags
    if hashtags:
        ceiling = f" {platform_name(platform)} allows at most {most} hashtags." if most is not None else ""
        return f"- Hashtags: use these, exactly as written: {' '.join(hashtags)}.{ceiling}"
    suggested = SUGGESTED_HASHTAGS if most is None else min(most, SUGGESTED_HASHTAGS)
    return f"- Hashtags: at most {suggested} relevant hashtags, or none where they would not fit the tone."


def thread_rule(platform: str) -> str:
    rules = rules_for(platform)
    if rules.max_length is None:
        return "- Write one piece of text."
    if not rules.supports_threads:
        return f"- Everything must fit in one {rules.field} of at most {rules.max_length} characters."
    return (
        f"- Prefer one post. If the message truly needs more than {rules.max_length} characters, write a short "
        f"thread: separate the posts with a blank line, keep each post under {rules.max_length} characters, and "
        "do not number them (numbering is added automatically)."
    )


def platform_rules(platform: str, hashtags: tuple[str, ...] = (), *, threads: bool = True) -> str:
    rules = [length_rule(platform), hashtag_rule(platform, hashtags)]
    return "\n".join([*rules, thread_rule(platform)] if threads else rules)


def _system(platform: str, hashtags: tuple[str, ...] = (), *, threads: bool = True) -> Message:
    rules = platform_rules(platform, hashtags, threads=threads)
    return Message("system", SYSTEM.format(platform=platform_name(platform), rules=rules))


def generate_messages(brief: Brief, *, platform: str, variant: int = 1, variants: int = 1) -> list[Message]:
    """Write one post for `platform` from `brief`; variant n of several takes the n-th angle."""
    lines = [f"Write a {rules_for(platform).field} for {platform_name(platform)} from this brief.", ""]
    lines.append(f"Topic: {brief.topic}")
    if brief.tone:
        lines.append(f"Tone: {brief.tone}")
    if brief.audience:
        lines.append(f"Audience: {brief.audience}")
    if brief.call_to_action:
        lines.append(f"Call to action (end with it, in your own words): {brief.call_to_action}")
    lines.append(f"Language: write in {brief.language}.")
    if brief.link:
        lines.append(f"Link (include it once, exactly as written): {brief.link}")
    if variants > 1:
        lines += ["", f"This is version {variant} of {variants}. {ANGLES[(variant - 1) % len(ANGLES)]}"]
    return [_system(platform, brief.hashtags), Message("user", "\n".join(lines))]


def rewrite_messages(*, text: str, instruction: str, platform: str) -> list[Message]:
    """Rewrite existing text as the user instructs, still within the platform's rules."""
    request = (
        f"Rewrite the {platform_name(platform)} {rules_for(platform).field} below.\n"
        f"Instruction: {instruction}\n"
        "Keep its language, its links and its hashtags unless the instruction says otherwise.\n\n"
        f"Text:\n{text}"
    )
    return [_system(platform), Message("user", request)]


def shorten_messages(*, text: str, platform: str, target: int) -> list[Message]:
    """Make existing text fit in `target` characters as one post, keeping its point, links and language."""
    request = (
        f"Shorten the {platform_name(platform)} {rules_for(platform).field} below to at most {target} characters, "
        "as a single post, not a thread. Keep its main point, its call to action, its links and its language; "
        "drop the least important details and hashtags first. Do not cut words off.\n\n"
        f"Text:\n{text}"
    )
    return [_system(platform, threads=False), Message("user", request)]
