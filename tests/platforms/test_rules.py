"""Platform text rules: lengths as each platform counts them, problems in words, threads that fit."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tidings.platforms.models import Platform
from tidings.platforms.rules import RULES, hashtags, split_into_thread, text_length, text_problems

THREADED = [p for p, rules in RULES.items() if rules.supports_threads]


def test_every_platform_has_rules() -> None:
    assert set(RULES) == set(Platform.values)
    assert sorted(THREADED) == ["bluesky", "mastodon", "threads", "x"]
    assert {p: RULES[p].max_length for p in RULES} == {
        "bluesky": 300,
        "mastodon": 500,
        "x": 280,
        "linkedin": 3000,
        "facebook": 63206,
        "instagram": 2200,
        "threads": 500,
        "tiktok": 2200,
        "youtube": 5000,
        "pinterest": 500,
        "webhook": None,
    }
    assert RULES["instagram"].max_hashtags == 30


@pytest.mark.parametrize(
    ("platform", "text", "expected"),
    [
        ("bluesky", "e\u0301", 1),  # e + combining acute: one grapheme
        ("bluesky", "👨‍👩‍👧 🇿🇦", 3),  # a ZWJ family, a space, a flag
        ("linkedin", "e\u0301", 2),  # code points
        ("x", "hello", 5),
        ("x", "你好", 4),  # CJK weighs 2
        ("x", "👍🏽", 2),  # an emoji with a skin tone is one emoji
        ("x", "👨‍👩‍👧", 2),
        ("x", "e\u0301", 1),  # NFC makes it one code point
        ("x", "read https://example.com/a/very/long/path?with=query", 5 + 23),
        ("x", "see www.example.org.", 4 + 23 + 1),  # the full stop is not part of the link
        ("x", "\u201cquotes\u201d \u2013 dash", 15),  # U+2010-201F count 1
        ("mastodon", "go https://example.com/" + "x" * 100, 3 + 23),
        ("bluesky", "go https://example.com/" + "x" * 10, 3 + 30),  # Bluesky counts links in full
        # X recognises bare domains as twitter-text does (https://docs.x.com/fundamentals/counting-characters)
        ("x", "menu at example.com today", 8 + 23 + 6),
        ("x", "Read shop.example.co.uk/autumn.", 5 + 23 + 1),
        ("x", "example.jp", 10),  # one name under a country code, no path: text
        ("x", "example.jp/menu", 23),
        ("x", "t.co", 23),
        ("x", "node.js and file.py and me@example.com", 38),  # not domains, or an address
        # Threads: "Emojis are counted as the number of UTF-8 bytes" (https://developers.facebook.com/docs/threads/posts)
        ("threads", "👍", 4),
        ("threads", "👍🏽 ok", 8 + 3),
        ("threads", "👨‍👩‍👧", 18),
        ("threads", "é and 你好", 8),  # other characters count one each
        # YouTube's description is 5000 bytes; TikTok's caption and LinkedIn's commentary are UTF-16 units
        ("youtube", "é👍", 2 + 4),
        ("tiktok", "é👍", 1 + 2),
        ("linkedin", "👍🏽", 4),
    ],
)
def test_text_length_counts_as_the_platform_does(platform: str, text: str, expected: int) -> None:
    assert text_length(platform, text) == expected


def test_threads_takes_at_most_five_different_links() -> None:
    # "The number of links is restricted to 5 or fewer", counting unique URLs, bare domains included:
    # https://developers.facebook.com/documentation/threads/create-posts/text-attachments
    five = "a.com b.com/x c.org https://d.net www.e.io/ and again https://a.com www.c.org/"
    assert text_problems("threads", five) == []
    assert text_problems("threads", five + " f.com") == ["The post has 6 different links; Threads allows at most 5."]
    assert text_problems("x", five + " f.com") == []  # X has no such limit


def test_a_limit_in_bytes_says_bytes() -> None:
    assert text_problems("youtube", "é" * 2501) == [
        "The description is 5002 bytes long; YouTube allows 5000. Shorten it."
    ]
    assert text_problems("tiktok", "👍" * 1101) == [
        "The caption is 2202 characters long; TikTok allows 2200. Shorten it."
    ]


def test_hashtags_need_a_letter_and_ignore_entities() -> None:
    assert hashtags("#ai #1 a#b &#39; #é_x (#tea)") == ["#ai", "#é_x", "#tea"]


def test_problems_are_said_in_words() -> None:
    assert text_problems("bluesky", "short") == []
    assert text_problems("bluesky", "x" * 301) == [
        "The post is 301 characters long; Bluesky allows 300. Split it into a thread or shorten it."
    ]
    assert text_problems("instagram", " ".join(f"#tag{n}" for n in range(31))) == [
        "The caption has 31 hashtags; Instagram allows at most 30."
    ]
    assert text_problems("pinterest", "y" * 501) == [
        "The description is 501 characters long; Pinterest allows 500. Shorten it."
    ]
    assert text_problems("webhook", "z" * 100_000) == []
    assert text_problems("x", "  ") == ["The post is empty."]


def test_text_that_fits_is_one_part() -> None:
    assert split_into_thread("x", "  Hello there.  ") == ["Hello there."]
    assert split_into_thread("x", "") == []


def test_platforms_without_threads_keep_the_text_whole() -> None:
    text = "word " * 1000
    assert split_into_thread("instagram", text) == [text.strip()]


def test_paragraphs_are_preferred_and_parts_are_numbered() -> None:
    first, second = "A" * 200 + ".", "B" * 200 + "."
    assert split_into_thread("x", f"{first}\n\n{second}") == [f"{first} 1/2", f"{second} 2/2"]


def test_sentences_come_before_words() -> None:
    sentence = "This sentence is about fifty characters long, yes. "
    parts = split_into_thread("bluesky", sentence * 10)
    assert len(parts) == 2
    assert all(part.rsplit(" ", 1)[0].endswith("yes.") for part in parts)
    assert all(text_length("bluesky", part) <= 300 for part in parts)


def test_a_word_longer_than_a_post_is_cut_between_graphemes() -> None:
    parts = split_into_thread("bluesky", "👍🏽" * 700)
    assert [text_length("bluesky", part) for part in parts] == [300, 300, 112]
    assert [part.split(" ")[1] for part in parts] == ["1/3", "2/3", "3/3"]
    assert "".join(part.split(" ")[0] for part in parts) == "👍🏽" * 700


def test_numbering_is_left_out_when_it_would_not_fit() -> None:
    # In 9-grapheme posts the numbers (" 1/3") would cut the 9-letter words in two: no numbers then.
    from tidings.platforms import rules

    tiny = rules.TextRules(9, rules.Counting.GRAPHEMES, supports_threads=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(rules.RULES, "bluesky", tiny)
        parts = split_into_thread("bluesky", "abcdefghi " * 3)
    assert parts == ["abcdefghi", "abcdefghi", "abcdefghi"]


def unnumbered(parts: list[str]) -> list[str]:
    count = len(parts)
    if count > 1 and all(part.endswith(f" {n}/{count}") for n, part in enumerate(parts, 1)):
        return [re.sub(rf" {n}/{count}$", "", part) for n, part in enumerate(parts, 1)]
    return parts


UNITS = [*"abcdefghij你好ÉéüßÅ.!#", "👍🏽", "👨‍👩‍👧", "🇿🇦", "e\u0301"]
WORD = st.lists(st.sampled_from(UNITS), min_size=1, max_size=30).map("".join)
SEPARATOR = st.sampled_from([" ", " ", " ", "\n", "\n\n", ". ", "! "])
LINK = st.builds(lambda path: f"https://example.com/{path}", st.text(alphabet="abcxyz/", max_size=80))


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.one_of(WORD, LINK), min_size=1, max_size=250))
    return "".join(word + draw(SEPARATOR) for word in words)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(platform=st.sampled_from(THREADED), text=texts())
def test_every_part_fits_and_the_words_are_kept_in_order(platform: str, text: str) -> None:
    parts = split_into_thread(platform, text)
    limit = RULES[platform].max_length
    assert limit is not None
    assert parts
    assert all(part.strip() and text_length(platform, part) <= limit for part in parts)
    # Every word fits a post here, so no word is cut: the words come back as they were, in order.
    assert " ".join(unnumbered(parts)).split() == text.split()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(platform=st.sampled_from(THREADED), text=st.text(min_size=1, max_size=3000))
def test_any_text_splits_into_parts_that_fit_and_lose_nothing(platform: str, text: str) -> None:
    parts = split_into_thread(platform, text)
    limit = RULES[platform].max_length
    assert limit is not None
    assert all(text_length(platform, part) <= limit for part in parts)
    assert "".join("".join(unnumbered(parts)).split()) == "".join(text.split())


def test_the_connectors_count_as_compose_does_when_a_post_is_scheduled_and_sent() -> None:
    from tidings.platforms.base import Content
    from tidings.platforms.connectors.threads import ThreadsConnector
    from tidings.platforms.connectors.x import XConnector
    from tidings.platforms.models import SocialAccount

    links = " ".join(f"site{n}.com" for n in range(6))
    assert ThreadsConnector().validate(SocialAccount(platform="threads"), Content(text=links)) == [
        "The post has 6 different links; Threads allows at most 5."
    ]
    # 11 bare domains: 11 * 23 + 10 spaces = 263 of X's 280, where their own length would be 110.
    domains = " ".join(f"shop{n:02}.example.com/p" for n in range(11))
    assert text_length("x", domains) == 11 * 23 + 10
    assert XConnector().validate(SocialAccount(platform="x"), Content(text=domains + " " + "x" * 16)) == []
    # 280 fits one post; one more character and it goes out as a thread of two.
    assert text_length("x", domains + " " + "x" * 16) == 280
    assert len(split_into_thread("x", domains + " " + "x" * 16)) == 1
    assert len(split_into_thread("x", domains + " " + "x" * 17)) == 2
