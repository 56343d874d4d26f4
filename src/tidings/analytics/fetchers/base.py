"""What a platform's counts look like once read, and the small helpers every platform's reader shares."""

import re
from dataclasses import dataclass, fields
from typing import Any

from tidings.platforms.models import SocialAccount

COUNT_NAMES = ("likes", "reposts", "replies", "quotes", "views", "clicks")


@dataclass(frozen=True)
class PostCounts:
    """One reading of a published post. None is "the platform does not give this count to this app", never 0.

    `reason` says why counts are missing (all of them: the platform gives this app nothing; some: a permission
    the user did not grant). `lasting` marks a reason no reconnect or change of access can lift (a webhook).
    """

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None
    clicks: int | None = None
    reason: str = ""
    lasting: bool = False

    @property
    def unavailable(self) -> bool:
        return all(getattr(self, name) is None for name in COUNT_NAMES)

    def as_fields(self) -> dict[str, int | None]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in COUNT_NAMES}


def unavailable(reason: str, *, lasting: bool = False) -> PostCounts:
    return PostCounts(reason=reason, lasting=lasting)


def count(value: Any) -> int | None:
    """A count from a platform's JSON: an integer, or a string of digits (YouTube); None when absent or unreadable,
    so a missing number never turns into a zero."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def granted(account: SocialAccount, scope: str) -> bool | None:
    """Whether the account's sign-in granted `scope`: None when the platform did not tell us which scopes it gave
    (some token answers leave `scope` out), so the caller asks and reads the refusal instead."""
    recorded = set(re.split(r"[\s,]+", account.scopes.strip())) - {""}
    if not recorded:
        return None
    return scope in recorded


def mapping(value: Any) -> dict[str, Any]:
    """A JSON object from a platform's answer, or an empty one where it gave something else."""
    return value if isinstance(value, dict) else {}
