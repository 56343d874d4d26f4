"""The text rules of each platform: how long a post may be, how the platform counts it, hashtags and threads.

Text only; media rules and publishing belong to the connectors. How each platform counts:

- Bluesky: 300 graphemes (user-perceived characters).
  https://docs.bsky.app/docs/advanced-guides/post-richtext
- X: 280 "weighted" characters, an approximation of twitter-text v3: the text is NFC-normalised, every URL counts
  as 23, an emoji (a whole grapheme cluster, with modifiers and joiners) counts as 2, and every other code point
  counts 1 when it is below U+1100 or in a few punctuation ranges (U+2000-200D, U+2010-201F, U+2032-2037) and
  2 otherwise (CJK and most non-Latin scripts beyond that). As twitter-text does, a bare domain is a URL too
  ("example.com/menu", "shop.example.co.uk"), except one name under a country code without a path
  ("example.jp"), which X leaves as text ("t.co" excepted). https://docs.x.com/fundamentals/counting-characters
- Mastodon: 500 graphemes, every URL counted as 23 (its StatusLengthValidator). Remote mentions are counted in
  full here, where Mastodon counts only the user name: the count errs on the safe side.
- Threads: 500 characters, where an emoji counts as its UTF-8 bytes (👍 is 4, 👍🏽 8), and at most 5 distinct
  links, bare domains included ("Limitations" in https://developers.facebook.com/docs/threads/posts; links as
  counted in https://developers.facebook.com/documentation/threads/create-posts/text-attachments).
- YouTube: the description holds 5000 UTF-8 bytes (`snippet.description` in
  https://developers.google.com/youtube/v3/docs/videos#properties).
- TikTok: the caption (`post_info.title`) holds 2200 UTF-16 code units ("runes"),
  https://developers.tiktok.com/doc/content-posting-api-reference-direct-post; LinkedIn's commentary 3000
  characters, counted the same way (LinkedIn's servers count Java characters), so an emoji is 2.
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
    # Code points, each emoji counted as its UTF-8 bytes (Threads).
    EMOJI_BYTES = "emoji_bytes"
    UTF8_BYTES = "utf8_bytes"
    UTF16_UNITS = "utf16_units"


@dataclass(frozen=True)
class TextRules:
    max_length: int | None
    counting: Counting = Counting.CODE_POINTS
    url_length: int | None = None
    supports_threads: bool = False
    max_hashtags: int | None = None
    field: str = "post"
    # Distinct links a post may carry, and whether a bare domain ("example.com") is a link.
    max_links: int | None = None
    bare_domains: bool = False

    @property
    def unit(self) -> str:
        return "bytes" if self.counting == Counting.UTF8_BYTES else "characters"


RULES: dict[str, TextRules] = {
    Platform.BLUESKY: TextRules(300, Counting.GRAPHEMES, supports_threads=True),
    Platform.X: TextRules(280, Counting.X_WEIGHTED, url_length=23, supports_threads=True, bare_domains=True),
    Platform.MASTODON: TextRules(500, Counting.GRAPHEMES, url_length=23, supports_threads=True),
    Platform.THREADS: TextRules(500, Counting.EMOJI_BYTES, supports_threads=True, max_links=5, bare_domains=True),
    Platform.LINKEDIN: TextRules(3000, Counting.UTF16_UNITS),
    Platform.FACEBOOK: TextRules(63206),
    Platform.INSTAGRAM: TextRules(2200, max_hashtags=30, field="caption"),
    Platform.TIKTOK: TextRules(2200, Counting.UTF16_UNITS, field="caption"),
    # The video's description; its title (at most 100 characters) is not generated text.
    Platform.YOUTUBE: TextRules(5000, Counting.UTF8_BYTES, max_hashtags=60, field="description"),
    Platform.PINTEREST: TextRules(500, field="description"),
    Platform.WEBHOOK: TextRules(None),
}

URL_RE = re.compile(r"\b(?:https?://|www\.)\S+?(?=[.,;:!?)\]}'\"\u2019\u201d]*(?:\s|$))", re.IGNORECASE)
# Top-level domains a bare domain may end in: the country codes, and the generic names people write (twitter-text
# knows every delegated name; a bare domain under a rarer one is counted here as plain text).
_CCTLD_NAMES = (
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz ca cc "
    "cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga "
    "gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo "
    "jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr "
    "ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re "
    "ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr "
    "tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw"
)
_GTLD_NAMES = (
    "com net org edu gov mil int info biz name pro aero asia cat coop jobs mobi museum post tel travel app dev page "
    "blog shop store online site website tech xyz club top live news cloud email link art design media studio space "
    "world today life social agency digital network group company center solutions services support systems "
    "software tools zone academy africa bar berlin bike build business cafe city click coffee community computer "
    "consulting cool directory education energy events exchange expert family finance fitness fun fund games "
    "gallery global gmbh guide guru health help house inc institute international land legal love ltd management "
    "market marketing menu money movie nyc one partners party photo photography photos pizza place plus press "
    "productions pub recipes red reviews rocks run sale school science show ski studio style team technology tickets "
    "tips tokyo tours town trade training university vacations ventures video vip vision vote watch web wiki win "
    "wine work works yoga bio eco ngo"
)
_CCTLDS, _GTLDS = frozenset(_CCTLD_NAMES.split()), frozenset(_GTLD_NAMES.split())
_SHORT_DOMAINS = frozenset({"t.co"})
_TLD = "|".join(sorted(_CCTLDS | _GTLDS, key=len, reverse=True))
_BARE_DOMAIN = re.compile(
    rf"(?<![\w@#$./\-])(?P<host>(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLD}))(?![\w-])"
    rf"(?P<path>(?::\d+)?/\S*?)?(?=[.,;:!?)\]}}'\"\u2019\u201d]*(?:\s|$))",
    re.IGNORECASE,
)
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
    if counting == Counting.UTF8_BYTES:
        return len(text.encode())
    if counting == Counting.UTF16_UNITS:
        return len(text.encode("utf-16-le")) // 2
    graphemes = _GRAPHEME.findall(text)
    if counting == Counting.GRAPHEMES:
        return len(graphemes)
    if counting == Counting.EMOJI_BYTES:
        return sum(len(g.encode()) if _EMOJI.search(g) else len(g) for g in graphemes)
    return sum(_x_weight(g) for g in graphemes)


def links(platform: str, text: str) -> list[tuple[int, int]]:
    """Where the platform sees links in `text`, as (start, end): written with http(s):// or www., and bare
    domains where the platform takes them as links too."""
    found = [(url.start(), url.end()) for url in URL_RE.finditer(text)]
    if not RULES[platform].bare_domains:
        return found
    for bare in _BARE_DOMAIN.finditer(text):
        start, end = bare.span()
        if any(s <= start < e or start <= s < end for s, e in found):
            continue
        host = bare.group("host").lower()
        labels = host.split(".")
        if labels[-1] in _CCTLDS and len(labels) == 2 and not bare.group("path") and host not in _SHORT_DOMAINS:
            continue  # "example.jp": twitter-text's invalid short domain
        found.append((start, end))
    return sorted(found)


def text_length(platform: str, text: str, *, rules: TextRules | None = None) -> int:
    """The length of `text` as the platform counts it against its limit (`rules` where the account's server has
    its own, as a Mastodon instance does)."""
    rules = rules or RULES[platform]
    if rules.counting == Counting.X_WEIGHTED:
        text = unicodedata.normalize("NFC", text)
    if rules.url_length is None:
        return _count(rules.counting, text)
    total, position = 0, 0
    for start, end in links(platform, text):
        total += _count(rules.counting, text[position:start]) + rules.url_length
        position = end
    return total + _count(rules.counting, text[position:])


def hashtags(text: str) -> list[str]:
    return HASHTAG_RE.findall(text)


def text_problems(platform: str, text: str, *, rules: TextRules | None = None) -> list[str]:
    """What keeps `text` from being published as one post (caption, description) on the platform, in words."""
    rules, name = rules or RULES[platform], platform_name(platform)
    if not text.strip():
        return [f"The {rules.field} is empty."]
    problems = []
    length = text_length(platform, text, rules=rules)
    if rules.max_length is not None and length > rules.max_length:
        advice = " Split it into a thread or shorten it." if rules.supports_threads else " Shorten it."
        problems.append(f"The {rules.field} is {length} {rules.unit} long; {name} allows {rules.max_length}.{advice}")
    tags = len(hashtags(text))
    if rules.max_hashtags is not None and tags > rules.max_hashtags:
        problems.append(f"The {rules.field} has {tags} hashtags; {name} allows at most {rules.max_hashtags}.")
    if rules.max_links is not None:
        distinct = {_link_key(text[start:end]) for start, end in links(platform, text)}
        if len(distinct) > rules.max_links:
            problems.append(
                f"The {rules.field} has {len(distinct)} different links; {name} allows at most {rules.max_links}."
            )
    return problems


def _link_key(link: str) -> str:
    """A link as the same link however it is written: without its scheme, "www." or a trailing slash."""
    bare = re.sub(r"^(?:https?://)?(?:www\.)?", "", link, flags=re.IGNORECASE)
    return bare.rstrip("/").lower()


def split_into_thread(platform: str, text: str, *, rules: TextRules | None = None) -> list[str]:
    """`text` as a thread of posts that each fit the platform's limit.

    Splits at the coarsest boundary that works (paragraph, line, sentence, word; inside a word only between
    graphemes) and numbers the parts "1/3", "2/3", ... when the numbers fit too. Text that fits, or a platform
    without threads or without a limit, comes back as one part (check it with `text_problems`).
    """
    rules = rules or RULES[platform]
    text = text.strip()
    if not text:
        return []
    length = partial(text_length, platform, rules=rules)
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
