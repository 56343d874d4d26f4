"""The text rules of each platform: how long a post may be, how the platform counts it, hashtags and threads.

Text only; media rules and publishing belong to the connectors. How each platform counts:

- Bluesky: 300 graphemes (user-perceived characters).
  https://docs.bsky.app/docs/advanced-guides/post-richtext
- X: 280 "weighted" characters, an approximation of twitter-text v3: the text is NFC-normalised, every URL counts
  as 23, an emoji (a whole grapheme cluster, with modifiers and joiners) counts as 2, and every other code point
  counts 1 when it is below U+1100 or in a few punctuation ranges (U+2000-200D, U+2010-201F, U+2032-2037) and
  2 otherwise (CJK and most non-Latin scripts beyond that). Unlike twitter-text, only links written with
  http(s):// or www. are recognised; a bare domain counts as its own length.
  https://docs.x.com/fundamentals/counting-characters
- Mastodon: 500 graphemes, every URL counted as 23 (its StatusLengthValidator). Remote mentions are counted in
  full here, where Mastodon counts only the user name: the count errs on the safe side.
- The others state a number of "characters" without saying how they count; we count Unicode code points.

Hashtag maxima: Instagram refuses a caption with more than 30; YouTube ignores every hashtag on a video that has
more than 60 (https://support.google.com/youtube/answer/6390658).
"""

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

import regex

from tidings.platforms.models import Platform


class Counting(StrEnum):
    GRAPHEMES = "graphemes"
    CODE_POINTS = "code_points"
    X_WEIGHTED = "x_weighted"


@dataclass(frozen=True)
class TextRules:
    max_length: int | None
    counting: Counting = Counting.CODE_POINTS
    url_length: int | None = None
    supports_threads: bool = False
    max_hashtags: int | None = None
    field: str = "post"


RULES: dict[str, TextRules] = {
    Platform.BLUESKY: TextRules(300, Counting.GRAPHEMES, supports_threads=True),
    Platform.X: TextRules(280, Counting.X_WEIGHTED, url_length=23, supports_threads=True),
    Platform.MASTODON: TextRules(500, Counting.GRAPHEMES, url_length=23, supports_threads=True),
    Platform.THREADS: TextRules(500, supports_threads=True),
    Platform.LINKEDIN: TextRules(3000),
    Platform.FACEBOOK: TextRules(63206),
    Platform.INSTAGRAM: TextRules(2200, max_hashtags=30, field="caption"),
    Platform.TIKTOK: TextRules(2200, field="caption"),
    # The video's description; its title (at most 100 characters) is not generated text.
    Platform.YOUTUBE: TextRules(5000, max_hashtags=60, field="description"),
    Platform.PINTEREST: TextRules(500, field="description"),
    Platform.WEBHOOK: TextRules(None),
}

URL_RE = re.compile(r"\b(?:https?://|www\.)\S+?(?=[.,;:!?)\]}'\"\u2019\u201d]*(?:\s|$))", re.IGNORECASE)
HASHTAG_RE = re.compile(r"(?<![\w#&])#(?=\w*[^\W\d_])\w+")
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]")
_X_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))

# Where a thread may be split, coarsest first: paragraphs, lines, sentences, words; graphemes as a last resort.
_BOUNDARIES = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"\n\s*"),
    # Sentence ends, with the ideographic full stop and full-width marks that need no space after them.
    re.compile(r"(?<=[.!?\u2026\u3002\uff01\uff1f])\s+|(?<=[\u3002\uff01\uff1f])(?=\S)"),
    re.compile(r"\s+"),
)


def rules_for(platform: str) -> TextRules:
    return RULES[platform]


def platform_name(platform: str) -> str:
    return str(Platform(platform).label)


def _x_weight(grapheme: str) -> int:
    if _EMOJI.search(grapheme):
        return 2
    return sum(1 if any(lo <= ord(c) <= hi for lo, hi in _X_LIGHT) else 2 for c in grapheme)


def _count(counting: Counting, text: str) -> int:
    if counting == Counting.CODE_POINTS:
        return len(text)
    graphemes = _GRAPHEME.findall(text)
    if counting == Counting.GRAPHEMES:
        return len(graphemes)
    return sum(_x_weight(g) for g in graphemes)


def text_length(platform: str, text: str) -> int:
    """The length of `text` as the platform counts it against its limit."""
    rules = RULES[platform]
    if rules.counting == Counting.X_WEIGHTED:
        text = unicodedata.normalize("NFC", text)
    if rules.url_length is None:
        return _count(rules.counting, text)
    total, position = 0, 0
    for url in URL_RE.finditer(text):
        total += _count(rules.counting, text[position : url.start()]) + rules.url_length
        position = url.end()
    return total + _count(rules.counting, text[position:])


