"""Which due reads of posts' counts this tick may make, so that reading never delays publishing.

Decisions:
- An account with a post due (or due within LOOKAHEAD, or being published) is not read this tick, whatever its
  platform: its next publish gets the account's whole room, and its reads wait a minute or two.
- Where a platform limits reads apart from posts (`quotas.read_account_windows`, `read_app_windows`: X's post
  lookup, TikTok's video query, YouTube's units), reads are counted against those windows alone.
- Where one limit covers every call (`quotas.reads_share_posting`: Bluesky's PDS, Mastodon, Pinterest), reads take
  at most SHARE of the room the post windows have left after the posts sent, the reads made and the publishes due
  now; the dispatcher counts only posts, so the other half is what keeps a burst scheduled next from a 429.
- Platforms without published numbers (Meta's formulas, LinkedIn) are slowed by their 429s alone
  (`services.sync_metrics` waits the Retry-After).

Reads are counted from our own rows: a sample per read that gave counts, and the reads that failed in the window
(one per target, the latest). A claim moves the target's next read CLAIM ahead, so an overlapping tick does not
read it too and a crashed tick's targets come back once the claim runs out.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q

from tidings.analytics.models import MetricsSample, TargetMetrics
from tidings.analytics.services import due_for_sync
from tidings.platforms import quotas
from tidings.posts import budgets
from tidings.posts.models import IN_FLIGHT, PostTarget, TargetStatus

LOOKAHEAD = timedelta(minutes=2)
CLAIM = timedelta(minutes=10)
SHARE = 0.5


@dataclass(frozen=True)
class Due:
    target_id: int
    platform: str
    account_id: int


def _reads_used(
    windows: tuple[quotas.Window, ...], now: datetime, scope: str, keys: Iterable[object]
) -> dict[object, list[int]]:
    """Reads made in each window, per `scope` value (`target__account_id` or `target__platform`)."""
    used: dict[object, list[int]] = {}
    if not windows:
        return used
    earliest = now - timedelta(seconds=max(w.seconds for w in windows))
    for model, moment, extra in (
        (MetricsSample, "fetched_at", Q()),
        (TargetMetrics, "updated_at", ~Q(last_error="")),
    ):
        counts = {
            f"w{i}": Count("pk", filter=Q(**{f"{moment}__gte": now - timedelta(seconds=w.seconds)}))
            for i, w in enumerate(windows)
        }
        rows = (
            model.objects.filter(extra, **{f"{moment}__gte": earliest, f"{scope}__in": list(keys)})
            .values(scope)
            .annotate(**counts)
        )
        for row in rows:
            per_window = used.setdefault(row[scope], [0] * len(windows))
            for i in range(len(windows)):
                per_window[i] += row[f"w{i}"]
    return used


def _room(windows: tuple[quotas.Window, ...], used: list[int] | None) -> int:
    used = used or [0] * len(windows)
    return max(0, min(w.posts - n for w, n in zip(windows, used, strict=True)))


def read_room(platform: str, account_ids: set[int], *, now: datetime) -> tuple[dict[int, int], int | None]:
    """Reads each account and the whole platform may still make now (an absent account, or None: no limit)."""
    accounts: dict[int, int] = {}
    if quotas.reads_share_posting(platform):
        post_room = budgets.room_for(((platform, a) for a in account_ids), now=now)
        per_account, per_app = quotas.account_windows(platform), quotas.app_windows(platform)
        read_used = _reads_used(per_account, now, "target__account_id", account_ids)
        for account_id, left in post_room.accounts.items():
            made = max(read_used.get(account_id, [0]))
            accounts[account_id] = math.floor(max(0, left - made) * SHARE)
        app: int | None = None
        if platform in post_room.platforms:
            made = max(_reads_used(per_app, now, "target__platform", [platform]).get(platform, [0]))
            due = PostTarget.objects.filter(
                status=TargetStatus.SCHEDULED, platform=platform, scheduled_at__lte=now + LOOKAHEAD
            ).count()
            app = math.floor(max(0, post_room.platforms[platform] - made - due) * SHARE)
        return accounts, app
    per_account, per_app = quotas.read_account_windows(platform), quotas.read_app_windows(platform)
    if per_account:
        used = _reads_used(per_account, now, "target__account_id", account_ids)
        accounts = {account_id: _room(per_account, used.get(account_id)) for account_id in account_ids}
    app = _room(per_app, _reads_used(per_app, now, "target__platform", [platform]).get(platform)) if per_app else None
    return accounts, app


def publishing_accounts(*, now: datetime) -> set[int]:
    """The accounts with a post due now or soon, or being published (through the due index)."""
    busy = PostTarget.objects.filter(
        Q(status=TargetStatus.SCHEDULED, scheduled_at__lte=now + LOOKAHEAD) | Q(status__in=IN_FLIGHT)
    )
    return set(busy.order_by().values_list("account_id", flat=True).distinct())


def pick_reads(*, now: datetime, limit: int) -> list[int]:
    """Up to `limit` due reads, oldest due first, that fit the rules above."""
    # Some of these may not fit their room: looking further than `limit` lets other accounts' reads go instead.
    ids = due_for_sync(now, limit * 4, skip_accounts=publishing_accounts(now=now))
    found = {
        pk: Due(pk, platform, account)
        for pk, platform, account in PostTarget.objects.filter(pk__in=ids).values_list("pk", "platform", "account_id")
    }
    due = [found[pk] for pk in ids if pk in found]
    rooms = {
        platform: read_room(platform, {d.account_id for d in due if d.platform == platform}, now=now)
        for platform in {d.platform for d in due}
    }
    picked: list[int] = []
    for d in due:
        accounts, app = rooms[d.platform]
        if accounts.get(d.account_id, 1) <= 0 or (app is not None and app <= 0):
            continue
        if d.account_id in accounts:
            accounts[d.account_id] -= 1
        if app is not None:
            rooms[d.platform] = (accounts, app - 1)
        picked.append(d.target_id)
        if len(picked) >= limit:
            break
    return picked


def claim_reads(*, now: datetime, limit: int) -> list[int]:
    """Pick due reads and claim them (their next read moves CLAIM ahead); the ids this tick claimed."""
    picked = pick_reads(now=now, limit=limit)
    until = now + CLAIM
    with transaction.atomic():
        TargetMetrics.objects.bulk_create([TargetMetrics(target_id=pk) for pk in picked], ignore_conflicts=True)
        TargetMetrics.objects.filter(target_id__in=picked).filter(
            Q(next_fetch_at__lte=now) | Q(next_fetch_at__isnull=True, fetched_at__isnull=True)
        ).update(next_fetch_at=until)
        claimed = set(
            TargetMetrics.objects.filter(target_id__in=picked, next_fetch_at=until).values_list("target_id", flat=True)
        )
    return [pk for pk in picked if pk in claimed]
