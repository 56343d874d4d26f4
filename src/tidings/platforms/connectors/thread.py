"""Hand-written threads and first comments: what the connectors that have them share.

A post with hand-written parts goes out as written, one post per part with its own files; only a single text that
is simply too long is still split automatically. A hand-written post that does not fit is refused at compose and
schedule rather than split, so what the user reads in the composer is what goes out. The first comment replies to
the first post once the whole thread is out; when it fails, the post stays published and the failure, with the
comment's text, is kept on the target (`Published.notice`), because sending the post again would post it twice.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from tidings.platforms.base import Content, OutcomeUnknown, Published, PublishFailure, StillProcessing
from tidings.platforms.media import MediaItem
from tidings.platforms.models import Platform
from tidings.platforms.rules import TextRules, platform_name, rules_for, split_into_thread, text_length, text_problems

# Our cap on one thread, so a runaway text cannot become a hundred posts.
MAX_THREAD_PARTS = 25

# How long a comment may be where it is not a post of its own, in characters (code points):
# Facebook "message" of POST /{object-id}/comments: 8000 (https://developers.facebook.com/docs/graph-api/reference/object/comments);
# Instagram comments follow the caption's 2200 (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments);
# LinkedIn comments 1250 ("message.text", https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api);
# YouTube `snippet.topLevelComment.snippet.textOriginal`: 10000 (https://developers.google.com/youtube/v3/docs/comments).
COMMENT_LIMITS: dict[str, int] = {
    Platform.FACEBOOK: 8000,
    Platform.INSTAGRAM: 2200,
    Platform.LINKEDIN: 1250,
    Platform.YOUTUBE: 10000,
}


_SPLIT_ADVICE = " Split it into a thread or shorten it."
_HAND_ADVICE = " Shorten it, or move some of it to a post of its own."


@dataclass(frozen=True)
class Piece:
    """One post of what goes out: its text and its own files."""

    text: str
    media: tuple[MediaItem, ...] = ()


def pieces(platform: str, content: Content, text: str, *, rules: TextRules | None = None) -> list[Piece]:
    """The posts `content` goes out as, `text` being its first post's full text (with the link where it goes).

    Hand-written parts go out as written; without them a text too long for one post is split, its files on the
    first post; `rules` are the account's own limits where its server sets them (a Mastodon instance)."""
    if content.parts:
        return [Piece(text.strip(), content.media), *(Piece(part.text.strip(), part.media) for part in content.parts)]
    split = split_into_thread(platform, text, rules=rules) or [""]
    return [Piece(split[0], content.media), *(Piece(part) for part in split[1:])]


def post_label(number: int) -> str:
    return "The first post" if number == 1 else f"Post {number} of the thread"


def hand_thread_problems(
    platform: str,
    content: Content,
    text: str,
    *,
    media_check: Callable[[tuple[MediaItem, ...]], list[str]],
    rules: TextRules | None = None,
) -> list[str]:
    """Each hand-written post on its own: its text fits as it is (it is not split) and its files pass the rules.
    A post may be files alone where the platform takes that (`media_check` says what the files need)."""
    posts = pieces(platform, content, text, rules=rules)
    problems: list[str] = []
    if len(posts) > MAX_THREAD_PARTS:
        problems.append(
            f"This thread has {len(posts)} posts; Tidings sends at most {MAX_THREAD_PARTS} to "
            f"{platform_name(platform)}."
        )
    for number, piece in enumerate(posts, start=1):
        label = post_label(number)
        if not piece.text and not piece.media:
            problems.append(f"{label} is empty: write something or remove it.")
            continue
        if piece.text:
            # Not split: a hand-written post goes out as written, so the advice is the user's to act on.
            said = [p.replace(_SPLIT_ADVICE, _HAND_ADVICE) for p in text_problems(platform, piece.text, rules=rules)]
            problems += [f"{label}: {problem}" for problem in said]
        problems += [f"{label}: {problem}" for problem in media_check(piece.media)]
    return problems


def comment_problems(platform: str, comment: str) -> list[str]:
    """Whether the first comment fits: as a post where it is one (a reply), else the platform's comment limit."""
    if not comment.strip():
        return []
    name = platform_name(platform)
    limit = COMMENT_LIMITS.get(platform)
    if limit is not None:
        length = len(comment)
    else:
        limit, length = rules_for(platform).max_length, text_length(platform, comment)
    if limit is not None and length > limit:
        return [f"The first comment is {length} characters long; {name} allows {limit}. Shorten it."]
    return []


def with_comment(
    label: str,
    published: Published,
    comment: str,
    post_comment: Callable[[Published], object],
    *,
    passes: tuple[type[PublishFailure], ...] = (),
) -> Published:
    """Post the first comment under `published`; a failure leaves the post published, the failure in its note.

    `passes` are errors the connector handles itself (an expired session it renews before writing again); a
    comment still processing (a Threads reply container) is waited for like any other post."""
    if not comment.strip():
        return published
    try:
        post_comment(published)
    except PublishFailure as error:
        if isinstance(error, (StillProcessing, *passes)):
            raise
        said = comment_failed(label, error, comment)
        return replace(published, notice=f"{published.notice} {said}".strip())
    return published


def comment_failed(label: str, error: PublishFailure, comment: str) -> str:
    if isinstance(error, OutcomeUnknown):
        what = f"The post went out; {label} did not answer when its first comment was sent, so it may be there."
    else:
        what = f"The post went out, but its first comment did not: {error.message}"
    return f"{what} Not sent again, so nothing is posted twice; add it by hand if it is missing: {comment}"


def comment_unchecked(label: str, published: Published, comment: str) -> Published:
    """A post found after an interrupted send whose first comment cannot be looked for: said, never re-sent."""
    if not comment.strip() or published.notice:
        return published
    note = (
        f"The post went out, but after an interrupted send Tidings cannot tell whether its first comment did on "
        f"{label}; it was not sent again, so nothing is posted twice. Add it by hand if it is missing: {comment}"
    )
    return replace(published, notice=note)
