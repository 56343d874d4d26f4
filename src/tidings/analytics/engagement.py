"""What counts as engagement: what people did with a post (likes, reposts, replies, quotes, clicks). Views are
left out: platforms count them too differently to add to the rest."""

from collections.abc import Sequence

ENGAGEMENT_NAMES = ("likes", "reposts", "replies", "quotes", "clicks")


def engagement_of(counts: Sequence[int | None]) -> int | None:
    """The sum of the counts the platform gave (in ENGAGEMENT_NAMES order), or None when it gave none of them."""
    known = [value for value in counts if value is not None]
    return sum(known) if known else None
