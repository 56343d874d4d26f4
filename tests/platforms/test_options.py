"""Per-post platform options: each platform's defaults, what it refuses and the message the user sees."""

import pytest

from tidings.core.errors import InvalidInput
from tidings.platforms.options import clean_options, clean_platform_options, effective_options


def test_options_are_normalised_with_their_defaults() -> None:
    assert clean_options("youtube", {"privacy": "unlisted", "tags": [" launch ", "", "big day"]}) == {
        "title": "",
        "privacy": "unlisted",
        "made_for_kids": False,
        "tags": ["launch", "big day"],
    }
    assert clean_options("mastodon", {"language": "DE", "spoiler_text": "  Food  "}) == {
        "visibility": None,
        "spoiler_text": "Food",
        "language": "de",
    }
    assert clean_options("bluesky", {"langs": ["en", "en", "pt-BR"]}) == {"langs": ["en", "pt-BR"]}
    assert clean_options("x", {}) == {}
    assert effective_options("x", {}) == {"reply_settings": "everyone"}
    assert effective_options("facebook", {}) == {}


def test_tiktok_has_no_preset_and_everything_off() -> None:
    assert effective_options("tiktok", {}) == {
        "privacy_level": None,
        "allow_comment": False,
        "allow_duet": False,
        "allow_stitch": False,
        "commercial": False,
        "your_brand": False,
        "branded_content": False,
        "ai_generated": False,
    }
    # Brand choices without the disclosure switch are dropped, not sent.
    assert clean_options("tiktok", {"your_brand": True})["your_brand"] is False


@pytest.mark.parametrize(
    ("platform", "raw", "message"),
    [
        ("youtube", {"privacy": "secret"}, "YouTube privacy: Input should be 'public', 'unlisted' or 'private'."),
        ("youtube", {"title": "a <b>"}, "YouTube title: a YouTube title cannot contain < or >."),
        ("youtube", {"tags": ["x" * 501]}, "YouTube tags: the tags come to 501 characters; YouTube allows 500 in all."),
        ("youtube", {"colour": "red"}, "YouTube has no option named 'colour'."),
        (
            "tiktok",
            {"privacy_level": "PUBLIC_TO_EVERYONE", "commercial": True},
            "TikTok: you said the video promotes something: say whether it is your brand, branded content, or both.",
        ),
        (
            "tiktok",
            {"privacy_level": "SELF_ONLY", "commercial": True, "branded_content": True},
            "TikTok: branded content cannot be private (only me); choose who else can see it.",
        ),
        (
            "tiktok",
            {"privacy_level": "FRIENDS"},
            "TikTok privacy: Input should be 'PUBLIC_TO_EVERYONE', "
            "'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR' or 'SELF_ONLY'.",
        ),
        (
            "mastodon",
            {"language": "xx"},
            "Mastodon language: 'xx' is not a two-letter ISO 639-1 language code (such as en or de).",
        ),
        (
            "mastodon",
            {"visibility": "everyone"},
            "Mastodon visibility: Input should be 'public', 'unlisted', 'private' or 'direct'.",
        ),
        (
            "bluesky",
            {"langs": ["en", "de", "fr", "es"]},
            "Bluesky languages: List should have at most 3 items after validation, not 4.",
        ),
        (
            "bluesky",
            {"langs": ["english!"]},
            "Bluesky languages: 'english!' is not a language tag (such as en or pt-BR).",
        ),
        ("pinterest", {"title": "t" * 101}, "Pinterest title: String should have at most 100 characters."),
        (
            "x",
            {"reply_settings": "nobody"},
            "X reply settings: Input should be 'everyone', 'following', 'mentionedUsers', 'subscribers' or 'verified'.",
        ),
        ("facebook", {"anything": 1}, "Facebook Pages takes no post options."),
    ],
)
def test_refusals_say_what_to_fix(platform: str, raw: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_options(platform, raw)
    assert refused.value.message == message
    assert refused.value.details["field"] == "options"


def test_rule_options_are_cleaned_per_platform() -> None:
    assert clean_platform_options({"x": {"reply_settings": "following"}, "bluesky": {}}) == {
        "x": {"reply_settings": "following"}
    }
    with pytest.raises(InvalidInput, match="'myspace' is not a platform"):
        clean_platform_options({"myspace": {}})


def test_the_options_other_connectors_read_are_accepted() -> None:
    assert clean_options("pinterest", {"cover_seconds": 3}) == {"board_id": "", "title": "", "cover_seconds": 3}
    assert clean_options("linkedin", {"title": "Our annual report"}) == {"title": "Our annual report"}
    with pytest.raises(InvalidInput, match="Pinterest cover: Input should be greater than or equal to 0"):
        clean_options("pinterest", {"cover_seconds": -1})
