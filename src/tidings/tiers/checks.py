"""The five plan checks. Each reads the current count and returns a Decision; none changes anything.

Callers that act on an allowed decision run the check inside the same transaction that holds the workspace's lock, so
the count cannot move between the check and the action.
"""

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from tidings.automation.models import AutomationRule
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.posts.models import IN_QUEUE, Post, PostTarget, TargetStatus
from tidings.tiers.plans import Limit
from tidings.usage.models import DailyUsage, Metric
from tidings.usage.services import local_day, usage_on
from tidings.workspaces.models import Workspace


@dataclass(frozen=True)
class Decision:
    check: str
    limit_name: Limit
    allowed: bool
    limit: int | None
    used: int
    tier: str
    reason: str
    platform: str = ""
    # For a refused day: the first later local day with room (ISO date), so the refusal says where to go instead.
    next_open_day: str = ""

    def details(self) -> dict[str, object]:
        """What a refusal tells the UI and the API."""
        details: dict[str, object] = {
            "check": self.check,
            "limit_name": self.limit_name.value,
            "limit": self.limit,
            "used": self.used,
            "tier": self.tier,
        }
        if self.platform:
            details["platform"] = self.platform
        if self.next_open_day:
            details["next_open_day"] = self.next_open_day
        return details


def _decide(
    workspace: Workspace,
    check: str,
    limit_name: Limit,
    used: int,
    adding: int,
    refusal: str,
    *,
    feature: str,
    platform: str = "",
) -> Decision:
    limit = workspace.limits[limit_name]
    allowed = limit is None or used + adding <= limit
    tier = workspace.get_tier_display()
    if allowed:
        reason = f"{used} of {'unlimited' if limit is None else limit} used on the {tier} plan."
    elif limit == 0:
        reason = f"{feature} is not part of the {tier} plan. Upgrade to use it."
    else:
        reason = f"{refusal}: {used} of {limit} used on the {tier} plan."
    return Decision(check, limit_name, allowed, limit, used, workspace.tier, reason, platform)


def _platform_label(platform: str) -> str:
    return Platform(platform).label if platform in Platform.values else platform


def can_connect(workspace: Workspace, *, platform: str) -> Decision:
    used = (
        SocialAccount.objects.filter(workspace=workspace, platform=platform)
        .exclude(status=AccountStatus.DISCONNECTED)
        .count()
    )
    return _decide(
        workspace,
        "can_connect",
        Limit.ACCOUNTS_PER_PLATFORM,
        used,
        1,
        f"Connected {_platform_label(platform)} accounts are at the limit",
        feature=f"Connecting {_platform_label(platform)} accounts",
        platform=platform,
    )


def queue_size(workspace: Workspace) -> int:
    """Posts scheduled and not yet published: any target still waiting to go out keeps the post in the queue."""
    return Post.objects.filter(workspace=workspace, targets__status__in=IN_QUEUE).distinct().count()


def can_schedule(workspace: Workspace, *, adding: int = 1) -> Decision:
    return _decide(
        workspace,
        "can_schedule",
        Limit.QUEUE_SIZE,
        queue_size(workspace),
        adding,
        "Your queue of scheduled posts is full",
        feature="Scheduling posts",
    )


def can_generate(workspace: Workspace, *, at: datetime | None = None, adding: int = 1) -> Decision:
    used = usage_on(workspace, metric=Metric.GENERATIONS, day=local_day(workspace, at))
    return _decide(
        workspace,
        "can_generate",
        Limit.GENERATIONS_PER_DAY,
        used,
        adding,
        "Today's AI generations are used up",
        feature="Writing posts with AI",
    )


def can_post(workspace: Workspace, *, platform: str, at: datetime | None = None) -> Decision:
    used = usage_on(workspace, metric=Metric.POSTS, day=local_day(workspace, at), platform=platform)
    return _decide(
        workspace,
        "can_post",
        Limit.POSTS_PER_PLATFORM_PER_DAY,
        used,
        1,
        f"Today's posts to {_platform_label(platform)} are used up",
        feature=f"Publishing to {_platform_label(platform)}",
        platform=platform,
    )


def can_use_automation(workspace: Workspace, *, adding: int = 1) -> Decision:
    used = AutomationRule.objects.filter(workspace=workspace, enabled=True).count()
    return _decide(
        workspace,
        "can_use_automation",
        Limit.AUTOMATION_RULES,
        used,
        adding,
        "Enabled automation rules are at the limit",
        feature="Automation",
    )


