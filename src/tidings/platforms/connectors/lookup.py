"""Finding a post whose send went unanswered among the account's recent posts, for platforms that keep no key.

The platform lists the account's posts newest first; we keep those made since the send (less `CLOCK_SKEW`), match
the first post of the content by its text (whitespace collapsed, links removed, as platforms rewrite links) and by
the shape of its media, then follow the thread's replies. More than one match: the oldest. "Not there" must be
trustworthy, so a listing that may not reach back to the send is an error, never None.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from tidings.platforms.base import OutcomeUnknown, Published, TransientError
from tidings.platforms.media import MediaItem

# The platform's clock and ours may disagree; a post stamped a little before the send may still be ours.
CLOCK_SKEW = timedelta(minutes=5)
# Pages of the listing read at most; a send seconds or minutes ago is on the first.
MAX_PAGES = 5
_EARLIEST = datetime.min.replace(tzinfo=UTC)

_MENTION_HOST = re.compile(r"(?<![\w@])(@\w+)@[\w-]+(?:\.[\w-]+)+")
# A word that is or holds a link: a scheme, "www.", or a domain name (which X turns into a t.co link too).
_LINK = re.compile(r"://|^\W*www\.|[\w-]\.[a-z]{2,}(?:[/?#:]|\W*$)", re.IGNORECASE)


@dataclass(frozen=True)
class Seen:
    """One of the account's posts as the platform lists it."""

    id: str
    text: str
    created: datetime | None
    url: str = ""
    # What media it carries, in the connector's own words (see `media_shape`): compared with what we sent.
    shape: str = ""
    # The post it replies to, for threads.
    parent: str = ""


def normalised(text: str) -> str:
    """The words of a text without its links, whitespace collapsed; a mention keeps its name, not its server."""
    text = _MENTION_HOST.sub(r"\1", text)
    return " ".join(word for word in text.split() if not _LINK.search(word))


def media_shape(media: tuple[MediaItem, ...]) -> str:
    """How Meta's APIs describe a post's media: TEXT, IMAGE, VIDEO or CAROUSEL_ALBUM."""
    if not media:
        return "TEXT"
    if len(media) > 1:
        return "CAROUSEL_ALBUM"
    return "VIDEO" if media[0].kind == "video" else "IMAGE"


def parsed_time(value: object) -> datetime | None:
    """An ISO 8601 time (Meta's `+0000` and X's `.000Z` included); None when missing or unreadable."""
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when if when.tzinfo else None


def cutoff(sent_after: datetime | None) -> datetime | None:
    return None if sent_after is None else sent_after - CLOCK_SKEW


def recent(fetch: Callable[[str], tuple[list[Seen], str]], *, since: datetime | None) -> tuple[list[Seen], bool]:
    """The posts made since `since`, from `fetch(cursor)` -> (a page, newest first; the next page's cursor or "").

    Pages are followed until one reaches back past `since` or the listing ends, up to `MAX_PAGES`; the flag says
    whether the posts returned are all there are. Without `since`, the newest page is all we can go by.
    """
    posts: list[Seen] = []
    cursor, complete = "", False
    for _ in range(MAX_PAGES):
        page, cursor = fetch(cursor)
        posts += page
        if since is None or not cursor or any(p.created is not None and p.created < since for p in page):
            complete = True
            break
    # A post without a time (a server misbehaving) counts as recent: better looked at than missed.
    return [p for p in posts if since is None or p.created is None or p.created >= since], complete


def chain(posts: Iterable[Seen], parts: list[str], *, shape: str) -> list[Seen]:
    """Our posts among `posts`: the first part (no parent, same text and media), then each reply in turn; the
    oldest where several match. Empty when the first part is not there."""
    ordered = sorted(posts, key=lambda p: (p.created is None, p.created or _EARLIEST, p.id))
    found: list[Seen] = []
    for index, text in enumerate(parts):
        wanted = normalised(text)
        parent = found[-1].id if found else ""
        match = next(
            (
                p
                for p in ordered
                if p.parent == parent and normalised(p.text) == wanted and (index > 0 or p.shape == shape)
            ),
            None,
        )
        if match is None:
            break
        found.append(match)
    return found


def resolve(
    label: str, listing: tuple[list[Seen], bool], parts: list[str], *, shape: str, sees_replies: bool = True
) -> Published | None:
    """The answer to "did it go out?" from the account's recent posts.

    The whole thread there: its first post. Nothing there, and the listing complete: None, so it is sent again. The
    first post there but not the rest (or replies the platform does not show us): a thread cut short, which only
    the user can finish without posting twice, so the outcome stays unknown.
    """
    posts, complete = listing
    found = chain(posts, parts, shape=shape)
    if found and len(found) == len(parts):
        return Published(found[0].id, found[0].url)
    if not complete:
        raise TransientError(
            f"{label} lists more posts since the send than Tidings reads; it will look again before sending."
        )
    if not found:
        return None
    first = found[0].url or found[0].id
    if not sees_replies:
        raise OutcomeUnknown(
            f"The first post of the thread is on {label} ({first}), but Tidings cannot see replies there: "
            "check the rest of the thread and confirm it by hand."
        )
    raise OutcomeUnknown(
        f"{len(found)} of {len(parts)} posts of the thread are on {label} ({first}); the rest did not go out. "
        f"Not sent again, so nothing is posted twice: finish the thread on {label}."
    )


def with_comment_found(label: str, found: Published, listing: tuple[list[Seen], bool], comment: str) -> Published:
    """`found`, once its first comment (a reply to it with the comment's text) is among the posts too; else with
    a note that it was not found and not sent again, as a lookup cannot make it safe to send."""
    if not comment.strip():
        return found
    wanted = normalised(comment)
    if any(p.parent == found.external_id and normalised(p.text) == wanted for p in listing[0]):
        return found
    note = (
        f"The post went out, but its first comment was not found on {label} after an interrupted send; it was "
        f"not sent again, so nothing is posted twice. Add it by hand if it is missing: {comment.strip()}"
    )
    return replace(found, notice=note)
