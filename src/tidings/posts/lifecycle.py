"""A post target's lifecycle, declared once: the allowed moves, the states that hold a credit, and the one function
that moves targets and settles their credits.

Every status change of a target goes through `move_targets`, so a credit can never come loose from its post: a
target entering a credit-holding state reserves one, and a target leaving one consumes it (published) or gives it
back (anything else). `tests/conftest.py` fails any test whose product code writes a status another way.
"""

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from tidings.credits.models import Balance, CreditReservation, ReservationStatus
from tidings.credits.services import reserve_credits, settle_reservations_of_targets
from tidings.posts.events import announce_moves
from tidings.posts.models import MediaKind, PostTarget, TargetStatus
from tidings.workspaces.models import Workspace

S = TargetStatus

# Where each state may go. Moves to the same state are not status changes and need no entry.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SCHEDULED, S.AWAITING_APPROVAL, S.CANCELLED}),
    # Approved (scheduled as proposed), sent back with changes asked for (draft), or rejected (cancelled).
    S.AWAITING_APPROVAL: frozenset({S.SCHEDULED, S.DRAFT, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.DRAFT, S.QUEUED, S.SKIPPED, S.CANCELLED}),
    S.QUEUED: frozenset({S.PUBLISHING, S.FAILED, S.SKIPPED, S.CANCELLED}),
    S.PUBLISHING: frozenset({S.PUBLISHED, S.FAILED, S.SKIPPED, S.UNCONFIRMED}),
    # Resolved by a lookup on the platform or by the user: it went out, or it did not.
    S.UNCONFIRMED: frozenset({S.PUBLISHED, S.FAILED}),
    S.FAILED: frozenset({S.SCHEDULED, S.AWAITING_APPROVAL, S.DRAFT}),
    S.SKIPPED: frozenset({S.SCHEDULED, S.AWAITING_APPROVAL, S.DRAFT}),
    S.CANCELLED: frozenset({S.SCHEDULED, S.AWAITING_APPROVAL, S.DRAFT}),
    S.PUBLISHED: frozenset(),
}

# A target in one of these holds exactly one pending credit reservation; in any other state it holds none.
HOLDS_CREDIT: frozenset[str] = frozenset({S.AWAITING_APPROVAL, S.SCHEDULED, S.QUEUED, S.PUBLISHING, S.UNCONFIRMED})


def sources_of(to: str) -> frozenset[str]:
    """The states from which a target may move to `to`."""
    return frozenset(state for state, targets in TRANSITIONS.items() if to in targets)


@dataclass(frozen=True)
class Moved:
    target_id: int
    from_status: str


_moving: ContextVar[bool] = ContextVar("tidings_moving_targets", default=False)


def is_moving() -> bool:
    """True while `move_targets` writes; the test suite's guard uses it to catch any other status write."""
    return _moving.get()


@contextmanager
def _writing() -> Iterator[None]:
    token = _moving.set(True)
    try:
        yield
    finally:
        _moving.reset(token)


def move_targets(
    owner: Workspace | None,
    target_ids: Iterable[int],
    *,
    to: str,
    only_from: Collection[str] | None = None,
    reason: str = "",
    **fields: Any,
) -> list[Moved]:
    """Move those of `target_ids` that are in a state allowed to go to `to` (narrowed by `only_from`), set `fields`
    on them, and settle credits; returns the targets that moved, each with the state it left.

    Each target's row is locked and its state re-read under the lock, so of two concurrent movers only the one
    that finds the target in a source state moves it, and only a target that moved has its credit settled.
    `owner` is the workspace that owns the targets, already locked by the caller in this transaction (`lock_workspace`,
    `lock_target_owner`); only moves that cannot touch a credit (scheduled to queued) may pass None.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("move_targets must run inside the transaction that locked the owner.")
    sources = sources_of(to)
    if only_from is not None:
        undeclared = set(only_from) - sources
        if undeclared:
            raise ValueError(f"Undeclared move from {sorted(undeclared)} to {to}.")
        sources = frozenset(only_from)
    ids = list(target_ids)
    if not ids or not sources:
        return []
    rows = PostTarget.objects.select_for_update(of=("self",)).filter(pk__in=ids, status__in=sources)
    if owner is not None:
        rows = rows.filter(post__workspace_id=owner.pk)
    moved = [Moved(pk, status) for pk, status in rows.order_by("pk").values_list("pk", "status")]
    if not moved:
        return []
    leaving = [m.target_id for m in moved if m.from_status in HOLDS_CREDIT and to not in HOLDS_CREDIT]
    entering = [m.target_id for m in moved if m.from_status not in HOLDS_CREDIT and to in HOLDS_CREDIT]
    if owner is None and (leaving or entering):
        raise RuntimeError(f"Moving targets to {to} settles credits: it needs their owner's lock.")
    # update() skips auto_now: the time of the move is set here, so `updated_at` says when a target ended.
    fields.setdefault("updated_at", timezone.now())
    with _writing():
        PostTarget.objects.filter(pk__in=[m.target_id for m in moved], status__in=sources).update(status=to, **fields)
    if leaving and owner is not None:
        settled_as = ReservationStatus.CONSUMED if to == S.PUBLISHED else ReservationStatus.RELEASED
        settle_reservations_of_targets(owner, target_ids=leaving, to=settled_as, reason=reason or f"Target {to}")
    if entering and owner is not None:
        holding = set(
            CreditReservation.objects.filter(target_id__in=entering, status=ReservationStatus.PENDING).values_list(
                "target_id", flat=True
            )
        )
        needs = balances_needed(entering)
        for target_id in entering:
            if target_id not in holding:
                reserve_credits(owner, target_id=target_id, balance=needs[target_id])
    announce_moves(owner, [m.target_id for m in moved], to=to)
    return moved


def balances_needed(target_ids: Collection[int]) -> dict[int, str]:
    """Which balance each target pays from: a video credit when its post's media includes a video, else a credit."""
    with_video = set(
        PostTarget.objects.filter(pk__in=list(target_ids), post__media__kind=MediaKind.VIDEO).values_list(
            "pk", flat=True
        )
    )
    return {pk: Balance.VIDEO_CREDITS if pk in with_video else Balance.CREDITS for pk in target_ids}
