"""The next free slot for a post: one time that is a slot of every chosen account, when none of them has a post
planned at that instant and each platform's daily limit still has room for it on that local day."""

from collections import Counter, defaultdict
from collections.abc import Collection, Iterator, Sequence
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tidings.accounts.timezones import wall_clock_to_utc
from tidings.planning.errors import NoFreeSlot
from tidings.planning.models import PostingSlot
from tidings.platforms.models import SocialAccount
from tidings.posts.models import PostTarget, TargetStatus
from tidings.tiers.checks import PLANNED, posts_per_day
from tidings.tiers.plans import Limit
from tidings.usage.services import local_day
from tidings.workspaces.models import Workspace

# A slot is taken by anything planned for that instant, a proposal waiting for approval included.
HOLDING = (*PLANNED, TargetStatus.AWAITING_APPROVAL)
Weekly = set[tuple[int, time]]


def schedules_of(workspace: Workspace, accounts: Sequence[SocialAccount]) -> dict[int, Weekly]:
    """Each account's weekly slots: its own, or the workspace's when it has none."""
    rows = PostingSlot.objects.filter(workspace=workspace).filter(
        Q(account__isnull=True) | Q(account__in=[a.pk for a in accounts])
    )
    own: dict[int, Weekly] = defaultdict(set)
    shared: Weekly = set()
    for account_id, weekday, at in rows.values_list("account_id", "weekday", "time"):
        (own[account_id] if account_id else shared).add((weekday, at))
    return {a.pk: own.get(a.pk) or shared for a in accounts}


def _refuse(message: str) -> NoFreeSlot:
    return NoFreeSlot(message, settings_url=reverse("posting-schedule"))


def common_slots(workspace: Workspace, accounts: Sequence[SocialAccount]) -> Weekly:
    """The weekly slots every account shares; refused with the way forward when there are none."""
    if not accounts:
        raise _refuse("Choose at least one account to find its next slot.")
    schedules = schedules_of(workspace, accounts)
    bare = [a for a in accounts if not schedules[a.pk]]
    if bare:
        raise _refuse(f"{bare[0]} has no posting slots yet. Set a posting schedule to add posts to the queue.")
    shared = set.intersection(*schedules.values())
    if not shared:
        raise _refuse("The chosen accounts share no slot time. Give them a common time in the posting schedule.")
    return shared


def _candidates(workspace: Workspace, weekly: Weekly, first_day: date, days: int) -> Iterator[datetime]:
    by_weekday: dict[int, list[time]] = defaultdict(list)
    for weekday, at in weekly:
        by_weekday[weekday].append(at)
    for offset in range(days + 1):
        day = first_day + timedelta(days=offset)
        for at in sorted(by_weekday[day.weekday()]):
            yield wall_clock_to_utc(day, at, workspace.time_zone)


def next_free_slot(
    workspace: Workspace,
    accounts: Sequence[SocialAccount],
    *,
    after: datetime | None = None,
    excluding: Collection[int] = (),
) -> datetime:
    """The earliest slot instant (aware, UTC) after `after` (default now), within the scheduling horizon, that is
    free on every account and on a local day with room on each platform. `excluding` are target ids not to count
    (the post's own, when it moves)."""
    after = after or timezone.now()
    weekly = common_slots(workspace, accounts)
    horizon = timezone.now() + timedelta(days=settings.TIDINGS_MAX_SCHEDULE_DAYS)
    first_day = local_day(workspace, after)
    days = (local_day(workspace, horizon) - first_day).days
    taken = set(
        PostTarget.objects.filter(
            account__in=[a.pk for a in accounts],
            status__in=HOLDING,
            scheduled_at__gt=after,
            scheduled_at__lte=horizon,
        )
        .exclude(pk__in=list(excluding))
        .values_list("scheduled_at", flat=True)
    )
    limit = workspace.limits[Limit.POSTS_PER_PLATFORM_PER_DAY]
    adding = Counter(a.platform for a in accounts)
    counts: dict[str, Counter[date]] = {}
    if limit is not None:
        if max(adding.values()) > limit:
            raise _refuse(f"The {workspace.get_tier_display()} plan allows {limit} posts per platform a day.")
        counts = {
            platform: posts_per_day(
                workspace, platform=platform, first_day=first_day, days=days + 1, excluding=excluding
            )
            for platform in adding
        }
    seen: set[datetime] = set()
    for at in _candidates(workspace, weekly, first_day, days):
        if at <= after or at > horizon or at in taken or at in seen:
            continue
        seen.add(at)
        day = local_day(workspace, at)
        if limit is not None and any(counts[p][day] + n > limit for p, n in adding.items()):
            continue
        return at
    raise _refuse(
        f"Every slot in the next {settings.TIDINGS_MAX_SCHEDULE_DAYS} days is taken or on a day at its limit. "
        "Add slots to the posting schedule or pick a time."
    )
