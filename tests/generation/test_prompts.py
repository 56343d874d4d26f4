"""What the prompts ask for: every field of the brief, and the target platform's own rules."""

import re

import pytest

from tidings.generation.brief import Brief, clean_brief
from tidings.generation.prompts import (
    ANGLES,
    PROMPT_VERSION,
    generate_messages,
    rewrite_messages,
    shorten_messages,
)
from tidings.platforms.models import Platform
from tidings.platforms.rules import RULES

BRIEF = clean_brief(
    Brief(
        topic="Our bakery opens a second shop on Main Street",
        tone="warm and cheerful",
        audience="families in the neighbourhood",
        call_to_action="Visit us this Saturday for a free croissant",
        language="German",
        link="https://bakery.example/second-shop",
        hashtags=("bakery", "#MainStreet"),
    )
)


def prompt(messages: list) -> str:
    return "\n".join(m.content for m in messages)


def test_the_version_is_dated() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d+", PROMPT_VERSION)


@pytest.mark.parametrize("platform", Platform.values)
def test_generation_asks_for_every_field_of_the_brief(platform: str) -> None:
    system, user = generate_messages(BRIEF, platform=platform)
    assert (system.role, user.role) == ("system", "user")
    assert "Topic: Our bakery opens a second shop on Main Street" in user.content
    assert "Tone: warm and cheerful" in user.content
    assert "Audience: families in the neighbourhood" in user.content
    assert "Call to action (end with it, in your own words): Visit us this Saturday for a free croissant" in (
        user.content
    )
    assert "Language: write in German." in user.content
    assert "Link (include it once, exactly as written): https://bakery.example/second-shop" in user.content
    assert "use these, exactly as written: #bakery #MainStreet." in system.content
    assert f"ready to publish on {Platform(platform).label}" in system.content
    assert "Reply with the text to publish and nothing else" in system.content
    assert "Do not invent numbers, quotes, names, dates or links." in system.content


@pytest.mark.parametrize(
    ("platform", "rule"),
    [
        ("bluesky", "- Length: at most 300 characters per post."),
        ("x", "- Length: at most 280 characters per post (every link counts as 23 characters; emoji and"),
        ("mastodon", "- Length: at most 500 characters per post (every link counts as 23 characters)."),
        ("threads", "- Length: at most 500 characters per post (each emoji counts as its UTF-8 bytes, up to 4"),
        ("linkedin", "- Length: at most 3000 characters per post."),
        ("facebook", "- Length: at most 63206 characters per post."),
        ("instagram", "- Length: at most 2200 characters per caption."),
        ("tiktok", "- Length: at most 2200 characters per caption."),
        ("youtube", "- Length: at most 5000 bytes per description (an accented letter counts as 2, an emoji as 4)."),
        ("pinterest", "- Length: at most 500 characters per description."),
        ("webhook", "- Length: no fixed limit; keep the post concise."),
    ],
)
def test_generation_states_the_platforms_limit(platform: str, rule: str) -> None:
    assert rule in generate_messages(BRIEF, platform=platform)[0].content


@pytest.mark.parametrize("platform", Platform.values)
def test_threads_are_offered_only_where_the_platform_has_them(platform: str) -> None:
    system = generate_messages(BRIEF, platform=platform)[0].content
    rules = RULES[platform]
    if rules.supports_threads:
        assert f"more than {rules.max_length} characters, write a short thread" in system
        assert "do not number them (numbering is added automatically)" in system
    else:
        assert "thread" not in system
    if rules.max_length and not rules.supports_threads:
        assert f"Everything must fit in one {rules.field} of at most {rules.max_length} characters." in system


def test_hashtag_rules_follow_the_platform() -> None:
    assert "Instagram allows at most 30 hashtags." in generate_messages(BRIEF, platform="instagram")[0].content
    plain = Brief(topic="Bread")
    assert "- Hashtags: at most 3 relevant hashtags" in generate_messages(plain, platform="x")[0].content
    assert "#" not in generate_messages(plain, platform="x")[1].content


def test_optional_fields_are_left_out_when_empty() -> None:
    user = generate_messages(clean_brief(Brief(topic="Bread")), platform="x")[1].content
    assert user == "Write a post for X from this brief.\n\nTopic: Bread\nLanguage: write in English."


def test_variants_each_take_their_own_angle() -> None:
    users = [generate_messages(BRIEF, platform="x", variant=n, variants=3)[1].content for n in (1, 2, 3)]
    for n, user in enumerate(users, 1):
        assert f"This is version {n} of 3. {ANGLES[n - 1]}" in user
    assert "version" not in generate_messages(BRIEF, platform="x")[1].content


def test_rewrite_carries_the_text_the_instruction_and_the_rules() -> None:
    system, user = rewrite_messages(text="We're open!", instruction="make it formal", platform="linkedin")
    assert "at most 3000 characters" in system.content
    assert "Instruction: make it formal" in user.content
    assert user.content.endswith("Text:\nWe're open!")


def test_shorten_asks_for_one_post_of_the_target_length() -> None:
    system, user = shorten_messages(text="A long post.", platform="x", target=252)
    assert "at most 280 characters" in system.content
    assert "thread" not in system.content
    assert "to at most 252 characters, as a single post, not a thread" in user.content
    assert "Do not cut words off." in user.content
    assert user.content.endswith("Text:\nA long post.")
