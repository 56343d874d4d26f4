"""Where "next slot" in an import file plugs into the posting schedule (`tidings.planning`).

This is the one place an import asks for a slot: until the planning room is installed, a row asking for the next
slot is refused with a plain reason instead of being guessed a time."""

import importlib
from collections.abc import Sequence
from datetime import datetime

from tidings.core.errors import InvalidInput
from tidings.platforms.models import SocialAccount
from tidings.workspaces.actors import Actor

UNAVAILABLE = "Posting slots are not available on this server; give a time instead of “next slot”."


def resolve_next_slot(
    actor: Actor, accounts: Sequence[SocialAccount], *, after: datetime, taken: Sequence[datetime]
) -> datetime:
    """The next free slot (UTC) on every one of `accounts`, later than `after` and not one of `taken` (the slots
    earlier rows of the same file took). Refused when the workspace has no slot schedule."""
    try:
        planning = importlib.import_module("tidings.planning")
        next_free_slot = planning.next_free_slot
    except (ImportError, AttributeError):
        raise InvalidInput(UNAVAILABLE, field="scheduled_at") from None
    at = next_free_slot(actor.workspace, accounts=list(accounts), after=after, taken=list(taken))
    if not isinstance(at, datetime):
        raise InvalidInput("There is no free posting slot for these accounts.", field="scheduled_at")
    return at