# Targets that count against their day's publishing limit before they are published: planned, going out, or
# possibly out. Published ones are counted by the day's usage row.
PLANNED = (TargetStatus.SCHEDULED, TargetStatus.QUEUED, TargetStatus.PUBLISHING, TargetStatus.UNCONFIRMED)
# How far a refusal looks for the next day with room.
NEXT_DAY_SEARCH_DAYS = 62


def can_add_member(workspace: Workspace, *, adding: int = 1) -> Decision:
    """Members and invitations still open both count: an invitation holds its seat until it is accepted or ends."""
    from tidings.workspaces.selectors import seats_taken

    return _decide(
        workspace,
        "can_add_member",
        Limit.MEMBERS,
        seats_taken(workspace),
        adding,
        "This workspace has every member its plan allows (invitations waiting for an answer count)",
        feature="Sharing a workspace",
    )


def local_day_start(workspace: Workspace, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=workspace.zone)


def posts_per_day(
    workspace: Workspace, *, platform: str, first_day: date, days: int, excluding: Collection[int] = ()
) -> Counter[date]:
    """Posts to `platform` on each of `days` local days from `first_day`: published (the usage rows) plus planned
    (targets scheduled for that day, `excluding` some target ids, such as those being moved)."""
    last_day = first_day + timedelta(days=days)
    planned = PostTarget.objects.filter(
        post__workspace=workspace,
        platform=platform,
        status__in=PLANNED,
        scheduled_at__gte=local_day_start(workspace, first_day),
        scheduled_at__lt=local_day_start(workspace, last_day),
    ).exclude(pk__in=list(excluding))
    counts = Counter(local_day(workspace, at) for at in planned.values_list("scheduled_at", flat=True) if at)
    published = DailyUsage.objects.filter(
        workspace=workspace, metric=Metric.POSTS, platform=platform, day__gte=first_day, day__lt=last_day
    )
    for day, count in published.values_list("day", "count"):
        counts[day] += count
    return counts


def can_plan_post(
    workspace: Workspace, *, platform: str, at: datetime, adding: int = 1, excluding: Collection[int] = ()
) -> Decision:
    """The daily publishing limit, checked when scheduling for `at`: what is published or planned for that local day
    plus `adding` must fit; a refusal names the next day with room."""
    day = local_day(workspace, at)
    label = _platform_label(platform)
    limit = workspace.limits[Limit.POSTS_PER_PLATFORM_PER_DAY]
    counts = posts_per_day(
        workspace,
        platform=platform,
        first_day=day,
        days=1 if limit is None else NEXT_DAY_SEARCH_DAYS,
        excluding=excluding,
    )
    decision = _decide(
        workspace,
        "can_post",
        Limit.POSTS_PER_PLATFORM_PER_DAY,
        counts[day],
        adding,
        f"Posts to {label} on {day:%A %d %B %Y} are at the daily limit",
        feature=f"Publishing to {label}",
        platform=platform,
    )
    if decision.allowed or not limit or adding > limit:
        return decision
    for offset in range(1, NEXT_DAY_SEARCH_DAYS):
        later = day + timedelta(days=offset)
        if counts[later] + adding <= limit:
            reason = f"{decision.reason} The next day with room is {later:%A %d %B %Y}."
            return replace(decision, reason=reason, next_open_day=later.isoformat())
    return decision


def accounts_over_plan(workspace: Workspace, *, platform: str | None = None) -> set[int]:
    """Connected accounts beyond the plan's per-platform count (after a downgrade, say): the earliest connected stay
    usable, the later ones are shown "over your plan" and are neither scheduled to nor published to."""
    limit = workspace.limits[Limit.ACCOUNTS_PER_PLATFORM]
    if limit is None:
        return set()
    accounts = SocialAccount.objects.filter(workspace=workspace).exclude(status=AccountStatus.DISCONNECTED)
    if platform is not None:
        accounts = accounts.filter(platform=platform)
    seen: Counter[str] = Counter()
    over = set()
    for pk, account_platform in accounts.order_by("created_at", "pk").values_list("pk", "platform"):
        seen[account_platform] += 1
        if seen[account_platform] > limit:
            over.add(pk)
    return over


def over_plan_reason(workspace: Workspace, platform: str) -> str:
    limit = workspace.limits[Limit.ACCOUNTS_PER_PLATFORM]
    return (
        f"This account is over your plan: the {workspace.get_tier_display()} plan includes {limit} "
        f"{_platform_label(platform)} account{'' if limit == 1 else 's'}. Disconnect another or upgrade to use it."
    )
