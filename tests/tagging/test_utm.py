"""Adding UTM tags to links: the rest of the address is kept as written, tags already there win, anything but an
http(s) link is left alone, and tagging twice is tagging once."""

import pytest

from tidings.platforms.base import Content, ThreadPart
from tidings.tagging.utm import Tags, tag_content, tag_text, tag_url

TAGS = Tags(source="mastodon", medium="social", campaign="spring menu")
UTM = "utm_source=mastodon&utm_medium=social&utm_campaign=spring+menu"


@pytest.mark.parametrize(
    ("url", "tagged"),
    [
        ("https://example.com/menu", f"https://example.com/menu?{UTM}"),
        ("https://example.com", f"https://example.com?{UTM}"),
        ("http://example.com/a?b=1&c=%2F", f"http://example.com/a?b=1&c=%2F&{UTM}"),
        ("https://example.com/a?", f"https://example.com/a?{UTM}"),
        ("https://example.com/a?b=1&", f"https://example.com/a?b=1&{UTM}"),
        ("https://example.com/a#menu", f"https://example.com/a?{UTM}#menu"),
        ("https://example.com/a?b=1#x?y", f"https://example.com/a?b=1&{UTM}#x?y"),
        ("HTTPS://Example.com/Menu", f"HTTPS://Example.com/Menu?{UTM}"),
    ],
)
def test_the_query_and_the_fragment_are_kept(url: str, tagged: str) -> None:
    assert tag_url(url, TAGS) == tagged


def test_tags_the_link_has_are_not_replaced_and_the_missing_ones_added() -> None:
    url = "https://example.com/?utm_source=newsletter&utm_campaign=&x=1"
    assert tag_url(url, TAGS) == f"{url}&utm_medium=social"


@pytest.mark.parametrize(
    "url",
    ["mailto:hi@example.com", "ftp://example.com/file", "www.example.com/menu", "example.com", "https://", "/menu"],
)
def test_anything_but_an_http_link_is_untouched(url: str) -> None:
    assert tag_url(url, TAGS) == url


def test_tagging_twice_changes_nothing() -> None:
    once = tag_url("https://example.com/a?b=1#top", TAGS)
    assert tag_url(once, TAGS) == once
    text = tag_text("Menu: https://example.com/a. More at https://example.com/b!", TAGS)
    assert tag_text(text, TAGS) == text


def test_blank_values_are_left_out_and_no_tags_means_no_change() -> None:
    assert tag_url("https://example.com/", Tags(source="x", medium="social")) == (
        "https://example.com/?utm_source=x&utm_medium=social"
    )
    assert tag_url("https://example.com/", None) == "https://example.com/"


def test_every_http_link_in_a_text_is_tagged_and_the_words_around_them_kept() -> None:
    text = "New menu (https://example.com/menu), see www.example.com or mail hi@example.com. Book: http://b.example/x."
    assert tag_text(text, TAGS) == (
        f"New menu (https://example.com/menu?{UTM}), see www.example.com or mail hi@example.com. "
        f"Book: http://b.example/x?{UTM}."
    )


def test_the_whole_content_is_tagged_link_text_thread_and_comment() -> None:
    content = Content(
        text="Read https://example.com/a",
        link="https://example.com/a",
        parts=(ThreadPart(text="And https://example.com/b"),),
        first_comment="Source: https://example.com/c",
    )
    tagged = tag_content(content, TAGS)
    assert tagged.text == f"Read https://example.com/a?{UTM}"
    assert tagged.link == f"https://example.com/a?{UTM}"
    assert tagged.parts[0].text == f"And https://example.com/b?{UTM}"
    assert tagged.first_comment == f"Source: https://example.com/c?{UTM}"
    assert tag_content(content, None) is content
    assert tag_content(Content(text="No link"), TAGS).link == ""
