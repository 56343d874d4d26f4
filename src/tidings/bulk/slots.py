"""Where "next slot" in an import file meets the posting schedule (`tidings.planning`): each such row takes the next
slot free on every one of its accounts, after the slots earlier rows of the same file took."""

from collections.abc import Sequence
from datetime import datetime

from tidings.core.errors import InvalidInput
from tidings.planning.errors import NoFreeSlot
from tidings.planning.finder import next_free_slot
from tidings.platforms.models import SocialAccount
from tidings.workspaces.actors import Actor


def resolve_next_slot(
    actor: Actor, accounts: Sequence[SocialAccount], *, after: datetime, taken: Sequence[datetime]
) -> datetime:
    """The next free slot (UTC) on every one of `accounts`, later than `after` and not one of `taken`; refused with
    the schedule's own reason (no slots set, none free within the horizon) on the row's time."""
    try:
        at = next_free_slot(actor.workspace, accounts, after=after)
        while at in taken:
            at = next_free_slot(actor.workspace, accounts, after=at)
    except NoFreeSlot as refusal:
        raise InvalidInput(refusal.message, field="scheduled_at") from None
    return at