def hashtags(text: str) -> list[str]:
    return HASHTAG_RE.findall(text)


def text_problems(platform: str, text: str) -> list[str]:
    """What keeps `text` from being published as one post (caption, description) on the platform, in words."""
    rules, name = RULES[platform], platform_name(platform)
    if not text.strip():
        return [f"The {rules.field} is empty."]
    problems = []
    length = text_length(platform, text)
    if rules.max_length is not None and length > rules.max_length:
        advice = " Split it into a thread or shorten it." if rules.supports_threads else " Shorten it."
        problems.append(f"The {rules.field} is {length} characters long; {name} allows {rules.max_length}.{advice}")
    tags = len(hashtags(text))
    if rules.max_hashtags is not None and tags > rules.max_hashtags:
        problems.append(f"The {rules.field} has {tags} hashtags; {name} allows at most {rules.max_hashtags}.")
    return problems


def split_into_thread(platform: str, text: str) -> list[str]:
    """`text` as a thread of posts that each fit the platform's limit.

    Splits at the coarsest boundary that works (paragraph, line, sentence, word; inside a word only between
    graphemes) and numbers the parts "1/3", "2/3", ... when the numbers fit too. Text that fits, or a platform
    without threads or without a limit, comes back as one part (check it with `text_problems`).
    """
    rules = RULES[platform]
    text = text.strip()
    if not text:
        return []
    length = partial(text_length, platform)
    if rules.max_length is None or not rules.supports_threads or length(text) <= rules.max_length:
        return [text]
    parts = _pack(text, rules.max_length, length)
    return _numbered(text, parts, rules.max_length, length) or parts


def _numbered(text: str, plain: list[str], limit: int, length: Callable[[str], int]) -> list[str] | None:
    """The parts numbered, if the numbers fit without cutting a word that the plain split kept whole."""
    count = len(plain)
    # Room for the numbers can add a part, and one more part can widen the numbers: settle in a few rounds.
    for _ in range(3):
        parts = _pack(text, limit - length(f" {count}/{count}"), length)
        if len(parts) == count:
            numbered = [f"{part} {n}/{count}" for n, part in enumerate(parts, 1)]
            fits = all(length(part) <= limit for part in numbered)
            cuts_more = len(" ".join(parts).split()) > len(" ".join(plain).split())
            return numbered if fits and not cuts_more else None
        count = len(parts)
    return None


def _pack(text: str, budget: int, length: Callable[[str], int]) -> list[str]:
    """Greedily fill parts of at most `budget` with the pieces of `text`, keeping the separators within a part."""

    def fits(candidate: str) -> bool:
        return length(candidate) <= budget

    parts: list[str] = []
    current = ""
    for separator, piece in _pieces(text, fits, 0):
        candidate = f"{current}{separator}{piece}" if current else piece
        if fits(candidate):
            current = candidate
        else:
            parts.append(current)
            current = piece
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def _pieces(text: str, fits: Callable[[str], bool], level: int) -> Iterator[tuple[str, str]]:
    """(separator before it, piece) in order, each piece fitting, split finer only where a piece does not fit."""
    if level == len(_BOUNDARIES):
        yield from (("", chunk) for chunk in _chunks(text, fits))
        return
    for separator, piece in _split(text, _BOUNDARIES[level]):
        if fits(piece):
            yield separator, piece
            continue
        for index, (inner_separator, inner) in enumerate(_pieces(piece, fits, level + 1)):
            yield (separator if index == 0 else inner_separator), inner


def _split(text: str, boundary: re.Pattern[str]) -> list[tuple[str, str]]:
    pieces: list[tuple[str, str]] = []
    separator, position = "", 0
    for match in boundary.finditer(text):
        piece = text[position : match.start()]
        if piece:
            pieces.append((separator, piece))
            separator = ""
        separator += match.group()
        position = match.end()
    if text[position:]:
        pieces.append((separator, text[position:]))
    return pieces


def _chunks(word: str, fits: Callable[[str], bool]) -> Iterator[str]:
    """A word too long for one post, cut between graphemes; a single grapheme too long by itself (hundreds of
    combining marks) is cut between code points, as nothing else can fit it."""
    current = ""
    for grapheme in _GRAPHEME.findall(word):
        units = [grapheme] if fits(grapheme) else list(grapheme)
        for unit in units:
            if current and not fits(current + unit):
                yield current
                current = unit
            else:
                current += unit
    if current:
        yield current
