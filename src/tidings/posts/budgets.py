"""Which due targets fit the platforms' quotas now: each account's and each platform's room, counted from our own
targets, so the count survives restarts and holds for every worker that dispatches.

A target counts against a window while it is in flight, and once published (or sent without an answer) within
the window. Due targets are taken in turns, each account's oldest first, so an account with a burst due gets one
turn like every other account, and an account whose window is full is left for a later tick while the others go.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from tidings.platforms import quotas
from tidings.posts.models import IN_FLIGHT, PostTarget, TargetStatus

S = TargetStatus


def sent_since(start: datetime) -> Q:
    """Targets that count against a window starting at `start`. Publishing sets `updated_at` with `published_at`
    (and later), so the `updated_at` bound only narrows the rows through its index."""
    ended_in_window = Q(status__in=(S.PUBLISHED, S.UNCONFIRMED), updated_at__gte=start) & (
        Q(published_at__gte=start) | Q(status=S.UNCONFIRMED)
    )
    return Q(status__in=IN_FLIGHT) | ended_in_window


def _names(windows: tuple[quotas.Window, ...]) -> list[str]:
    return [f"w{i}" for i in range(len(windows))]


def _room(windows: tuple[quotas.Window, ...], used: dict[str, int] | None) -> int:
    """What the fullest window has left, given the posts counted in each (`None`: none counted)."""
    used = used or {}
    return max(0, min(w.posts - used.get(name, 0) for name, w in zip(_names(windows), windows, strict=True)))


def _counts(windows: tuple[quotas.Window, ...], now: datetime) -> tuple[Q, dict[str, Count]]:
    """The rows any window may count, and one count per window."""
    earliest = now - timedelta(seconds=max(w.seconds for w in windows))
    counts = {
        name: Count("pk", filter=sent_since(now - timedelta(seconds=w.seconds)))
        for name, w in zip(_names(windows), windows, strict=True)
    }
    return sent_since(earliest), counts


@dataclass
class Room:
    """Posts each account and each platform may still start now; an absent key has no limit."""

    accounts: dict[int, int]
    platforms: dict[str, int]


def room_for(due: Iterable[tuple[str, int]], *, now: datetime) -> Room:
    """The room left for the (platform, account id) pairs that have targets due: one query per platform and scope
    that has windows, none for the others."""
    by_platform: dict[str, set[int]] = {}
    for platform, account_id in due:
        by_platform.setdefault(platform, set()).add(account_id)
    room = Room({}, {})
    for platform, account_ids in by_platform.items():
        per_account = quotas.account_windows(platform)
        if per_account:
            room.accounts.update(dict.fromkeys(account_ids, _room(per_account, None)))
            counted, counts = _counts(per_account, now)
            rows = PostTarget.objects.filter(counted, account_id__in=account_ids).values("account_id")
            for used in rows.annotate(**counts).values("account_id", *counts):
                room.accounts[used["account_id"]] = _room(per_account, used)
        per_app = quotas.app_windows(platform)
        if per_app:
            counted, counts = _counts(per_app, now)
            used = PostTarget.objects.filter(counted, platform=platform).aggregate(**counts)
            room.platforms[platform] = _room(per_app, used)
    return room


def pick_due(due: QuerySet[PostTarget], *, now: datetime, limit: int) -> list[tuple[int, str, int]]:
    """Up to `limit` of the `due` targets that fit their account's and their platform's room, in turns across
    accounts; (id, platform, dispatch round) of each."""
    due = due.order_by()
    pairs = set(due.values_list("platform", "account_id").distinct())
    room = room_for(pairs, now=now)
    full_accounts = [account for account, left in room.accounts.items() if left == 0]
    full_platforms = [platform for platform, left in room.platforms.items() if left == 0]
    # No account takes more turns than the roomiest bounded account has room for, nor more than the whole batch.
    unbounded = any(account_id not in room.accounts for _, account_id in pairs)
    most = limit if unbounded else min(limit, max(room.accounts.values(), default=0))
    turns = (
        due.exclude(account_id__in=full_accounts)
        .exclude(platform__in=full_platforms)
        .annotate(turn=Window(RowNumber(), partition_by=[F("account_id")], order_by=[F("scheduled_at"), F("pk")]))
        .filter(turn__lte=most)
        .order_by("turn", "scheduled_at", "pk")
        .values_list("pk", "platform", "dispatch_round", "account_id", "turn")
    )
    picked: list[tuple[int, str, int]] = []
    for pk, platform, dispatch_round, account_id, turn in turns.iterator(chunk_size=max(limit, 100)):
        if account_id in room.accounts and turn > room.accounts[account_id]:
            continue
        if platform in room.platforms:
            if room.platforms[platform] <= 0:
                continue
            room.platforms[platform] -= 1
        picked.append((pk, platform, dispatch_round))
        if len(picked) >= limit:
            break
    return picked
