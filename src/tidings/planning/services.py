"""Setting the posting schedule and putting posts into it. Slots are planning, so they take the right to schedule;
a post goes into its slot through `schedule_post`, with every check and reservation scheduling makes."""

import logging
from collections.abc import Iterable
from datetime import time

from django.db import transaction

from tidings.core.errors import DomainError, InvalidInput, NotFound
from tidings.credits.services import lock_workspace
from tidings.planning.finder import next_free_slot
from tidings.planning.models import PostingSlot
from tidings.platforms.models import SocialAccount
from tidings.posts.models import Post
from tidings.posts.services import READY, get_post, remember_refusal, schedule_post
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action

logger = logging.getLogger(__name__)
MAX_SLOTS_PER_WEEK = 7 * 24


def _account(actor: Actor, account_id: int | None) -> SocialAccount | None:
    """The workspace's own account (an id from elsewhere is as absent as a missing one), or None for all."""
    if account_id is None:
        return None
    account = SocialAccount.objects.filter(workspace=actor.workspace, pk=account_id).first()
    if account is None:
        raise NotFound("No such account.")
    return account


def _clean(weekday: int, at: time) -> tuple[int, time]:
    if not 0 <= weekday <= 6:
        raise InvalidInput("Pick a day of the week (0 is Monday, 6 is Sunday).", field="weekday")
    return weekday, at.replace(second=0, microsecond=0, tzinfo=None)


def set_slots(actor: Actor, *, account_id: int | None, slots: Iterable[tuple[int, time]]) -> list[PostingSlot]:
    """Replace one schedule (an account's, or the workspace's with `account_id` None) with `slots`, weekday and
    local time pairs. An empty list removes it: the account then follows the workspace's schedule."""
    actor.require(Action.SCHEDULE)
    account = _account(actor, account_id)
    wanted = sorted({_clean(weekday, at) for weekday, at in slots})
    if len(wanted) > MAX_SLOTS_PER_WEEK:
        raise InvalidInput(f"A schedule holds at most {MAX_SLOTS_PER_WEEK} slots a week.", field="slots")
    with transaction.atomic():
        PostingSlot.objects.filter(workspace=actor.workspace, account=account).delete()
        created = PostingSlot.objects.bulk_create(
            PostingSlot(workspace=actor.workspace, account=account, weekday=weekday, time=at) for weekday, at in wanted
        )
    logger.info("slots.set workspace=%s account=%s slots=%s", actor.workspace.pk, account_id, len(created))
    return created


def add_slot(actor: Actor, *, account_id: int | None, weekday: int, at: time) -> PostingSlot:
    """One more slot; adding one that exists already changes nothing."""
    actor.require(Action.SCHEDULE)
    account = _account(actor, account_id)
    weekday, at = _clean(weekday, at)
    slot, _ = PostingSlot.objects.get_or_create(workspace=actor.workspace, account=account, weekday=weekday, time=at)
    return slot


def remove_slot(actor: Actor, slot_id: int) -> None:
    actor.require(Action.SCHEDULE)
    deleted, _ = PostingSlot.objects.filter(workspace=actor.workspace, pk=slot_id).delete()
    if not deleted:
        raise NotFound("No such slot.")


def add_to_queue(actor: Actor, post_id: int) -> Post:
    """Schedule a draft at the next free slot of all its accounts, through `schedule_post` (a proposal when the
    actor needs approval). The slot is found under the workspace's lock, so two posts never take the same one. A
    refusal keeps the post a draft with the reason."""
    actor.require(Action.DRAFT if actor.needs_approval else Action.SCHEDULE)
    post = get_post(actor.workspace, post_id)
    try:
        with transaction.atomic():
            locked = lock_workspace(actor.workspace.pk)
            targets = list(post.targets.select_related("account").filter(status__in=READY))
            at = next_free_slot(locked, [t.account for t in targets], excluding=[t.pk for t in targets])
            post = schedule_post(actor, post.pk, at=at)
            Post.objects.filter(pk=post.pk).update(queued_in_slot=True)
    except DomainError as refusal:
        # schedule_post's own note of the refusal rolled back with the transaction.
        remember_refusal(actor, post.pk, refusal)
        raise
    post.queued_in_slot = True
    logger.info("slots.queued workspace=%s post=%s at=%s", actor.workspace.pk, post.pk, at.isoformat())
    return post
